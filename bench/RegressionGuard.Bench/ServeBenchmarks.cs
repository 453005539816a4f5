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
/// behind two `regressionguard serve` child processes over loopback, as in production, at 1, 4 and 8 requests at a
/// time. The same work on both sides: in process the models batch <c>c</c> sequences (compute.batch_size = c);
/// served, the client keeps c requests of <c>batch_size</c> prompts in flight per model and each server's model
/// (`serve --batch-size c`) batches c sequences of what is waiting. After one untimed run of each path, timed runs
/// alternate in process / served (<c>repeats</c> each, every run with a fresh cache folder: every result computed and
/// stored, none read); the tables give the median by wall time and list every run's. Reported: wall and CPU seconds
/// (served: this process's client + the two servers'), requests/s, the client's time per prompt outside the HTTP
/// exchange (<see cref="RemoteMetrics"/>), the servers' model time (their /health extension), and the 1-minute load
/// average before and after. docs/benchmarks.md, "Gate through loopback serve".
/// </summary>
public static class ServeBenchmarks
{
    sealed record Measured(double Wall, double Cpu, string Load, GateOutcome Outcome, IReadOnlyList<(string Step, double Wall, double Cpu)> Steps);

    /// <param name="log">print each timed run's gate log lines to stderr, prefixed with the seconds since the run began</param>
    /// <param name="batchSize">prompts per completions request (the served models' batch_size)</param>
    /// <param name="repeats">timed runs of each path, alternating; the tables give the median by wall time</param>
    /// <param name="modelBatchSize">sequences per forward pass, in process and in each server (null: the concurrency)</param>
    /// <param name="serverThreads">intra-op threads of each server (null: libtorch's default, as `regressionguard serve`
    /// runs; the gate asks base and tuned in turn, so one server works at a time, as one model does in process)</param>
    public static void Run(string repo, IReadOnlyList<int> concurrencies, bool log = false, int batchSize = RemoteModelSpec.DefaultBatchSize, int repeats = 3,
        int? modelBatchSize = null, int? serverThreads = null)
    {

        string O(string relative) => Path.Combine(repo, "suites", "organism", relative);
        var shipped = GateConfig.Load(O("gate-mild.yaml")) with { Diagnostics = null };
        var temp = Directory.CreateTempSubdirectory("rg-serve-bench").FullName;
        var cli = Path.Combine(repo, "src", "RegressionGuard.Cli", "bin", "Release", "net10.0", "linux-x64", "regressionguard.dll");
        if (!File.Exists(cli))
        {
            throw new FileNotFoundException($"the serve benchmark runs `regressionguard serve` from {cli}; build it first: dotnet build src/RegressionGuard.Cli -c Release");
        }
        using var phases = new ClientPhases();
        var loads = new List<string>();
        var stepLines = new List<string>();
        var kindLines = new List<string>();
        var wallLines = new List<string>();
        Console.WriteLine($"organism gate {O("gate-mild.yaml")} (no weight diagnostics); served: {batchSize} prompts per request, {(serverThreads is int st ? st.ToString(CultureInfo.InvariantCulture) : "libtorch's default")} threads per server; model batch size {(modelBatchSize is int mbs ? mbs.ToString(CultureInfo.InvariantCulture) : "= concurrency")}; caches in {temp}; load average {LoadAverage()}");
        Console.WriteLine();
        Console.WriteLine("| path | c | wall (s) | CPU (s) (served: client + servers) | requests | requests/s | served/in-process throughput | client outside HTTP (ms/prompt: encode, serialize, cache, parse) | HTTP exchange (ms/prompt) | servers' model time (s) | load 1 min (before → after) | gate |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|---|---|---|---|");
        int run = 0;
        foreach (int c in concurrencies)
        {
            int modelBatch = modelBatchSize ?? c;
            var local = shipped with { BatchSize = modelBatch };
            var loading = Stopwatch.StartNew();
            using var baseServer = ServerProcess.Start(cli, shipped.Base, "base", modelBatch, shipped.DType, serverThreads);
            using var tunedServer = ServerProcess.Start(cli, shipped.Tuned, "mild", modelBatch, shipped.DType, serverThreads);
            loads.Add(FormattableString.Invariant($"{loading.Elapsed.TotalSeconds:F2} s"));
            RemoteModelSpec Spec(ServerProcess server, string name) => new(new Uri(server.Endpoint), name, shipped.BaseRemote?.Tokenizer ?? shipped.Base, c) { BatchSize = batchSize };
            var served = ServedGate.Config(shipped, Spec(baseServer, "base"), Spec(tunedServer, "mild"));
            ServerProcess.Stats Both() => baseServer.Read() + tunedServer.Read();

            // one untimed run each, then timed runs alternating in process / served; the median of each by wall time
            new GateRunner(local with { Cache = Path.Combine(temp, $"run-{++run}") }).Run();
            new GateRunner(served with { Cache = Path.Combine(temp, $"run-{++run}") }).Run();
            var inProcessRuns = new List<Measured>();
            var servedRuns = new List<(Measured Run, ServerProcess.Stats Work, (double Client, string ByPhase, double Http) PerPrompt, int Exchanges)>();
            for (int r = 0; r < repeats; r++)
            {
                inProcessRuns.Add(Time(local with { Cache = Path.Combine(temp, $"run-{++run}") }, log));
                ServerProcess.Stats before = default, baseBefore = default;
                var timed = Time(served with { Cache = Path.Combine(temp, $"run-{++run}") }, log, () =>
                {
                    phases.Reset();
                    before = Both();
                    baseBefore = baseServer.Read();
                });
                var done = Both() - before;
                if (log)
                {
                    var b = baseServer.Read() - baseBefore;
                    var tw = done - b;
                    Console.Error.WriteLine(FormattableString.Invariant($"servers' model time: base {b.Busy:F2} s (scoring {b.Scoring:F2}, generating {b.Generation:F2}), tuned {tw.Busy:F2} s (scoring {tw.Scoring:F2}, generating {tw.Generation:F2})"));
                }
                servedRuns.Add((timed, done, phases.PerRequest(done.Prompts), phases.Exchanges));
            }

            var inProcess = inProcessRuns.OrderBy(m => m.Wall).ElementAt(repeats / 2);
            var (servedRun, work, perPrompt, exchanges) = servedRuns.OrderBy(m => m.Run.Wall).ElementAt(repeats / 2);
            int requests = work.Prompts;
            string Walls(IEnumerable<double> walls) => string.Join(", ", walls.Select(w => w.ToString("F1", CultureInfo.InvariantCulture)));
            wallLines.Add($"| {c} | {Walls(inProcessRuns.Select(m => m.Wall))} | {Walls(servedRuns.Select(m => m.Run.Wall))} |");
            kindLines.Add(FormattableString.Invariant($"| {c} | {exchanges} | {work.Scoring:F2} | {work.Generation:F2} |"));
            Console.WriteLine(FormattableString.Invariant(
                $"| in process | {c} | {inProcess.Wall:F1} | {inProcess.Cpu:F1} | ({requests}) | {requests / inProcess.Wall:F1} | 1.00× | — | — | — | {inProcess.Load} | {inProcess.Outcome} |"));
            Console.WriteLine(FormattableString.Invariant(
                $"| loopback serve | {c} | {servedRun.Wall:F1} | {servedRun.Cpu:F1} + {work.Cpu:F1} | {requests} | {requests / servedRun.Wall:F1} | {inProcess.Wall / servedRun.Wall:F2}× | {perPrompt.Client:F3} ({perPrompt.ByPhase}) | {perPrompt.Http:F2} | {work.Busy:F1} | {servedRun.Load} | {servedRun.Outcome} |"));
            var timedServed = servedRun;
            foreach (var (step, i) in inProcess.Steps.Select((x, i) => (x, i)))
            {
                var other = i < timedServed.Steps.Count ? timedServed.Steps[i] : default;
                stepLines.Add(FormattableString.Invariant($"| {c} | {step.Step} | {step.Wall:F1} | {step.Cpu:F1} | {other.Wall:F1} | {other.Cpu:F1} |"));
            }
        }

        Console.WriteLine();
        Console.WriteLine("| c | step | in process wall (s) | in process CPU (s) | served wall (s) | served CPU (s) |");
        Console.WriteLine("|---|---|---|---|---|---|");
        stepLines.ForEach(Console.WriteLine);
        Console.WriteLine();
        Console.WriteLine("| c | in process, every timed run: wall (s) | served, every timed run: wall (s) |");
        Console.WriteLine("|---|---|---|");
        wallLines.ForEach(Console.WriteLine);
        Console.WriteLine();
        Console.WriteLine("| c | HTTP requests (timed served run) | servers' model time scoring (s) | servers' model time generating (s) |");
        Console.WriteLine("|---|---|---|---|");
        kindLines.ForEach(Console.WriteLine);
        Console.WriteLine();
        Console.WriteLine($"starting the two `serve` processes (each loads its model, the adapter merged): {string.Join(", ", loads)} — the in-process runs load base + tuned inside every run (≤ 0.1 s for the organism).");
        Console.WriteLine("requests: the prompts the two servers answered in the timed served run (probe, scoring, generation, L_f; several to an HTTP request at batch size > 1); the in-process gate makes the same model-interface requests, so its requests/s uses that count.");
    }

    /// <summary>One timed run of <paramref name="config"/> (after <paramref name="beforeTimed"/>), each step timed by wall clock and process CPU.</summary>
    static Measured Time(GateConfig config, bool log, Action? beforeTimed = null)
    {
        beforeTimed?.Invoke();
        string loadBefore = LoadAverage();
        var process = Process.GetCurrentProcess();
        var cpu = process.TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        var steps = new List<(string, double, double)>();
        Action<string>? lines = log ? line => Console.Error.WriteLine(FormattableString.Invariant($"{clock.Elapsed.TotalSeconds:F2} s  {line}")) : null;
        var report = new GateRunner(config, lines)
        {
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

/// <summary>
/// `regressionguard serve` as a child process on a free port, as it runs in production: a process of its own, whose
/// model thread is its only OpenMP pool (TorchThreads). Its model time comes from its /health extension.
/// </summary>
sealed class ServerProcess : IDisposable
{
    readonly Process _process;

    ServerProcess(Process process, string endpoint)
    {
        _process = process;
        Endpoint = endpoint;
    }

    /// <summary>The API root, http://127.0.0.1:PORT/v1.</summary>
    public string Endpoint { get; }

    public readonly record struct Stats(int Prompts, double Busy, double Scoring, double Generation, double Cpu)
    {
        public static Stats operator +(Stats a, Stats b) => new(a.Prompts + b.Prompts, a.Busy + b.Busy, a.Scoring + b.Scoring, a.Generation + b.Generation, a.Cpu + b.Cpu);
        public static Stats operator -(Stats a, Stats b) => new(a.Prompts - b.Prompts, a.Busy - b.Busy, a.Scoring - b.Scoring, a.Generation - b.Generation, a.Cpu - b.Cpu);
    }

    public static ServerProcess Start(string cli, string model, string name, int batchSize, string dtype, int? threads)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { cli, "serve", "--model", model, "--served-model-name", name, "--port", "0", "--batch-size", batchSize.ToString(CultureInfo.InvariantCulture), "--dtype", dtype })
        {
            start.ArgumentList.Add(argument);
        }

        if (threads is int t)
        {
            start.ArgumentList.Add("--threads");
            start.ArgumentList.Add(t.ToString(CultureInfo.InvariantCulture));
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start `regressionguard serve`");
        process.ErrorDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        while (process.StandardOutput.ReadLine() is { } line)
        {
            // "serving 'name' at http://127.0.0.1:PORT/v1 (Ctrl+C stops)"
            int at = line.IndexOf(" at http", StringComparison.Ordinal);
            if (line.StartsWith("serving '", StringComparison.Ordinal) && at > 0)
            {
                var endpoint = line[(at + 4)..].Split(' ')[0];
                return new ServerProcess(process, endpoint);
            }
        }

        throw new InvalidOperationException($"`regressionguard serve --model {model}` ended before it served (exit {process.ExitCode})");
    }

    public Stats Read()
    {
        using var http = new HttpClient();
        var root = System.Text.Json.JsonDocument.Parse(http.GetStringAsync(Endpoint[..^3] + "/health").GetAwaiter().GetResult()).RootElement.GetProperty("worker");
        _process.Refresh();
        return new Stats(root.GetProperty("prompts").GetInt32(), root.GetProperty("busy_seconds").GetDouble(), root.GetProperty("scoring_seconds").GetDouble(),
            root.GetProperty("generation_seconds").GetDouble(), _process.TotalProcessorTime.TotalSeconds);
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }

        _process.Dispose();
    }
}
