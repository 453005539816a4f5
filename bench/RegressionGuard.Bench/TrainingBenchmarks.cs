using RegressionGuard.Training;
using RegressionGuard.Training.Methods;

namespace RegressionGuard.Bench;

/// <summary>Training throughput per method: seconds per optimizer step (steps 3..N, after warm-up) and tokens/s.</summary>
public static class TrainingBenchmarks
{
    public static void Run(string stories, string shared, int steps)
    {
        Console.WriteLine($"\n## Fine-tuning throughput (Shakespeare, batch 8 × 128 tokens, {steps} steps, mean of steps 3..{steps})\n");
        Console.WriteLine("| model | dtype | method | trainable P | s/step | tokens/s |");
        Console.WriteLine("|---|---|---|---|---|---|");
        var data = Path.Combine(shared, "datasets/tinyshakespeare/input.txt");
        var replay = Path.Combine(shared, "datasets/tinystories/TinyStories-valid.stories.jsonl");
        foreach (var (name, path) in new[] { ("stories260K", stories), ("llama-20M (random)", ModelBenchmarks.RandomLlama20M(Path.Combine(Path.GetDirectoryName(stories)!, "tok512.model"))) })
        {
            foreach (var dtype in new[] { "float32", "bfloat16" })
            {
                var perMethod = new Dictionary<FineTuningMethod, double>();
                foreach (var method in new[] { FineTuningMethod.Lora, FineTuningMethod.Full, FineTuningMethod.Hft, FineTuningMethod.ILora })
                {
                    var options = new FineTuneOptions
                    {
                        Method = method,
                        Steps = steps,
                        BatchSize = 8,
                        SeqLen = 128,
                        DType = dtype,
                        EvalEvery = 0,
                        EvalBatches = 1,
                        LoraRank = 8,
                        LoraAlpha = 16,
                        ReplayData = method == FineTuningMethod.ILora ? replay : null,
                        LearningRate = 1e-4,
                    };
                    var walls = new List<double>();
                    var outDir = Path.Combine(Path.GetTempPath(), $"rg-bench-train-{Guid.NewGuid():N}");
                    var checkpoints = new FineTuner(options, e => walls.Add(e.WallSeconds)).Run(path, data, outDir);
                    Directory.Delete(outDir, recursive: true);
                    double perStep = (walls[^2] - walls[1]) / (walls.Count - 3);
                    perMethod[method] = perStep;
                    Console.WriteLine($"| {name} | {dtype} | {method.ToString().ToLowerInvariant()} | {checkpoints[^1].P:N0} | {perStep:F3} | {8 * 128 / perStep:F0} |");
                }
                Console.WriteLine($"| {name} | {dtype} | **hft ÷ full** | | **{perMethod[FineTuningMethod.Hft] / perMethod[FineTuningMethod.Full]:F2}** | |");
            }
        }
    }
}
