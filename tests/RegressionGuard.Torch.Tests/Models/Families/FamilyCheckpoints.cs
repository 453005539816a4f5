using System.Text.Json;
using RegressionGuard.Testing;
using RegressionGuard.Torch.Models;
using RegressionGuard.Torch.Models.Shared;
using RegressionGuard.Torch.Runtime;
using static TorchSharp.torch;

namespace RegressionGuard.Torch.Tests.Models.Families;

/// <summary>The reference checkpoints of tools/references/families.py and models built from config.json text.</summary>
internal static class FamilyCheckpoints
{
    public static string Folder(string name) => RepositoryFiles.Path(Path.Combine("tests", "goldens", "families", name));

    public static string PublishedConfig(string file) => RepositoryFiles.Path(Path.Combine("tests", "fixtures", "configs", file));

    /// <summary>A golden checkpoint loaded in fp32 on the CPU through the family registry.</summary>
    public static ICausalTransformer Load(string name) =>
        ModelLoader.LoadTransformer(Folder(name), new ComputeOptions(), CPU).Model;

    public static long[] InputIds(string name) =>
        JsonSerializer.Deserialize<long[]>(File.ReadAllText(Path.Combine(Folder(name), "input_ids.json")))!;

    /// <summary>The config.json of golden <paramref name="name"/> with <paramref name="changes"/> (key → raw JSON) applied.</summary>
    public static JsonElement Config(string name, params (string Key, string Json)[] changes)
    {
        var node = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(Folder(name), "config.json")))!.AsObject();
        foreach (var (key, json) in changes)
        {
            node[key] = System.Text.Json.Nodes.JsonNode.Parse(json);
        }

        return JsonDocument.Parse(node.ToJsonString()).RootElement;
    }

    /// <summary>A randomly initialised fp32 model of <paramref name="config"/>, built by its family.</summary>
    public static ICausalTransformer Random(JsonElement config, int seed = 7)
    {
        var family = ModelFamilies.ForArchitecture(config.GetProperty("architectures")[0].GetString()!)!;
        var blueprint = family.Read(config, "config.json");
        manual_seed(seed);
        using (no_grad())
        {
            var model = blueprint.Create(CPU);
            foreach (var (name, p) in model.Module.named_parameters())
            {
                if (name.EndsWith("norm.weight", StringComparison.Ordinal))
                {
                    p.normal_(1, 0.1);
                }
                else
                {
                    p.normal_(0, 0.2);
                }
            }

            model.Module.eval();
            return model;
        }
    }

    /// <summary>
    /// A Hugging Face folder with a random model of golden <paramref name="name"/>'s config (vocabulary 260, and
    /// <paramref name="changes"/>) and a byte-level tokenizer, for runtime tests that need a tokenizer.
    /// </summary>
    public static string WriteRandomFolder(string folder, string name, params (string Key, string Json)[] changes)
    {
        var config = Config(name, [.. changes, ("vocab_size", "260")]);
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "config.json"), config.GetRawText());
        using (var model = Random(config))
        {
            Torch.Checkpoints.SafetensorsFile.Write(Path.Combine(folder, "model.safetensors"), model.Module.state_dict());
        }

        TinyTokenizers.WriteByteLevel(folder, 260);
        return folder;
    }

    /// <summary>Logits (1, T, V) of <paramref name="ids"/> at positions 0..T−1, no cache.</summary>
    public static Tensor Logits(ICausalTransformer model, long[] ids)
    {
        var input = tensor(ids, new long[] { 1, ids.Length });
        var positions = arange(ids.Length, dtype: ScalarType.Int64).unsqueeze(0);
        return model.Forward(input, positions, null, null);
    }
}
