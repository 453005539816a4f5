using Microsoft.AspNetCore.Builder;
using RegressionGuard.Gate;
using RegressionGuard.Modeling;
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
        // Given the organism's mild gate (the shipped config, no cache, no weight diagnostics) run in process, and base
        // and tuned each behind a loopback server
        var gate = GateConfig.Load(Organism("gate-mild.yaml")) with { UseCache = false, Diagnostics = null };
        var local = new GateRunner(gate).Run();
        using var baseModel = new TorchLanguageModel(ModelLoader.Load(Organism("models/base")));
        using var tunedModel = new TorchLanguageModel(ModelLoader.LoadTuned(Organism("models/mild"), Organism("models/base")));
        await using var baseServer = ServeApp.Build(baseModel, "base", "127.0.0.1", 0);
        await using var tunedServer = ServeApp.Build(tunedModel, "mild", "127.0.0.1", 0);
        await baseServer.StartAsync();
        await tunedServer.StartAsync();
        RemoteModelSpec Remote(WebApplication app, string name) => new(new Uri($"{app.Urls.First()}/v1"), name, Organism("models/base"), concurrency);

        // When the same gate runs against the servers
        var served = new GateRunner(ServedGate.Config(gate, Remote(baseServer, "base"), Remote(tunedServer, "mild"))).Run();

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

    [Test]
    public void A_served_gate_config_reads_P_and_N_from_the_tuned_checkpoint_it_replaces_and_drops_weight_diagnostics()
    {
        // Given the shipped organism gate (P and N auto, diagnostics on)
        var gate = GateConfig.Load(Organism("gate-mild.yaml"));
        var scale = Law.CheckpointScale.Read(Organism("models/mild"));

        // When its tuned model is served
        var spec = new RemoteModelSpec(new Uri("http://127.0.0.1:8001/v1"), "mild", Organism("models/base"));
        var served = ServedGate.Config(gate, null, spec);

        // Then the tuned model is the endpoint, the base stays local, P and N are the checkpoint's, and diagnostics are off
        Assert.That((served.Tuned, served.TunedRemote, served.Base, served.BaseRemote), Is.EqualTo(("http://127.0.0.1:8001/v1#mild", spec, gate.Base, (RemoteModelSpec?)null)));
        Assert.That((served.Forgetting!.P, served.Forgetting.N), Is.EqualTo(((long?)scale.P, (long?)scale.N)));
        Assert.That((gate.Diagnostics is null, served.Diagnostics is null), Is.EqualTo((false, true)));
    }

    static string ReportJsonOf(object value) => System.Text.Json.JsonSerializer.Serialize(value);
}
