using System.Text.RegularExpressions;
using RegressionGuard.Testing;

namespace RegressionGuard.Cli.Tests.Commands;

/// <summary>A gate whose base side is all in the cache: the base model is identified by its content hash, never loaded.</summary>
public sealed class WarmGateTests
{
    const string NotLoaded = "base · weights not loaded";

    [Test]
    public void A_warm_gate_does_not_load_the_base_model_and_reports_what_the_cold_gate_did()
    {
        // Given the organism gate (a suite, L_f and weight diagnostics) with a cache of its own
        using var dir = new TempFolder();
        var config = Config(dir, RepositoryFiles.Path("suites/organism/models/base"));

        // When it runs twice
        var cold = CliRun.Of("gate", "--config", config);
        var coldReport = WithoutTimes(File.ReadAllText(dir.File("out/report.json")));
        var warm = CliRun.Of("gate", "--config", config, "--timings");

        // Then the cold run loads and runs the base model; the warm one reads every base result and the weight
        // diagnostics from the cache, never loads the base weights, and reports exactly what the cold run did
        Assert.That(cold.ExitCode, Is.Zero, cold.Out + cold.Error);
        Assert.That(cold.Error, Does.Contain("base · organism_knowledge: evaluated").And.Not.Contain(NotLoaded));
        Assert.That(warm.ExitCode, Is.Zero, warm.Out + warm.Error);
        Assert.That(warm.Error, Does.Contain("base · organism_knowledge: from cache").And.Contain("base · L_f distributions: from cache").And.Contain(NotLoaded));
        Assert.That(warm.Error, Does.Match(@"weight diagnostics: 28 projections, ‖ΔW‖_F [0-9.]+ \(from cache\)"));
        Assert.That(WithoutTimes(File.ReadAllText(dir.File("out/report.json"))), Is.EqualTo(coldReport));

        // and --timings lists every stage, from process start to the reports
        foreach (var stage in new[] { "start-up: runtime, command line, gate config", "base · open, content hash", "tuned · suites", "tuned · L_f", "weight diagnostics", "reports (json, md, html, junit)", "total (process start → reports written)" })
        {
            Assert.That(warm.Error, Does.Contain(stage));
        }
    }

    [Test]
    public void A_changed_base_checkpoint_is_a_cache_miss_and_its_weights_are_loaded()
    {
        // Given a copy of the organism's base model, gated once (so the cache holds its results)
        using var dir = new TempFolder();
        var copy = dir.File("base");
        Directory.CreateDirectory(copy);
        foreach (var file in Directory.GetFiles(RepositoryFiles.Path("suites/organism/models/base")))
        {
            File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));
        }

        var config = Config(dir, copy);
        Assert.That(CliRun.Of("gate", "--config", config).ExitCode, Is.Zero);

        // When one bit of one weight changes (the file's last byte: the last element's sign and exponent bits) and it runs again
        var weights = Path.Combine(copy, "model.safetensors");
        var bytes = File.ReadAllBytes(weights);
        bytes[^1] ^= 0x01;
        File.WriteAllBytes(weights, bytes);
        var run = CliRun.Of("gate", "--config", config);

        // Then nothing base-side comes from the cache: the base model is loaded and run, and so are the diagnostics
        Assert.That(run.Error, Does.Contain("base · organism_knowledge: evaluated").And.Contain("base · L_f distributions: computed").And.Not.Contain(NotLoaded), run.Out + run.Error);
        Assert.That(run.Error, Does.Not.Contain("(from cache)"));
    }

    static string Config(TempFolder dir, string basePath)
    {
        var organism = RepositoryFiles.Path("suites/organism");
        var path = dir.File("regressionguard.yaml");
        File.WriteAllText(path, $"""
            schema: 1
            base: {basePath}
            tuned: {Path.Combine(organism, "models", "mild")}
            suites: [{Path.Combine(organism, "knowledge.yaml")}]
            forgetting:
              corpus: {Path.Combine(organism, "data", "forgetting.jsonl")}
              truncate: true
              budget: 0.262
              P: 20480
              N: 20
            diagnostics: true
            output: {dir.File("out")}
            cache: {dir.File("cache")}

            """);
        return path;
    }

    static string WithoutTimes(string json) => Regex.Replace(json, "\"(generated_utc|duration_seconds)\": [^,\n]+", "\"$1\": _");
}
