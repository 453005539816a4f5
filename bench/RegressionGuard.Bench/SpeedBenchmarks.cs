using System.Diagnostics;
using RegressionGuard.Modeling;
using RegressionGuard.Suites.Items;
using RegressionGuard.Suites.Loading;
using RegressionGuard.Torch.Runtime;

namespace RegressionGuard.Bench;

/// <summary>Issue 18: where a gate spends its time. Before/after pairs measured side by side in one process.</summary>
public static class SpeedBenchmarks
{
    /// <summary>
    /// MMLU multiple choice (seeded sample of the shipped suite, 4 choices) with one sequence per choice
    /// (<see cref="TorchLanguageModel.SharePrefixes"/> off, the path before issue 18) and with shared prefixes, on
    /// stories260K and the random 20M Llama; also the largest score difference between the two.
    /// </summary>
    public static void SharedPrefixMultipleChoice(string stories, string shared, string repo, int items, int items20M, string dtype)
    {
        Console.WriteLine($"\n## Shared-prefix multiple choice: MMLU ({dtype}, batch 32), one sequence per choice vs shared prefixes\n");
        Console.WriteLine("| model | items | contexts cut to the window | unshared (s) | shared (s) | unshared items/s | shared items/s | speed-up (wall) | speed-up (process CPU time) | max |Δ log-likelihood| per token |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|---|---|");
        var tok512 = Path.Combine(Path.GetDirectoryName(stories)!, "tok512.model");
        foreach (var (name, path, count) in new[] { ("stories260K", stories, items), ("llama-20M (random)", ModelBenchmarks.RandomLlama20M(tok512), items20M) })
        {
            if (count <= 0)
            {
                continue;
            }

            var suite = SuiteLoader.Load(Path.Combine(repo, "suites/public/mmlu.yaml"), new Dictionary<string, string> { ["mmlu_dir"] = Path.GetFullPath(Path.Combine(shared, "datasets/mmlu")) });
            suite = suite with { Data = suite.Data! with { Sample = count, Seed = 1 } };
            var built = SuiteItemBuilder.Build(suite);
            var requests = built.SelectMany(i => i.Choices.Select(c => new LogLikelihoodRequest(i.Context, suite.TargetDelimiter + c))).ToArray();
            using var lm = new TorchLanguageModel(ModelLoader.Load(path, null, new ComputeOptions { DType = dtype, BatchSize = 32 }));
            int window = lm.Description.ContextLength + 1;
            int cut = built.Count(i => lm.EncodePrompt(i.Context + suite.TargetDelimiter + i.Choices.OrderByDescending(c => c.Length).First()).Length > window);
            lm.LogLikelihood(requests.Take(8).ToArray()); // warm-up

            var process = Process.GetCurrentProcess();
            var cpu = process.TotalProcessorTime;
            var clock = Stopwatch.StartNew();
            lm.SharePrefixes = false;
            var before = lm.LogLikelihood(requests);
            double unshared = clock.Elapsed.TotalSeconds;
            process.Refresh();
            double unsharedCpu = (process.TotalProcessorTime - cpu).TotalSeconds;

            cpu = process.TotalProcessorTime;
            clock.Restart();
            lm.SharePrefixes = true;
            var after = lm.LogLikelihood(requests);
            double sharedSeconds = clock.Elapsed.TotalSeconds;
            process.Refresh();
            double sharedCpu = (process.TotalProcessorTime - cpu).TotalSeconds;

            double worst = before.Zip(after).Max(p => Math.Abs(p.First.LogLikelihood - p.Second.LogLikelihood) / p.First.TokenCount);
            Console.WriteLine($"| {name} | {built.Count} | {cut} ({100.0 * cut / built.Count:F0}%) | {unshared:F1} | {sharedSeconds:F1} | {built.Count / unshared:F1} | {built.Count / sharedSeconds:F1} | {unshared / sharedSeconds:F2}× | {unsharedCpu / sharedCpu:F2}× | {worst:E1} |");
        }
    }

    /// <summary>
    /// Why the shared-prefix path differs from the unshared one on the random 20M Llama (issue 18 item 1): the same MMLU
    /// requests scored unshared at batch 32, unshared at batch 1 and shared at batch 32, all fp32. The unshared path's
    /// own batch-1-vs-32 difference is its fp32 rounding floor (different padding and matmul shapes, same math); the
    /// shared path is compared with both, and the per-token log-probability's size and one fp32 ulp of it are printed
    /// next to the differences.
    /// </summary>
    public static void SharedPrefixPrecision(string shared, string repo, int items, string tokenizer)
    {
        var suite = SuiteLoader.Load(Path.Combine(repo, "suites/public/mmlu.yaml"), new Dictionary<string, string> { ["mmlu_dir"] = Path.GetFullPath(Path.Combine(shared, "datasets/mmlu")) });
        suite = suite with { Data = suite.Data! with { Sample = items, Seed = 1 } };
        var built = SuiteItemBuilder.Build(suite);
        var requests = built.SelectMany(i => i.Choices.Select(c => new LogLikelihoodRequest(i.Context, suite.TargetDelimiter + c))).ToArray();
        var path = ModelBenchmarks.RandomLlama20M(tokenizer);
        IReadOnlyList<LogLikelihoodResult> Score(int batch, bool sharePrefixes)
        {
            using var lm = new TorchLanguageModel(ModelLoader.Load(path, null, new ComputeOptions { BatchSize = batch })) { SharePrefixes = sharePrefixes };
            return lm.LogLikelihood(requests);
        }

        var unshared32 = Score(32, false);
        var unshared1 = Score(1, false);
        var shared32 = Score(32, true);
        static double Worst(IReadOnlyList<LogLikelihoodResult> a, IReadOnlyList<LogLikelihoodResult> b) =>
            a.Zip(b).Max(p => Math.Abs(p.First.LogLikelihood - p.Second.LogLikelihood) / p.First.TokenCount);
        double meanPerToken = unshared32.Average(r => Math.Abs(r.LogLikelihood) / r.TokenCount);
        double maxPerToken = unshared32.Max(r => Math.Abs(r.LogLikelihood) / r.TokenCount);
        Console.WriteLine($"\n## Shared-prefix precision on the random 20M Llama (fp32, {built.Count} MMLU items, {requests.Length} requests)\n");
        Console.WriteLine("| comparison | max |Δ log-likelihood| per token |");
        Console.WriteLine("|---|---|");
        Console.WriteLine($"| unshared batch 1 vs unshared batch 32 (rounding floor) | {Worst(unshared1, unshared32):E2} |");
        Console.WriteLine($"| shared batch 32 vs unshared batch 32 | {Worst(shared32, unshared32):E2} |");
        Console.WriteLine($"| shared batch 32 vs unshared batch 1 | {Worst(shared32, unshared1):E2} |");
        Console.WriteLine($"\n|log-probability| per token: mean {meanPerToken:F1}, max {maxPerToken:F1}; one fp32 ulp at the mean: {MathF.BitIncrement((float)meanPerToken) - (float)meanPerToken:E2}");
    }

    /// <summary>
    /// Greedy decoding from BOS on stories260K with one intra-op thread, one stream and batches of prompts (1, 32, 64 by default),
    /// against llama2.c run.c's tok/s (<paramref name="peer"/>, measured by bench/peers/run.sh just before).
    /// </summary>
    public static void Decode(string stories, int steps, int repeats, double? peer, int[] promptCounts)
    {
        TorchSharp.torch.set_num_threads(1);
        Console.WriteLine($"\n## Greedy decoding on stories260K from BOS, {steps} new tokens, one thread (mean of {repeats} runs after a warm-up)\n");
        Console.WriteLine("| prompts | generated tokens/s | ÷ llama2.c run.c | process CPU s per 1k tokens | wall s per 1k tokens |");
        Console.WriteLine("|---|---|---|---|---|");
        foreach (var prompts in promptCounts)
        {
            using var lm = new TorchLanguageModel(ModelLoader.Load(stories, null, new ComputeOptions { BatchSize = prompts }));
            var requests = Enumerable.Range(0, prompts).Select(_ => new GenerationRequest("", steps)).ToArray();
            lm.Generate(requests); // warm-up
            long tokens = 0;
            var process = Process.GetCurrentProcess();
            var cpu = process.TotalProcessorTime;
            var clock = Stopwatch.StartNew();
            for (int r = 0; r < repeats; r++)
            {
                tokens += lm.Generate(requests).Sum(g => g.TokenIds.Count);
            }

            double seconds = clock.Elapsed.TotalSeconds;
            process.Refresh();
            double cpuSeconds = (process.TotalProcessorTime - cpu).TotalSeconds;
            double rate = tokens / seconds;
            Console.WriteLine($"| {prompts} | {rate:F0} | {(peer is double p ? $"{rate / p:F2}×" : "—")} | {1000 * cpuSeconds / tokens:F3} | {1000 * seconds / tokens:F3} |");
        }
    }
}
