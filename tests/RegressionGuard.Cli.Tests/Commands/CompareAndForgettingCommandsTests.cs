using System.Text.Json;
using RegressionGuard.Testing;
using RegressionGuard.Torch.Adapters;
using RegressionGuard.Torch.Runtime;
using static TorchSharp.torch;

namespace RegressionGuard.Cli.Tests.Commands;

public sealed class CompareAndForgettingCommandsTests
{
    static string Bin => SharedData.Path("models/stories260K/stories260K.bin");

    static string Repo()
    {
        return RepositoryFiles.Root;
    }

    /// <summary>A PEFT adapter on stories260K's q/v projections with B ~ N(0, 0.3²) (seeded): a model that moved.</summary>
    static string WriteAdapter(TempFolder dir)
    {
        using var model = ModelLoader.Load(Bin);
        using var adapter = LoraAdapter.Create(model.Transformer, new LoraConfig { R = 4, LoraAlpha = 8, TargetModules = JsonSerializer.SerializeToElement(new[] { "q_proj", "v_proj" }) }, seed: 1);
        manual_seed(2);
        using (no_grad())
        {
            foreach (var p in adapter.Parameters())
            {
                p.normal_(0, 0.3);
            }
        }

        var folder = dir.File("adapter");
        adapter.Save(folder);
        return folder;
    }

    [Test]
    public void Forgetting_of_an_adapter_prints_the_documented_json()
    {
        using var dir = new TempFolder();
        var adapter = WriteAdapter(dir);
        var run = CliRun.Of("forgetting", "--base", Bin, "--tuned", adapter, "--data", SharedData.Path("datasets/tinystories/TinyStories-valid.first46.jsonl"),
            "--truncate", "--json", "--cache-dir", dir.File("cache"));
        Assert.That(run.ExitCode, Is.Zero, run.Error);
        var root = JsonDocument.Parse(run.Out).RootElement;
        Assert.That(root.EnumerateObject().Select(p => p.Name), Is.EqualTo(new[] { "lf", "base_entropy", "kl", "top1_agreement", "predicted_tokens", "documents" }));
        Assert.That(root.GetProperty("predicted_tokens").GetInt64(), Is.EqualTo(14_721));
        Assert.That(root.GetProperty("kl").GetDouble(), Is.GreaterThan(0));
        Assert.That(root.GetProperty("lf").GetDouble(), Is.EqualTo(root.GetProperty("base_entropy").GetDouble() + root.GetProperty("kl").GetDouble()).Within(1e-5));
    }

    [Test]
    public void Compare_reports_paired_statistics_and_reuses_the_base_results()
    {
        using var dir = new TempFolder();
        var adapter = WriteAdapter(dir);
        string[] args = { "compare", "--base", Bin, "--tuned", adapter, "--suite", Path.Combine(Repo(), "suites/tinystories/tinystories_facts.yaml"),
            "--suite", Path.Combine(Repo(), "suites/tinystories/tinystories_common_sense.yaml"), "--json", "--cache-dir", dir.File("cache"), "--out", dir.File("out") };
        var first = CliRun.Of(args);
        Assert.That(first.ExitCode, Is.Zero, first.Error);
        var second = CliRun.Of(args);
        var root = JsonDocument.Parse(second.Out).RootElement;
        Assert.That(JsonDocument.Parse(first.Out).RootElement.GetProperty("base_from_cache").EnumerateArray().Select(e => e.GetBoolean()), Is.EqualTo(new[] { false, false }));
        Assert.That(root.GetProperty("base_from_cache").EnumerateArray().Select(e => e.GetBoolean()), Is.EqualTo(new[] { true, true }));
        var suites = root.GetProperty("suites");
        Assert.That(suites.GetArrayLength(), Is.EqualTo(2));
        var acc = suites[0].GetProperty("metrics")[0];
        Assert.That(acc.GetProperty("metric").GetString(), Is.EqualTo("acc"));
        foreach (var key in new[] { "base", "tuned", "delta", "ci_lower", "ci_upper", "p_value", "p_holm" })
        {
            Assert.That(acc.TryGetProperty(key, out _), Is.True, key);
        }

        Assert.That(File.Exists(Path.Combine(dir.File("out"), "comparison.json")));
        Assert.That(File.Exists(Path.Combine(dir.File("out"), "tinystories_facts", "tuned", "items.jsonl")));
        Assert.That(second.Out, Is.EqualTo(first.Out.Replace("\"base_from_cache\":[false,false]", "\"base_from_cache\":[true,true]", StringComparison.Ordinal)), "same numbers from the cache");
    }
}
