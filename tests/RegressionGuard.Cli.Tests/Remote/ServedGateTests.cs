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

    /// <summary>The organism's base and its mild fine-tune (adapter merged), each behind a loopback server.</summary>
    sealed class Servers : IAsyncDisposable
    {
        readonly TorchLanguageModel _base = new(ModelLoader.Load(Organism("models/base")));
        readonly TorchLanguageModel _tuned = new(ModelLoader.LoadTuned(Organism("models/mild"), Organism("models/base")));

        Servers()
        {
            Base = ServeApp.Build(_base, "base", "127.0.0.1", 0);
            Tuned = ServeApp.Build(_tuned, "mild", "127.0.0.1", 0);
        }

        public WebApplication Base { get; }
        public WebApplication Tuned { get; }

        public static async Task<Servers> Start()
        {
            var servers = new Servers();
            await servers.Base.StartAsync();
            await servers.Tuned.StartAsync();
            return servers;
        }

        /// <summary><paramref name="gate"/> with base and tuned read from the two servers.</summary>
        public GateConfig Config(GateConfig gate, int concurrency)
        {
            RemoteModelSpec Remote(WebApplication app, string name) => new(new Uri($"{app.Urls.First()}/v1"), name, Organism("models/base"), concurrency);
            return ServedGate.Config(gate, Remote(Base, "base"), Remote(Tuned, "mild"));
        }

        public async ValueTask DisposeAsync()
        {
            await Base.DisposeAsync();
            await Tuned.DisposeAsync();
            _base.Dispose();
            _tuned.Dispose();
        }
    }

    [TestCase(1, TestName = "The organism gate through loopback serve equals the in-process gate at concurrency 1")]
    [TestCase(8, TestName = "The organism gate through loopback serve equals the in-process gate at concurrency 8")]
    public async Task The_served_gate_equals_the_in_process_gate(int concurrency)
    {
        // Given the organism's mild gate (the shipped config, no cache, no weight diagnostics) run in process, and base
        // and tuned each behind a loopback server
        var gate = GateConfig.Load(Organism("gate-mild.yaml")) with { UseCache = false, Diagnostics = null };
        var local = new GateRunner(gate).Run();
        await using var servers = await Servers.Start();

        // When the same gate runs against the servers
        var served = new GateRunner(servers.Config(gate, concurrency)).Run();

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
    public async Task A_served_gate_run_again_with_its_cache_asks_each_server_for_its_fingerprint_probe_only()
    {
        // Given the organism's mild gate with a cache, base and tuned each behind a loopback server, run once
        using var cache = new TempFolder();
        var gate = GateConfig.Load(Organism("gate-mild.yaml")) with { Cache = cache.Path, Diagnostics = null };
        await using var servers = await Servers.Start();
        var served = servers.Config(gate, concurrency: 4);
        var first = new GateRunner(served).Run();
        var (baseBefore, tunedBefore) = (ServeApp.RequestsServed(servers.Base), ServeApp.RequestsServed(servers.Tuned));

        // When it runs again with the same cache
        var again = new GateRunner(served).Run();

        // Then each server answered one prompt (the probe that identifies the model: the base distributions come from
        // the gate's own cache entry, every other answer from the request cache), and the report is the same
        Assert.That(ServeApp.RequestsServed(servers.Base) - baseBefore, Is.EqualTo(1), "base server");
        Assert.That(ServeApp.RequestsServed(servers.Tuned) - tunedBefore, Is.EqualTo(1), "tuned server");
        Assert.That(again.Outcome, Is.EqualTo(first.Outcome));
        Assert.That(again.Forgetting!.Lf, Is.EqualTo(first.Forgetting!.Lf));
        Assert.That(again.Suites.SelectMany(x => x.Metrics).Select(m => m.Comparison.Tuned), Is.EqualTo(first.Suites.SelectMany(x => x.Metrics).Select(m => m.Comparison.Tuned)));
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
