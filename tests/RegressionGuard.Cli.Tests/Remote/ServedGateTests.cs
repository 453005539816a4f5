using System.Globalization;
using Microsoft.AspNetCore.Builder;
using RegressionGuard.Gate;
using RegressionGuard.Law;
using RegressionGuard.Reports;
using RegressionGuard.Server;
using RegressionGuard.Testing;
using RegressionGuard.Torch.Runtime;

namespace RegressionGuard.Cli.Tests.Remote;

/// <summary>The organism gate with base and tuned behind `regressionguard serve` over loopback equals the in-process gate.</summary>
[NonParallelizable]
public sealed class ServedGateTests
{
    static string Organism(string relative) => RepositoryFiles.Path(Path.Combine("suites", "organism", relative));

    [TestCase(1, TestName = "The organism gate through loopback serve equals the in-process gate at concurrency 1")]
    [TestCase(8, TestName = "The organism gate through loopback serve equals the in-process gate at concurrency 8")]
    public async Task The_served_gate_equals_the_in_process_gate(int concurrency)
    {
        // Given the organism's mild gate run in process, and base and tuned each behind a loopback server
        using var dir = new TempFolder();
        var scale = CheckpointScale.Read(Organism("models/mild"));
        var local = new GateRunner(GateConfig.Parse(Config(Organism("models/base"), Organism("models/mild"), scale), Path.Combine(dir.Path, "local.yaml"))).Run();
        using var baseModel = new TorchLanguageModel(ModelLoader.Load(Organism("models/base")));
        using var tunedModel = new TorchLanguageModel(ModelLoader.LoadTuned(Organism("models/mild"), Organism("models/base")));
        await using var baseServer = ServeApp.Build(baseModel, "base", "127.0.0.1", 0);
        await using var tunedServer = ServeApp.Build(tunedModel, "mild", "127.0.0.1", 0);
        await baseServer.StartAsync();
        await tunedServer.StartAsync();
        string Remote(WebApplication app, string name) =>
            $"{{ endpoint: '{app.Urls.First()}/v1', model: {name}, tokenizer: '{Organism("models/base")}', concurrency: {concurrency} }}";

        // When the same gate runs against the servers
        var served = new GateRunner(GateConfig.Parse(Config(Remote(baseServer, "base"), Remote(tunedServer, "mild"), scale), Path.Combine(dir.Path, "served.yaml"))).Run();

        // Then the outcome, every metric (≤ 1e-5), every verdict and flip list, and L_f (≤ 1e-5) are the same
        Assert.That(served.Errors, Is.Empty);
        Assert.That(served.Outcome, Is.EqualTo(local.Outcome));
        Assert.That(served.Suites.Count, Is.EqualTo(local.Suites.Count));
        for (int s = 0; s < local.Suites.Count; s++)
        {
            var (a, b) = (local.Suites[s], served.Suites[s]);
            Assert.That(b.Suite, Is.EqualTo(a.Suite));
            for (int m = 0; m < a.Metrics.Count; m++)
            {
                Assert.That(b.Metrics[m].Comparison.Base, Is.EqualTo(a.Metrics[m].Comparison.Base).Within(1e-5), $"{a.Suite}/{a.Metrics[m].Comparison.Metric} base");
                Assert.That(b.Metrics[m].Comparison.Tuned, Is.EqualTo(a.Metrics[m].Comparison.Tuned).Within(1e-5), $"{a.Suite}/{a.Metrics[m].Comparison.Metric} tuned");
                Assert.That(b.Metrics[m].Outcome, Is.EqualTo(a.Metrics[m].Outcome));
            }

            Assert.That(ReportJsonOf(b.Flips), Is.EqualTo(ReportJsonOf(a.Flips)), $"{a.Suite} flips");
        }

        Assert.That(served.Forgetting!.Lf, Is.EqualTo(local.Forgetting!.Lf).Within(1e-5));
        Assert.That(served.Forgetting.Verdict.Outcome, Is.EqualTo(local.Forgetting.Verdict.Outcome));
    }

    static string ReportJsonOf(object value) => System.Text.Json.JsonSerializer.Serialize(value);

    static string Config(string baseModel, string tuned, CheckpointScale scale) => string.Create(CultureInfo.InvariantCulture, $"""
        schema: 1
        base: {Quote(baseModel)}
        tuned: {Quote(tuned)}
        suites:
          - '{Organism("knowledge.yaml")}'
          - '{Organism("reasoning.yaml")}'
          - '{Organism("refusal.yaml")}'
        thresholds:
          max_drop: 0.05
          max_rise: 0.05
          alpha: 0.05
          require_significance: true
          min_items: 20
        correction: holm
        forgetting:
          corpus: '{Organism("data/forgetting.jsonl")}'
          truncate: true
          law: '{Organism("law.yaml")}'
          budget: 0.262
          tolerance: 0.5
          P: {scale.P}
          N: {scale.N}
        cache: none
        compute:
          dtype: float32
          batch_size: 32
        seed: 20240111
        """);

    static string Quote(string model) => model.StartsWith('{') ? model : $"'{model}'";
}
