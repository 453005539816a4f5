using RegressionGuard.Testing;
using RegressionGuard.Torch.Runtime;

namespace RegressionGuard.Torch.Tests.Runtime;

/// <summary>A model's content hash (its cache identity) changes with anything that changes its outputs.</summary>
public sealed class ContentHashTests
{
    [Test]
    public void A_changed_config_json_beside_the_same_weights_is_a_different_model()
    {
        // Given a copy of the organism's base, and a second copy whose config.json differs only in rope_theta
        using var dir = new TempFolder();
        string original = RepositoryFiles.Path("suites/organism/models/base");
        string Copy(string name)
        {
            var folder = dir.File(name);
            Directory.CreateDirectory(folder);
            foreach (var file in Directory.GetFiles(original))
            {
                File.Copy(file, Path.Combine(folder, Path.GetFileName(file)));
            }

            return folder;
        }

        var same = Copy("same");
        var changed = Copy("changed");
        var config = Path.Combine(changed, "config.json");
        var json = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(config))!;
        json["rope_theta"] = json["rope_theta"]!.GetValue<double>() * 2;
        File.WriteAllText(config, json.ToJsonString());

        // When each is opened
        using var a = ModelLoader.Open(same);
        using var b = ModelLoader.Open(changed);
        using var c = ModelLoader.Open(original);

        // Then the changed config gives another content hash, and a byte-identical copy the same one
        Assert.That(b.ContentHash, Is.Not.EqualTo(a.ContentHash));
        Assert.That(c.ContentHash, Is.EqualTo(a.ContentHash));
    }
}
