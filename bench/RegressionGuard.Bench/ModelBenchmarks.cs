using System.Diagnostics;
using RegressionGuard.Caching;
using RegressionGuard.Corpora;
using RegressionGuard.Modeling;
using RegressionGuard.Suites.Evaluation;
using RegressionGuard.Suites.Items;
using RegressionGuard.Suites.Loading;
using RegressionGuard.Torch.Checkpoints;
using RegressionGuard.Torch.Forgetting;
using RegressionGuard.Torch.Models.Llama;
using RegressionGuard.Torch.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace RegressionGuard.Bench;

/// <summary>Matmul peak, scoring and generation throughput. Each measurement repeats its work for at least the given seconds after one warm-up.</summary>
public static class ModelBenchmarks
{
    static double Measure(double seconds, Action work, out int repetitions)
    {
        work(); // warm-up
        var sw = Stopwatch.StartNew();
        repetitions = 0;
        do
        {
            work();
            repetitions++;
        } while (sw.Elapsed.TotalSeconds < seconds);
        return sw.Elapsed.TotalSeconds / repetitions;
    }

    public static double[] MatmulPeak(double seconds)
    {
        Console.WriteLine("\n## Matmul peak (4096 × 4096 × 4096)\n");
        Console.WriteLine("| dtype | GFLOP/s |");
        Console.WriteLine("|---|---|");
        var peaks = new List<double>();
        foreach (var dtype in new[] { ScalarType.Float32, ScalarType.BFloat16 })
        {
            using var a = randn(4096, 4096).to_type(dtype);
            using var b = randn(4096, 4096).to_type(dtype);
            double s = Measure(seconds, () => { using var _ = a.matmul(b); }, out _);
            double gflops = 2.0 * 4096 * 4096 * 4096 / s / 1e9;
            peaks.Add(gflops);
            Console.WriteLine($"| {dtype} | {gflops:F0} |");
        }
        return peaks.ToArray();
    }

    /// <summary>A ~20M-parameter Llama-shaped model with random weights, written as an HF folder and loaded like any other.</summary>
    /// <param name="tokenizer">a SentencePiece model to put beside it (any vocabulary ≤ 8192 ids; the weights are random).</param>
    /// <summary>The model at <paramref name="path"/> with N(0, 0.02²) noise (seed 1234) added to every weight: a stand-in "tuned" model.</summary>
    internal static TorchLanguageModel Perturbed(string path, ComputeOptions compute)
    {
        var tuned = new TorchLanguageModel(ModelLoader.Load(path, null, compute));
        manual_seed(1234);
        using (no_grad())
        {
            foreach (var (_, p) in tuned.Model.Transformer.Module.named_parameters())
            {
                p.add_((randn(p.shape) * 0.02).to_type(p.dtype));
            }
        }

        return tuned;
    }

    public static string RandomLlama20M(string tokenizer)
    {
        var dir = Path.Combine(Path.GetTempPath(), "regressionguard-bench-llama20m");
        if (File.Exists(Path.Combine(dir, "model.safetensors")))
        {
            return dir;
        }

        Directory.CreateDirectory(dir);
        File.Copy(tokenizer, Path.Combine(dir, "tokenizer.model"), overwrite: true);
        var config = new LlamaConfig
        {
            ArchitectureNames = new[] { "LlamaForCausalLM" },
            ModelType = "llama",
            VocabSize = 8192,
            HiddenSize = 512,
            IntermediateSize = 1376,
            NumHiddenLayers = 6,
            NumAttentionHeads = 8,
            NumKeyValueHeads = 8,
            MaxPositionEmbeddings = 512,
            RmsNormEps = 1e-5,
            TieWordEmbeddings = true,
        };
        manual_seed(1);
        using var model = new LlamaForCausalLM(config);
        SafetensorsFile.Write(Path.Combine(dir, "model.safetensors"), model.state_dict());
        File.WriteAllText(Path.Combine(dir, "config.json"), System.Text.Json.JsonSerializer.Serialize(config, new System.Text.Json.JsonSerializerOptions { DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull }));
        return dir;
    }

    /// <summary>Forward FLOPs per scored token: 2 × matmul weights (projections and head) + attention 4·L·T̄·d, T̄ = mean attended length.</summary>
    static double FlopsPerToken(LoadedModel m, int meanAttended)
    {
        var parameters = m.Transformer.Module.named_parameters().ToList();
        long d = parameters.First(p => p.name.EndsWith("embed_tokens.weight", StringComparison.Ordinal)).parameter.shape[1];
        long projections = parameters.Where(p => p.name.EndsWith("proj.weight", StringComparison.Ordinal)).Sum(p => p.parameter.NumberOfElements);
        return 2.0 * (projections + (long)m.Transformer.VocabSize * d) + 4.0 * m.Transformer.NumLayers * meanAttended * d;
    }

    public static void Scoring(string stories, double seconds)
    {
        Console.WriteLine("\n## Scoring throughput (full-context sequences, predicted tokens/s)\n");
        Console.WriteLine("| model | dtype | batch | seq len | tokens/s | GFLOP/s |");
        Console.WriteLine("|---|---|---|---|---|---|");
        var models = new List<(string Name, string Path, string? Tokenizer)>();
        if (File.Exists(stories))
        {
            models.Add(("stories260K", stories, null));
        }

        models.Add(("llama-20M (random)", RandomLlama20M(Path.Combine(Path.GetDirectoryName(stories)!, "tok512.model")), null));
        foreach (var (name, path, tokenizer) in models)
        {
            foreach (var dtype in new[] { "float32", "bfloat16" })
            {
                foreach (var batch in new[] { 1, 8, 16, 32 })
                {
                    using var lm = new TorchLanguageModel(ModelLoader.Load(path, tokenizer, new ComputeOptions { DType = dtype, BatchSize = batch }));
                    int t = lm.Model.Transformer.ContextLength;
                    var rng = new Random(7);
                    var seqs = Enumerable.Range(0, batch).Select(_ => Enumerable.Range(0, t).Select(_ => rng.Next(3, 512)).ToArray()).ToArray();
                    var requests = seqs.Select(q => new TorchLanguageModel.ScoreRequest(q, 1)).ToArray();
                    double s = Measure(seconds, () => lm.ScoreTokens(requests), out _);
                    double tokens = batch * (t - 1);
                    double gflops = tokens * FlopsPerToken(lm.Model, t / 2) / s / 1e9;
                    Console.WriteLine($"| {name} | {dtype} | {batch} | {t} | {tokens / s:F0} | {gflops:F1} |");
                }
            }
        }
    }

    public static void Generation(string stories, double seconds)
    {
        if (!File.Exists(stories))
        {
            Console.WriteLine($"\n(generation benchmark skipped: {stories} not found)");
            return;
        }
        Console.WriteLine("\n## Batched greedy generation on stories260K (256 new tokens from BOS per prompt)\n");
        Console.WriteLine("| dtype | prompts | generated tokens/s |");
        Console.WriteLine("|---|---|---|");
        foreach (var dtype in new[] { "float32", "bfloat16" })
        {
            foreach (var prompts in new[] { 1, 8, 32, 64 })
            {
                using var lm = new TorchLanguageModel(ModelLoader.Load(stories, null, new ComputeOptions { DType = dtype, BatchSize = prompts }));
                var requests = Enumerable.Range(0, prompts).Select(_ => new GenerationRequest("", 256)).ToArray();
                int produced = 0;
                double s = Measure(seconds, () => produced = lm.Generate(requests).Sum(r => r.TokenIds.Count), out _);
                Console.WriteLine($"| {dtype} | {prompts} | {produced / s:F0} |");
            }
        }
    }

    /// <summary>MMLU multiple-choice scoring on stories260K: requests/s end to end and the share of time outside the model.</summary>
    public static void MultipleChoice(string stories, string shared, string repo, int items)
    {
        Console.WriteLine($"\n## Multiple-choice scoring: MMLU on stories260K ({items} seeded items × 4 choices)\n");
        Console.WriteLine("| dtype | batch | requests/s | items/s | build items (s) | evaluate (s) | in forward (s) | outside forward |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|");
        foreach (var (dtype, batch) in new[] { ("float32", 32), ("bfloat16", 32) })
        {
            var clock = Stopwatch.StartNew();
            var suite = SuiteLoader.Load(Path.Combine(repo, "suites/public/mmlu.yaml"), new Dictionary<string, string> { ["mmlu_dir"] = Path.Combine(shared, "datasets/mmlu") });
            suite = suite with { Data = suite.Data! with { Sample = items, Seed = 1 } };
            var built = SuiteItemBuilder.Build(suite);
            double build = clock.Elapsed.TotalSeconds;
            using var lm = new TorchLanguageModel(ModelLoader.Load(stories, null, new ComputeOptions { DType = dtype, BatchSize = batch }));
            clock.Restart();
            var result = SuiteEvaluator.Evaluate(suite, built, lm);
            double evaluate = clock.Elapsed.TotalSeconds, forward = lm.ForwardTime.TotalSeconds;
            int requests = built.Sum(i => i.Choices.Count);
            Console.WriteLine($"| {dtype} | {batch} | {requests / (build + evaluate):F0} | {built.Count / (build + evaluate):F1} | {build:F2} | {evaluate:F1} | {forward:F1} | {100 * (build + evaluate - forward) / (build + evaluate):F1}% |");
        }
    }

    /// <summary>L_f throughput cold and with a warm base cache, against one plain forward pass of the tuned model over the corpus.</summary>
    public static void Forgetting(string stories, string shared)
    {
        Console.WriteLine("\n## Forgetting metric L_f (221 TinyStories validation stories, --truncate)\n");
        Console.WriteLine("| model | dtype | positions | base form | cold: base + tuned (s) | warm: cache read + tuned (s) | one tuned forward (s) | warm ÷ forward | positions/s (warm) | cache bytes/position |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|---|---|");
        var docs = CorpusReader.Read(Path.Combine(shared, "datasets/tinystories/TinyStories-valid.stories.jsonl")).Select(d => d.Text).ToArray();
        var options = new RollingOptions(Truncate: true);
        foreach (var (name, path) in new[] { ("stories260K", stories), ("llama-20M (random)", RandomLlama20M(Path.Combine(Path.GetDirectoryName(stories)!, "tok512.model"))) })
        {
            foreach (var dtype in new[] { "float32", "bfloat16" })
            {
                var compute = new ComputeOptions { DType = dtype, BatchSize = 16 };
                using var baseModel = new TorchLanguageModel(ModelLoader.Load(path, null, compute));
                using var tuned = Perturbed(path, compute);

                var cacheDir = Path.Combine(Path.GetTempPath(), $"rg-bench-cache-{Guid.NewGuid():N}");
                var cache = new ContentCache(cacheDir);
                var (windows, _) = ForgettingMeter.Plan(tuned, docs, options);
                tuned.ScoreTokens(windows.Take(4).ToArray()); // warm-up

                var clock = Stopwatch.StartNew();
                var reference = BaseDistributionsCache.Compute(baseModel, docs, options, null, cache, out _);
                var result = ForgettingMeter.Compare(reference, tuned);
                double cold = clock.Elapsed.TotalSeconds;

                clock.Restart();
                var cached = BaseDistributionsCache.Compute(baseModel, docs, options, null, cache, out var hit);
                ForgettingMeter.Compare(cached, tuned);
                double warm = clock.Elapsed.TotalSeconds;

                clock.Restart();
                tuned.ScoreTokens(windows);
                double forward = clock.Elapsed.TotalSeconds;
                Directory.Delete(cacheDir, recursive: true);
                Console.WriteLine($"| {name} | {dtype} | {result.PredictedTokens:N0} | {(reference.Exact ? "exact" : $"top-{reference.TopK}")} | {cold:F2} | {warm:F2}{(hit ? "" : " (miss!)")} | {forward:F2} | {warm / forward:F2} | {result.PredictedTokens / warm:F0} | {reference.BytesPerPosition} |");
            }
        }
    }
}
