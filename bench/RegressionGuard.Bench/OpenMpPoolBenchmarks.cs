using System.Diagnostics;
using System.Globalization;
using RegressionGuard.Modeling;
using RegressionGuard.Server;
using RegressionGuard.Suites.Evaluation;
using RegressionGuard.Suites.Items;
using RegressionGuard.Suites.Loading;
using RegressionGuard.Torch.Runtime;

namespace RegressionGuard.Bench;

/// <summary>
/// Why `serve` loads its model on a thread that ends (TorchThreads): the organism base generating the 270 prompts of
/// its reasoning and refusal suites (batch size 4), timed on the calling thread and through a <see cref="ModelWorker"/>,
/// with and without another live thread that has run libtorch. Each row runs in a process of its own (this benchmark
/// re-runs itself with one row as its argument), so every row starts with no OpenMP pool but the ones it makes.
/// docs/benchmarks.md, "Gate through loopback serve".
/// </summary>
public static class OpenMpPoolBenchmarks
{
    static readonly string[] Rows = ["caller", "worker-after-caller", "caller-while-worker-lives", "worker-loaded-on-ended-thread"];

    public static void Run(string repo, string? row)
    {
        if (row is null)
        {
            Console.WriteLine("| row | wall (s), median of 3 | CPU (s) |");
            Console.WriteLine("|---|---|---|");
            foreach (var r in Rows)
            {
                var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, UseShellExecute = false };
                foreach (var a in new[] { typeof(OpenMpPoolBenchmarks).Assembly.Location, "openmp-pools", "--repo", repo, "--row", r })
                {
                    start.ArgumentList.Add(a);
                }

                using var child = Process.Start(start)!;
                // the child's own table row (it prints the benchmark header too)
                Console.WriteLine(child.StandardOutput.ReadToEnd().Split('\n').FirstOrDefault(l => l.StartsWith($"| {r} |", StringComparison.Ordinal)) ?? $"| {r} | failed | |");
                child.WaitForExit();
            }

            return;
        }

        string O(string relative) => Path.Combine(repo, "suites", "organism", relative);
        var requests = new[] { "reasoning.yaml", "refusal.yaml" }.SelectMany(n =>
        {
            var suite = SuiteLoader.Load(O(n));
            return SuiteEvaluator.GenerationRequests(suite, SuiteItemBuilder.Build(suite));
        }).ToArray();
        TorchLanguageModel Load() => new(ModelLoader.Load(O("models/base"), null, new ComputeOptions { BatchSize = 4 }));
        void OnWorker(ModelWorker worker) => Task.WhenAll(requests.Select(worker.Generate)).GetAwaiter().GetResult();
        Action timed;
        IDisposable? keep = null;
        switch (row)
        {
            case "caller":
                var model = Load();
                timed = () => model.Generate(requests);
                break;
            case "worker-after-caller":
                var used = Load();
                used.Generate(requests.Take(8).ToArray()); // the calling thread has run libtorch and stays alive
                var worker = new ModelWorker(used);
                keep = worker;
                timed = () => OnWorker(worker);
                break;
            case "caller-while-worker-lives":
                var shared = Load();
                var living = new ModelWorker(shared);
                keep = living;
                OnWorker(living);
                timed = () => shared.Generate(requests);
                break;
            case "worker-loaded-on-ended-thread":
                var alone = new ModelWorker(TorchThreads.OnOwnThread(Load));
                keep = alone;
                timed = () => OnWorker(alone);
                break;
            default:
                throw new ArgumentException($"--row must be one of {string.Join(", ", Rows)}, got '{row}'");
        }

        timed(); // warm-up
        var runs = new List<(double Wall, double Cpu)>();
        for (int i = 0; i < 3; i++)
        {
            var process = Process.GetCurrentProcess();
            var cpu = process.TotalProcessorTime;
            var clock = Stopwatch.StartNew();
            timed();
            process.Refresh();
            runs.Add((clock.Elapsed.TotalSeconds, (process.TotalProcessorTime - cpu).TotalSeconds));
        }

        var median = runs.OrderBy(r => r.Wall).ElementAt(1);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {row} | {median.Wall:F2} | {median.Cpu:F2} |"));
        keep?.Dispose();
    }
}
