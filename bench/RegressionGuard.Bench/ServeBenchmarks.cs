using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using Microsoft.AspNetCore.Builder;
using RegressionGuard.Gate;
using RegressionGuard.Modeling;
using RegressionGuard.Remote;
using RegressionGuard.Reports;
using RegressionGuard.Server;
using RegressionGuard.Torch.Runtime;

namespace RegressionGuard.Bench;

/// <summary>
/// The organism gate (suites/organism/gate-mild.yaml without weight diagnostics) in process and with base and tuned
/// behind two loopback `serve` instances, at 1, 4 and 8 requests at a time. The same work on both sides: in process the
/// models batch <c>c</c> requests (compute.batch_size = c); served, the client keeps c requests in flight and each
/// server's model (loaded with batch size c, so the L_f extension batches alike) batches what is waiting. Every
/// configuration runs once to warm up, then once timed, each run with a fresh cache folder (every result computed and
/// stored, none read). Reported: wall and process CPU seconds (client and servers share this process), requests/s, the
/// client's time per request outside the HTTP exchange (<see cref="RemoteMetrics"/>), the servers' model time, and the
/// 1-minute load average before and after. docs/benchmarks.md, "Gate through loopback serve".
/// </summary>
public static class ServeBenchmarks
{
    sealed record Measured(double Wall, double Cpu, string Load, GateOutcome Outcome, IReadOnlyList<(string Step, double Wall, double Cpu)> Steps);

    /// <param name="log">print each timed run's gate log lines to stderr, prefixed with the seconds since the run began</param>
    /// <param name="batchSize">prompts per completions request (the served models' batch_size)</param>
    public static void Run(string repo, IReadOnlyList<int> concurrencies, bool log = false, int batchSize = RemoteModelSpec.DefaultBatchSize)
    {
        string O(string relative) => Path.Combine(repo, "suites", "organism", relative);
        var shipped = GateConfig.Load(O("gate-mild.yaml")) with { Diagnostics = null };
        var temp = Directory.CreateTempSubdirectory("rg-serve-bench").FullName;
        using var phases = new ClientPhases();
        var loads = new List<string>();
        var stepLines = new List<string>();
        var kindLines = new List<string>();
        Console.WriteLine($"organism gate {O("gate-mild.yaml")} (no weight diagnostics); served: {batchSize} prompts per request; caches in {temp}; load average {LoadAverage()}");
        Console.WriteLine();
        Console.WriteLine("| path | c | wall (s) | CPU (s) | requests | requests/s | served/in-process throughput | client outside HTTP (ms/prompt: encode, serialize, cache, parse) | HTTP exchange (ms/prompt) | servers' model time (s) | load 1 min (before → after) | gate |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|---|---|---|---|");
        int run = 0;
        foreach (int c in concurrencies)
        {
            var compute = new ComputeOptions { DType = shipped.DType, BatchSize = c, Threads = shipped.Threads };
            var local = shipped with { BatchSize = c };
            var inProcess = WarmThenTime(() => local with { Cache = Path.Combine(temp, $"run-{++run}") }, log);

            var loading = Stopwatch.StartNew();
            using var baseModel = new TorchLanguageModel(ModelLoader.Load(shipped.Base, shipped.Tokenizer, compute));
            using var tunedModel = new TorchLanguageModel(ModelLoader.LoadTuned(shipped.Tuned, shipped.Base, shipped.Tokenizer, compute));
            loads.Add(FormattableString.Invariant($"{loading.Elapsed.TotalSeconds:F2} s"));
            var baseApp = ServeApp.Build(baseModel, "base", "127.0.0.1", 0);
            var tunedApp = ServeApp.Build(tunedModel, "mild", "127.0.0.1", 0);
            baseApp.StartAsync().GetAwaiter().GetResult();
            tunedApp.StartAsync().GetAwaiter().GetResult();
            try
            {
                RemoteModelSpec Spec(WebApplication app, string name) => new(new Uri($"{app.Urls.First()}/v1"), name, shipped.BaseRemote?.Tokenizer ?? shipped.Base, c) { BatchSize = batchSize };
                var served = ServedGate.Config(shipped, Spec(baseApp, "base"), Spec(tunedApp, "mild"));
                int requestsBefore = 0;
                double modelBefore = 0, scoringBefore = 0, generationBefore = 0;
                (double Scoring, double Generation) Kinds() => (
                    (ServeApp.ModelTimeByKind(baseApp).Scoring + ServeApp.ModelTimeByKind(tunedApp).Scoring).TotalSeconds,
                    (ServeApp.ModelTimeByKind(baseApp).Generation + ServeApp.ModelTimeByKind(tunedApp).Generation).TotalSeconds);
                var timed = WarmThenTime(() => served with { Cache = Path.Combine(temp, $"run-{++run}") }, log, () =>
                {
                    phases.Reset();
                    requestsBefore = ServeApp.RequestsServed(baseApp) + ServeApp.RequestsServed(tunedApp);
                    modelBefore = (ServeApp.ModelTime(baseApp) + ServeApp.ModelTime(tunedApp)).TotalSeconds;
                    (scoringBefore, generationBefore) = Kinds();
                });
                var kinds = Kinds();
                kindLines.Add(FormattableString.Invariant($"| {c} | {phases.Exchanges} | {kinds.Scoring - scoringBefore:F2} | {kinds.Generation - generationBefore:F2} |"));
                int requests = ServeApp.RequestsServed(baseApp) + ServeApp.RequestsServed(tunedApp) - requestsBefore;
                double model = (ServeApp.ModelTime(baseApp) + ServeApp.ModelTime(tunedApp)).TotalSeconds - modelBefore;
                var (client, byPhase, http) = phases.PerRequest(requests);
                Console.WriteLine(FormattableString.Invariant(
                    $"| in process | {c} | {inProcess.Wall:F1} | {inProcess.Cpu:F1} | ({requests}) | {requests / inProcess.Wall:F1} | 1.00× | — | — | — | {inProcess.Load} | {inProcess.Outcome} |"));
                Console.WriteLine(FormattableString.Invariant(
                    $"| loopback serve | {c} | {timed.Wall:F1} | {timed.Cpu:F1} | {requests} | {requests / timed.Wall:F1} | {inProcess.Wall / timed.Wall:F2}× | {client:F3} ({byPhase}) | {http:F2} | {model:F1} | {timed.Load} | {timed.Outcome} |"));
                foreach (var (step, i) in inProcess.Steps.Select((x, i) => (x, i)))
                {
                    var other = i < timed.Steps.Count ? timed.Steps[i] : default;
                    stepLines.Add(FormattableString.Invariant($"| {c} | {step.Step} | {step.Wall:F1} | {step.Cpu:F1} | {other.Wall:F1} | {other.Cpu:F1} |"));
                }
            }
            finally
            {
                baseApp.StopAsync().GetAwaiter().GetResult();
                tunedApp.StopAsync().GetAwaiter().GetResult();
            }
        }

        Console.WriteLine();
        Console.WriteLine("| c | step | in process wall (s) | in process CPU (s) | served wall (s) | served CPU (s) |");
        Console.WriteLine("|---|---|---|---|---|---|");
        stepLines.ForEach(Console.WriteLine);
        Console.WriteLine();
        Console.WriteLine("| c | HTTP requests (timed served run) | servers' model time scoring (s) | servers' model time generating (s) |");
        Console.WriteLine("|---|---|---|---|");
        kindLines.ForEach(Console.WriteLine);
        Console.WriteLine();
        Console.WriteLine($"loading base + tuned (the adapter merged): {string.Join(", ", loads)} — inside every in-process run; the servers load once, before their runs.");
        Console.WriteLine("requests: the prompts the two servers answered in the timed served run (probe, scoring, generation, L_f; several to an HTTP request at batch size > 1); the in-process gate makes the same model-interface requests, so its requests/s uses that count.");
    }

    /// <summary>One untimed run, then one timed run (after <paramref name="beforeTimed"/>), each with the config's own fresh cache folder.</summary>
    static Measured WarmThenTime(Func<GateConfig> config, bool log, Action? beforeTimed = null)
    {
        new GateRunner(config()).Run();
        var timedConfig = config();
        beforeTimed?.Invoke();
        string loadBefore = LoadAverage();
        var process = Process.GetCurrentProcess();
        var cpu = process.TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        var steps = new List<(string, double, double)>();
        Action<string>? lines = log ? line => Console.Error.WriteLine(FormattableString.Invariant($"{clock.Elapsed.TotalSeconds:F2} s  {line}")) : null;
        var report = new GateRunner(timedConfig, lines)
        {
            // each step of the gate (a suite on a model, L_f) timed by wall clock and process CPU
            Progress = (label, _, work) =>
            {
                var stepCpu = Process.GetCurrentProcess().TotalProcessorTime;
                var stepClock = Stopwatch.StartNew();
                var result = work(new Progress<int>());
                steps.Add((label, stepClock.Elapsed.TotalSeconds, (Process.GetCurrentProcess().TotalProcessorTime - stepCpu).TotalSeconds));
                return result;
            },
        }.Run();
        double wall = clock.Elapsed.TotalSeconds;
        process.Refresh();
        return new Measured(wall, (process.TotalProcessorTime - cpu).TotalSeconds, $"{loadBefore} → {LoadAverage()}", report.Outcome, steps);
    }

    /// <summary>The 1-minute load average (/proc/loadavg), or "?" where there is none.</summary>
    static string LoadAverage()
    {
        try
        {
            return File.ReadAllText("/proc/loadavg").Split(' ')[0];
        }
        catch (IOException)
        {
            return "?";
        }
    }

    /// <summary>Sums of <see cref="RemoteMetrics"/>' histograms, by phase, from a <see cref="MeterListener"/>.</summary>
    sealed class ClientPhases : IDisposable
    {
        static readonly string[] Phases = ["encode", "serialize", "cache", "parse"];
        readonly MeterListener _listener = new();
        readonly Dictionary<string, double> _seconds = [];
        double _http;

        /// <summary>HTTP exchanges since the last reset (one per request, however many prompts it carried).</summary>
        public int Exchanges { get; private set; }

        public ClientPhases()
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == RemoteMetrics.MeterName)
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) =>
            {
                lock (_seconds)
                {
                    if (instrument == RemoteMetrics.HttpSeconds)
                    {
                        _http += value;
                        Exchanges++;
                        return;
                    }

                    foreach (var tag in tags)
                    {
                        if (tag.Key == "phase" && tag.Value is string phase)
                        {
                            _seconds[phase] = _seconds.GetValueOrDefault(phase) + value;
                        }
                    }
                }
            });
            _listener.Start();
        }

        public void Reset()
        {
            lock (_seconds)
            {
                _seconds.Clear();
                _http = 0;
                Exchanges = 0;
            }
        }

        /// <summary>Client milliseconds per request outside HTTP (total, and "encode a, serialize b, …"), and HTTP milliseconds per request.</summary>
        public (double Client, string ByPhase, double Http) PerRequest(int requests)
        {
            lock (_seconds)
            {
                double Ms(string phase) => _seconds.GetValueOrDefault(phase) * 1000 / Math.Max(1, requests);
                var byPhase = string.Join(", ", Phases.Select(p => string.Create(CultureInfo.InvariantCulture, $"{Ms(p):F3}")));
                return (Phases.Sum(Ms), byPhase, _http * 1000 / Math.Max(1, requests));
            }
        }

        public void Dispose() => _listener.Dispose();
    }
}
