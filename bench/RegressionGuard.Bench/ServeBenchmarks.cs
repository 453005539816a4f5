using System.Diagnostics;
using System.Globalization;
using RegressionGuard.Gate;
using RegressionGuard.Law;
using RegressionGuard.Server;
using RegressionGuard.Torch.Runtime;

namespace RegressionGuard.Bench;

/// <summary>
/// The organism gate (suites/organism/gate-mild.yaml, no cache) in process, then with base and tuned behind two
/// loopback `serve` instances at client concurrency 1, 4 and 8: wall time, HTTP requests/s, and the time per request
/// the remote path adds over in process ((served − in-process) / requests). docs/benchmarks.md.
/// </summary>
public static class ServeBenchmarks
{
    public static void Run(string repo)
    {
        string O(string relative) => Path.Combine(repo, "suites", "organism", relative);
        var dir = Directory.CreateTempSubdirectory("rg-serve-bench").FullName;
        var scale = CheckpointScale.Read(O("models/mild"));
        string Config(string b, string t) => string.Create(CultureInfo.InvariantCulture, $"""
            schema: 1
            base: {b}
            tuned: {t}
            suites: ['{O("knowledge.yaml")}', '{O("reasoning.yaml")}', '{O("refusal.yaml")}']
            forgetting:
              corpus: '{O("data/forgetting.jsonl")}'
              truncate: true
              law: '{O("law.yaml")}'
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

        var clock = Stopwatch.StartNew();
        var local = new GateRunner(GateConfig.Parse(Config($"'{O("models/base")}'", $"'{O("models/mild")}'"), Path.Combine(dir, "local.yaml"))).Run();
        double inProcess = clock.Elapsed.TotalSeconds;
        Console.WriteLine(FormattableString.Invariant($"| in process | — | {inProcess:F1} | — | — | 1.00× | {local.Outcome} |"));

        using var baseModel = new TorchLanguageModel(ModelLoader.Load(O("models/base")));
        using var tunedModel = new TorchLanguageModel(ModelLoader.LoadTuned(O("models/mild"), O("models/base")));
        var baseApp = ServeApp.Build(baseModel, "base", "127.0.0.1", 0);
        var tunedApp = ServeApp.Build(tunedModel, "mild", "127.0.0.1", 0);
        baseApp.StartAsync().GetAwaiter().GetResult();
        tunedApp.StartAsync().GetAwaiter().GetResult();
        try
        {
            foreach (int concurrency in new[] { 1, 4, 8 })
            {
                string Remote(Microsoft.AspNetCore.Builder.WebApplication app, string name) =>
                    $"{{ endpoint: '{app.Urls.First()}/v1', model: {name}, tokenizer: '{O("models/base")}', concurrency: {concurrency} }}";
                int before = Requests(baseApp) + Requests(tunedApp);
                clock.Restart();
                var served = new GateRunner(GateConfig.Parse(Config(Remote(baseApp, "base"), Remote(tunedApp, "mild")), Path.Combine(dir, $"served-{concurrency}.yaml"))).Run();
                double seconds = clock.Elapsed.TotalSeconds;
                int requests = Requests(baseApp) + Requests(tunedApp) - before;
                Console.WriteLine(FormattableString.Invariant(
                    $"| loopback serve | {concurrency} | {seconds:F1} | {requests / seconds:F0} | {(seconds - inProcess) * 1000 / requests:F2} | {inProcess / seconds:F2}× | {served.Outcome} |"));
            }
        }
        finally
        {
            baseApp.StopAsync().GetAwaiter().GetResult();
            tunedApp.StopAsync().GetAwaiter().GetResult();
        }

        // in process again, so a change of machine load during the run shows
        clock.Restart();
        new GateRunner(GateConfig.Parse(Config($"'{O("models/base")}'", $"'{O("models/mild")}'"), Path.Combine(dir, "local-again.yaml"))).Run();
        Console.WriteLine(FormattableString.Invariant($"| in process, again | — | {clock.Elapsed.TotalSeconds:F1} | — | — | {inProcess / clock.Elapsed.TotalSeconds:F2}× of the first | |"));
    }

    static int Requests(Microsoft.AspNetCore.Builder.WebApplication app) => ServeApp.RequestsServed(app);
}
