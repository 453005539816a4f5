using System.Text.Json;
using RegressionGuard.Testing;

namespace RegressionGuard.Cli.Tests.Commands;

/// <summary>A warm gate reads L_f's base distributions in place while their checksum is computed: a corrupt entry found after the tuned pass.</summary>
public sealed class GateForgettingCacheTests
{
    static JsonElement Report(TempFolder dir) =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(dir.File("report"), "report.json"))).RootElement;

    /// <summary>The organism's mild candidate on its knowledge suite and L_f corpus, with a cache of its own.</summary>
    static string Config(TempFolder dir)
    {
        var o = RepositoryFiles.Path("suites/organism");
        var path = dir.File("gate.yaml");
        File.WriteAllText(path, $"""
            schema: 1
            base: {Path.Combine(o, "models/base")}
            tuned: {Path.Combine(o, "models/mild")}
            suites:
              - {Path.Combine(o, "knowledge.yaml")}
            forgetting:
              corpus: {Path.Combine(o, "data/forgetting.jsonl")}
              truncate: true
              budget: 0.262
              tolerance: 0.5
            output: {dir.File("report")}
            cache: {dir.File("cache")}
            """);
        return path;
    }

    [Test]
    public void A_corrupt_cached_L_f_entry_is_an_error_of_that_run_never_its_L_f_and_the_next_run_recomputes_it()
    {
        // Given a cold gate, then one probability byte of its cached L_f entry flipped
        using var dir = new TempFolder();
        var config = Config(dir);
        var cold = CliRun.Of("gate", "--config", config);
        var coldForgetting = Report(dir).GetProperty("forgetting").GetRawText();
        var entry = Directory.GetFiles(dir.File("cache"), "*.bin", SearchOption.AllDirectories).Single(f => f.Contains("base-distributions", StringComparison.Ordinal));
        var bytes = File.ReadAllBytes(entry);
        bytes[^5000] ^= 0x40; // inside the last window's probabilities (its entropies and argmaxes take 8 bytes a position)
        File.WriteAllBytes(entry, bytes);

        // When the gate runs warm, then once more
        var warm = CliRun.Of("gate", "--config", config);
        var warmReport = Report(dir);
        bool deleted = !File.Exists(entry);
        var again = CliRun.Of("gate", "--config", config);

        // Then the warm run is an error that says why and reports no L_f, the entry is gone, and the next run
        // recomputes the base distributions and reports the cold run's L_f
        Assert.That(cold.ExitCode, Is.Zero, cold.Out + cold.Error);
        Assert.That(warm.ExitCode, Is.EqualTo(2), warm.Out + warm.Error);
        Assert.That(warm.Out + warm.Error, Does.Contain($"cache entry {entry} is corrupt: checksum mismatch")
            .And.Contain("it was deleted and nothing computed from it is used: run again to recompute the base distributions"));
        Assert.That(warmReport.TryGetProperty("forgetting", out _), Is.False, "no L_f is reported");
        Assert.That(warmReport.GetProperty("outcome").GetString(), Is.EqualTo("error"));
        Assert.That(deleted, Is.True);
        Assert.That(again.ExitCode, Is.EqualTo(cold.ExitCode), again.Out + again.Error);
        Assert.That(again.Error, Does.Contain("base · L_f distributions: computed"));
        Assert.That(Report(dir).GetProperty("forgetting").GetRawText(), Is.EqualTo(coldForgetting));
    }
}
