using System.Diagnostics;
using System.Text.Json;
using RegressionGuard.Modeling;
using RegressionGuard.Torch.Checkpoints;
using RegressionGuard.Torch.Models;
using RegressionGuard.Torch.Runtime;
using static TorchSharp.torch;

namespace RegressionGuard.Bench;

/// <summary>
/// Checkpoints at real size (issue 14 item 4): random-weight folders with the exact published shapes and key names of
/// Qwen3-0.6B, Llama-3.2-1B and Gemma-3-1B (written here, never committed), their load time and peak memory, the time
/// to the first scored token, and bf16 scoring throughput at a fixed batch (the PyTorch peer reads the same folder
/// and the same ids: bench/peers/run-scoring.sh).
/// </summary>
public static class RealSize
{
    /// <summary>A published shape: its config.json (tests/fixtures/configs, unchanged), the tokenizer put beside it, and
    /// whether the published safetensors file also stores the tied head's copy (Qwen3-0.6B's does: 311 tensors).</summary>
    sealed record Shape(string Config, string Tokenizer, bool StoresTiedHeadCopy);

    static readonly Dictionary<string, Shape> Shapes = new(StringComparer.Ordinal)
    {
        ["qwen3-0.6b"] = new("Qwen3-0.6B.config.json", "qwen3", true),
        ["llama-3.2-1b"] = new("Llama-3.2-1B.config.json", "llama3_1", false),
        // No Gemma tokenizer in shared/: Qwen3's (151,669 ids < 262,144) stands in, so text can be scored at all.
        ["gemma-3-1b"] = new("gemma-3-1b-it.config.json", "qwen3", false),
    };

    public static IReadOnlyCollection<string> ShapeNames => Shapes.Keys;

    /// <summary>Writes config.json (published, unchanged), model.safetensors (bf16, published key names, seeded
    /// random weights from the family's own initialisation) and the tokenizer files into <paramref name="outDir"/>.</summary>
    public static void Write(string shape, string outDir, string repo, string shared)
    {
        if (!Shapes.TryGetValue(shape, out var s))
        {
            throw new ArgumentException($"unknown shape '{shape}'; valid: {string.Join(", ", Shapes.Keys)}");
        }

        var clock = Stopwatch.StartNew();
        Directory.CreateDirectory(outDir);
        var configPath = Path.Combine(repo, "tests/fixtures/configs", s.Config);
        File.Copy(configPath, Path.Combine(outDir, "config.json"), overwrite: true);
        foreach (var file in Directory.GetFiles(Path.Combine(shared, "tokenizers", s.Tokenizer)))
        {
            var target = Path.Combine(outDir, Path.GetFileName(file));
            if (!File.Exists(target))
            {
                File.Copy(file, target);
            }
        }

        using var doc = JsonDocument.Parse(File.ReadAllText(configPath));
        var architecture = doc.RootElement.GetProperty("architectures")[0].GetString()!;
        var family = ModelFamilies.ForArchitecture(architecture) ?? throw new ArgumentException($"no family for {architecture}");
        var blueprint = family.Read(doc.RootElement, configPath);
        var previous = get_default_dtype();
        set_default_dtype(ScalarType.BFloat16);
        manual_seed(1);
        try
        {
            using var _ = no_grad();
            using var model = blueprint.Create(CPU);
            var tensors = model.Module.state_dict().ToList();
            if (s.StoresTiedHeadCopy)
            {
                tensors.Add(new("lm_head.weight", tensors.Single(t => t.Key == "model.embed_tokens.weight").Value));
            }

            SafetensorsFile.Write(Path.Combine(outDir, "model.safetensors"), tensors, new Dictionary<string, string> { ["format"] = "pt" });
            long elements = tensors.Sum(t => t.Value.NumberOfElements);
            Console.WriteLine($"{shape}: {tensors.Count} tensors, {elements:N0} elements, {new FileInfo(Path.Combine(outDir, "model.safetensors")).Length / 1048576.0:F1} MiB → {outDir} ({clock.Elapsed.TotalSeconds:F0} s)");
        }
        finally
        {
            set_default_dtype(previous);
        }
    }

    /// <summary>
    /// A random LoRA adapter (PEFT layout) for <paramref name="model"/>: rank <paramref name="rank"/> on every projection
    /// the family adapts, A as PEFT initialises it, B drawn N(0, 0.01²) so ΔW ≠ 0 — the tuned side of the
    /// <c>diagnose</c> cost measurement.
    /// </summary>
    public static void WriteLora(string model, string outDir, int rank)
    {
        using var loaded = ModelLoader.Load(model, null, new ComputeOptions { DType = "float32" });
        var targets = JsonDocument.Parse(JsonSerializer.Serialize(loaded.Transformer.Family.LoraTargets)).RootElement;
        var config = new RegressionGuard.Torch.Adapters.LoraConfig { R = rank, LoraAlpha = 2 * rank, TargetModules = targets, BaseModelNameOrPath = Path.GetFullPath(model) };
        using var adapter = RegressionGuard.Torch.Adapters.LoraAdapter.Create(loaded.Transformer, config, seed: 3);
        using (no_grad())
        {
            foreach (var host in loaded.Transformer.Module.modules().OfType<RegressionGuard.Torch.Models.Shared.ILoraHost>())
            {
                host.Lora?.B.weight!.normal_(0, 0.01);
            }
        }

        adapter.Save(outDir);
        Console.WriteLine($"LoRA r={rank} on {string.Join(", ", loaded.Transformer.Family.LoraTargets)} → {outDir}");
    }

    /// <summary>
    /// The cost of <c>diagnose</c> per decoder layer at the Qwen3-0.6B shape (7 projections, LoRA r = 16 on each):
    /// CPU seconds of the full-SVD computation of the tuned weight's top-k directions against the randomized one, the
    /// base weight's full SVD (needed by both), and the largest difference in best base similarity between the two.
    /// </summary>
    public static void DiagnoseLayerCost(int topK)
    {
        var shapes = new (string Name, long Out, long In)[] { ("q_proj", 2048, 1024), ("k_proj", 1024, 1024), ("v_proj", 1024, 1024), ("o_proj", 1024, 2048), ("gate_proj", 3072, 1024), ("up_proj", 3072, 1024), ("down_proj", 1024, 3072) };
        var process = Process.GetCurrentProcess();
        double Cpu()
        {
            process.Refresh();
            return process.TotalProcessorTime.TotalSeconds;
        }

        Console.WriteLine("| projection | shape | base SVD (CPU s) | tuned top-k by full SVD (CPU s) | tuned top-k randomized (CPU s) | max diff in best similarity |");
        Console.WriteLine("|---|---|---|---|---|---|");
        double baseTotal = 0, fullTotal = 0, randomizedTotal = 0, worst = 0;
        manual_seed(5);
        using var _ = no_grad();
        foreach (var (name, rows, columns) in shapes)
        {
            using var scope = NewDisposeScope();
            var w = randn(rows, columns, ScalarType.Float64).div(Math.Sqrt(columns));
            var tuned = w + randn(rows, 16, ScalarType.Float64).mul(0.01).matmul(randn(16, columns, ScalarType.Float64).div(Math.Sqrt(columns))).mul(2);
            double t0 = Cpu();
            var (uBase, _, _) = linalg.svd(w, fullMatrices: false);
            double t1 = Cpu();
            var (uFull, _, _) = linalg.svd(tuned, fullMatrices: false);
            var exact = uFull[.., ..topK].t().matmul(uBase).abs().amax(1);
            double t2 = Cpu();
            var randomized = RegressionGuard.Torch.Diagnostics.Spectra.TopLeftSingularVectors(tuned, topK).t().matmul(uBase).abs().amax(1);
            double t3 = Cpu();
            double diff = (exact - randomized).abs().max().item<double>();
            baseTotal += t1 - t0;
            fullTotal += t2 - t1;
            randomizedTotal += t3 - t2;
            worst = Math.Max(worst, diff);
            Console.WriteLine($"| {name} | {rows} × {columns} | {t1 - t0:F2} | {t2 - t1:F2} | {t3 - t2:F2} | {diff:E1} |");
        }
        Console.WriteLine($"| one layer | | {baseTotal:F2} | {fullTotal:F2} | {randomizedTotal:F2} | {worst:E1} |");
        Console.WriteLine($"| 28 layers (× 28) | | {28 * baseTotal:F0} | {28 * fullTotal:F0} | {28 * randomizedTotal:F0} | |");
    }

    static long StatusKb(string key)
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith(key + ":", StringComparison.Ordinal))
            {
                return long.Parse(line[(key.Length + 1)..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        return -1;
    }

    /// <summary>
    /// Load (bf16 files into bf16 parameters) in this fresh process: seconds, peak RSS added over the process after
    /// libtorch is loaded, its ratio to the weight files; then the time to the first scored token (one short
    /// log-likelihood request) and the total from the start of loading.
    /// </summary>
    public static void Load(string model)
    {
        using (var warm = ones(4, 4)) { using var _ = warm.matmul(warm); } // native libraries loaded before the baseline
        GC.Collect();
        long before = StatusKb("VmRSS");
        File.WriteAllText("/proc/self/clear_refs", "5"); // reset VmHWM to the current RSS
        var clock = Stopwatch.StartNew();
        using var lm = new TorchLanguageModel(ModelLoader.Load(model, null, new ComputeOptions { DType = "bfloat16", BatchSize = 1 }));
        double load = clock.Elapsed.TotalSeconds;
        long peakLoad = StatusKb("VmHWM");
        var result = lm.LogLikelihood([new LogLikelihoodRequest("The capital of France is", " Paris, the city of light.")]);
        double first = clock.Elapsed.TotalSeconds;
        long peakFirst = StatusKb("VmHWM");
        long files = lm.Model.WeightFiles.Sum(f => new FileInfo(f).Length);
        long parameters = lm.Model.Transformer.Module.parameters().Sum(p => p.NumberOfElements * p.ElementSize);
        double added = (peakLoad - before) * 1024.0;
        Console.WriteLine("\n| model | weight files | parameters in memory | load (s) | peak RSS added by loading | ÷ files | ÷ parameters | first scored token (s) | peak RSS added incl. first token |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|---|");
        Console.WriteLine($"| {Path.GetFileName(model.TrimEnd('/'))} | {files / 1048576.0:F1} MiB | {parameters / 1048576.0:F1} MiB | {load:F2} | {added / 1048576.0:F1} MiB | {added / files:F3} | {added / parameters:F3} | {first:F2} | {(peakFirst - before) / 1024.0:F1} MiB |");
        Console.WriteLine($"(log-likelihood {result[0].LogLikelihood:F3} over {result[0].TokenCount} tokens; RSS before loading {before / 1024.0:F0} MiB)");
    }

    /// <summary>Forward FLOPs per predicted token: 2 × (projection weights + head), plus causal attention 2 · 2 · L · T̄ · H·hd with T̄ = (T + 1) / 2.</summary>
    public static double FlopsPerToken(LoadedModel m, int tokens)
    {
        var parameters = m.Transformer.Module.named_parameters().ToList();
        long d = parameters.First(p => p.name.EndsWith("embed_tokens.weight", StringComparison.Ordinal)).parameter.shape[1];
        long projections = parameters.Where(p => p.name.EndsWith("proj.weight", StringComparison.Ordinal)).Sum(p => p.parameter.NumberOfElements);
        long attentionWidth = parameters.First(p => p.name.EndsWith("layers.0.self_attn.q_proj.weight", StringComparison.Ordinal)).parameter.shape[0];
        return 2.0 * (projections + (long)m.Transformer.VocabSize * d) + 4.0 * m.Transformer.NumLayers * ((tokens + 1) / 2.0) * attentionWidth;
    }

    /// <summary>The seeded input ids of the scoring benchmark: <paramref name="batch"/> rows of <paramref name="tokens"/> + 1 ids (int32, little-endian), shared with the PyTorch peer.</summary>
    public static int[][] Ids(string path, int batch, int tokens, int vocab)
    {
        var rng = new Random(7);
        var ids = Enumerable.Range(0, batch).Select(_ => Enumerable.Range(0, tokens + 1).Select(_ => rng.Next(0, vocab)).ToArray()).ToArray();
        using var fs = File.Create(path);
        using var w = new BinaryWriter(fs);
        foreach (var row in ids)
        {
            foreach (var id in row)
            {
                w.Write(id);
            }
        }

        return ids;
    }

    /// <summary>Scoring throughput: one batch of <paramref name="batch"/> × <paramref name="tokens"/> predicted tokens, bf16, after one warm-up; against the bf16 matmul peak measured in this process.</summary>
    public static void Score(string model, int batch, int tokens, int repetitions, string idsPath)
    {
        using var lm = new TorchLanguageModel(ModelLoader.Load(model, null, new ComputeOptions { DType = "bfloat16", BatchSize = batch }));
        var ids = Ids(idsPath, batch, tokens, lm.Model.Transformer.VocabSize);
        var requests = ids.Select(q => new TorchLanguageModel.ScoreRequest(q, 1)).ToArray();
        double sum = 0;
        lm.ScoreTokens(requests); // warm-up
        var process = Process.GetCurrentProcess();
        var cpuBefore = process.TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        for (int r = 0; r < repetitions; r++)
        {
            sum = lm.ScoreTokens(requests).Sum(s => s.LogProbs.Sum(x => (double)x));
        }

        double seconds = clock.Elapsed.TotalSeconds / repetitions;
        process.Refresh();
        double cpu = (process.TotalProcessorTime - cpuBefore).TotalSeconds / repetitions;
        double predicted = batch * tokens;
        double flops = predicted * FlopsPerToken(lm.Model, tokens);
        double peak = MatmulPeakBf16();
        Console.WriteLine($"regressionguard | {Path.GetFileName(model.TrimEnd('/'))} | bf16 | {batch} x {tokens} | {seconds:F2} s wall, {cpu:F2} s CPU | {predicted / seconds:F0} tokens/s | {predicted / cpu:F0} tokens per CPU-second | sum log p = {sum:F1}");
        Console.WriteLine($"regressionguard | {flops / 1e9:F0} GFLOP per batch | {flops / seconds / 1e9:F0} GFLOP/s wall = {100 * flops / seconds / 1e9 / peak:F0}% of the bf16 matmul peak {peak:F0} GFLOP/s (wall, same process); per CPU-second × {get_num_threads()} threads: {flops / cpu * get_num_threads() / 1e9:F0} GFLOP/s");
    }

    /// <summary>4096³ bf16 matmul, best of 5 after a warm-up (GFLOP/s, wall).</summary>
    public static double MatmulPeakBf16()
    {
        using var a = randn(4096, 4096).to_type(ScalarType.BFloat16);
        using var b = randn(4096, 4096).to_type(ScalarType.BFloat16);
        using (var w = a.matmul(b)) { }
        double best = double.MaxValue;
        for (int i = 0; i < 5; i++)
        {
            var clock = Stopwatch.StartNew();
            using var c = a.matmul(b);
            best = Math.Min(best, clock.Elapsed.TotalSeconds);
        }
        return 2.0 * 4096 * 4096 * 4096 / best / 1e9;
    }
}
