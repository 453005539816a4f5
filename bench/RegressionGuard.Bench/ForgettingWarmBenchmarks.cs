using System.Diagnostics;
using RegressionGuard.Caching;
using RegressionGuard.Corpora;
using RegressionGuard.Forgetting;
using RegressionGuard.Modeling;
using RegressionGuard.Torch.Forgetting;
using RegressionGuard.Torch.Runtime;
using static TorchSharp.torch;

namespace RegressionGuard.Bench;

/// <summary>
/// Issue 18 item 2: warm-cache L_f against one tuned forward over the same windows, side by side in one process
/// (alternating, median of the repeats), with process CPU seconds next to wall time. The tuned model is the base with
/// every weight moved by 0.02·N(0, 1) (seed 1234); corpus: TinyStories validation stories, <c>--truncate</c>.
/// </summary>
public static class ForgettingWarmBenchmarks
{
    public static void Run(string stories, string shared, int documents, int documents20M, int repeats, string dtype)
    {
        Console.WriteLine($"\n## Warm-cache L_f vs one tuned forward ({dtype}, batch 16, median of {repeats} alternating repeats)\n");
        Console.WriteLine("| model | base form | documents | positions | cache MB | one tuned forward: wall s (CPU s) | warm L_f: wall s (CPU s) | of which cache read: wall s (CPU s) | warm ÷ forward (wall) | warm ÷ forward (CPU) |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|---|---|");
        var all = CorpusReader.Read(Path.Combine(shared, "datasets/tinystories/TinyStories-valid.stories.jsonl")).Select(d => d.Text).ToArray();
        var options = new RollingOptions(Truncate: true);
        foreach (var (name, path, count) in new[] { ("stories260K", stories, documents), ("llama-20M (random)", documents20M > 0 ? ModelBenchmarks.RandomLlama20M(Path.Combine(Path.GetDirectoryName(stories)!, "tok512.model")) : "", documents20M) }.Where(m => m.Item3 > 0))
        {
            var docs = all.Take(count).ToArray();
            var compute = new ComputeOptions { DType = dtype, BatchSize = 16 };
            using var baseModel = new TorchLanguageModel(ModelLoader.Load(path, null, compute));
            using var tuned = ModelBenchmarks.Perturbed(path, compute);

            var cacheDir = Path.Combine(Path.GetTempPath(), $"rg-bench-lf-warm-{Guid.NewGuid():N}");
            try
            {
                var cache = new ContentCache(cacheDir);
                var (windows, _) = ForgettingMeter.Plan(tuned, docs, options);
                var reference = BaseDistributionsCache.Compute(baseModel, docs, options, null, cache, out _); // cold: fills the cache
                long bytes = new FileInfo(cache.PathFor(BaseDistributionsCache.KeyFor(baseModel, docs, options, null))).Length;
                tuned.ScoreTokens(windows.Take(4).ToArray()); // warm-up
                var forward = new List<(double Wall, double Cpu)>();
                var warm = new List<(double Wall, double Cpu, double Read, double ReadCpu)>();
                long positions = 0;
                for (int r = 0; r < repeats; r++)
                {
                    forward.Add(Timed(() => tuned.ScoreTokens(windows)));
                    (double Wall, double Cpu) read = default;
                    var (wall, cpu) = Timed(() =>
                    {
                        BaseDistributions cached = null!;
                        bool hit = false;
                        read = Timed(() => cached = BaseDistributionsCache.Compute(baseModel, docs, options, null, cache, out hit));
                        if (!hit)
                        {
                            throw new InvalidOperationException("the warm run missed the cache");
                        }

                        positions = ForgettingMeter.Compare(cached, tuned).PredictedTokens;
                    });
                    warm.Add((wall, cpu, read.Wall, read.Cpu));
                }

                var f = (Median(forward.Select(x => x.Wall)), Median(forward.Select(x => x.Cpu)));
                var w = (Median(warm.Select(x => x.Wall)), Median(warm.Select(x => x.Cpu)), Median(warm.Select(x => x.Read)), Median(warm.Select(x => x.ReadCpu)));
                Console.WriteLine($"| {name} | {(reference.Exact ? "exact" : $"top-{reference.TopK}")} | {docs.Length} | {positions:N0} | {bytes / 1e6:F1} | {f.Item1:F2} ({f.Item2:F2}) | {w.Item1:F2} ({w.Item2:F2}) | {w.Item3:F3} ({w.Item4:F3}) | {w.Item1 / f.Item1:F3} | {w.Item2 / f.Item2:F3} |");
            }
            finally
            {
                Directory.Delete(cacheDir, recursive: true);
            }
        }
    }

    static (double Wall, double Cpu) Timed(Action work)
    {
        var process = Process.GetCurrentProcess();
        var cpu = process.TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        work();
        process.Refresh();
        return (clock.Elapsed.TotalSeconds, (process.TotalProcessorTime - cpu).TotalSeconds);
    }

    static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
