using System.Diagnostics;
using System.Globalization;
using RegressionGuard.Modeling;
using RegressionGuard.Suites.Evaluation;
using RegressionGuard.Suites.Items;
using RegressionGuard.Suites.Loading;
using RegressionGuard.Torch.Runtime;

namespace RegressionGuard.Bench;

/// <summary>
/// The generation a gate runs: the organism's reasoning and refusal prompts (270, 24–48 new tokens each, most ending at
/// EOS well before their limit) on its base model, one call at each batch size, as <c>PairedEvaluation</c> asks for them.
/// </summary>
static class SuiteGenerationBenchmarks
{
    public static void Run(string repo, int[] batchSizes, int repeats)
    {
        string O(string relative) => Path.Combine(repo, "suites", "organism", relative);
        var requests = new[] { "reasoning.yaml", "refusal.yaml" }.SelectMany(n =>
        {
            var suite = SuiteLoader.Load(O(n));
            return SuiteEvaluator.GenerationRequests(suite, SuiteItemBuilder.Build(suite));
        }).ToArray();
        Console.WriteLine($"\n## Generation of the organism's reasoning + refusal prompts ({requests.Length}) on its base model, TorchSharp threads {TorchSharp.torch.get_num_threads()} (median of {repeats} after a warm-up)\n");
        Console.WriteLine("| batch size | seconds | generated tokens | tokens/s |");
        Console.WriteLine("|---|---|---|---|");
        foreach (int batch in batchSizes)
        {
            using var lm = new TorchLanguageModel(ModelLoader.Load(O("models/base"), null, new ComputeOptions { BatchSize = batch }));
            int tokens = lm.Generate(requests).Sum(g => g.TokenIds.Count); // warm-up
            var seconds = new List<double>();
            for (int r = 0; r < repeats; r++)
            {
                var clock = Stopwatch.StartNew();
                lm.Generate(requests);
                seconds.Add(clock.Elapsed.TotalSeconds);
            }

            double median = seconds.Order().ElementAt(repeats / 2);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {batch} | {median:F3} | {tokens} | {tokens / median:F0} |"));
        }
    }
}
