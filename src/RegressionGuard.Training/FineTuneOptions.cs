using RegressionGuard.Training.Methods;

namespace RegressionGuard.Training;

/// <summary>Every setting of a fine-tuning run, validated up front (all problems reported together).</summary>
public sealed record FineTuneOptions
{
    public static readonly string[] Schedules = { "constant", "cosine", "linear" };
    /// <summary>Every adaptable layer of a Llama-family model (the family's own list).</summary>
    public static readonly string[] LlamaTargets = [.. Torch.Models.Llama.LlamaFamily.Instance.LoraTargets];

    public FineTuningMethod Method { get; init; } = FineTuningMethod.Lora;
    public int Steps { get; init; } = 100;
    public int BatchSize { get; init; } = 8;
    public int SeqLen { get; init; } = 128;
    public int GradientAccumulation { get; init; } = 1;
    public double LearningRate { get; init; } = 1e-3;
    public int WarmupSteps { get; init; }
    public string Schedule { get; init; } = "constant";
    public double WeightDecay { get; init; }
    public double Beta1 { get; init; } = 0.9;
    public double Beta2 { get; init; } = 0.999;
    public double GradClip { get; init; } = 1.0;
    public int Seed { get; init; } = 1234;
    public string DType { get; init; } = "float32";
    public int SaveEvery { get; init; }

    /// <summary>Extra steps at which to save a checkpoint (sweeps save at their N grid).</summary>
    public IReadOnlyList<int> SaveSteps { get; init; } = Array.Empty<int>();
    public int EvalEvery { get; init; } = 50;
    public int EvalBatches { get; init; } = 8;
    public double EvalFraction { get; init; } = 0.05;
    public string? EvalData { get; init; }

    // LoRA / I-LoRA
    public int LoraRank { get; init; } = 8;
    public double LoraAlpha { get; init; } = 16;
    public double LoraDropout { get; init; }
    public IReadOnlyList<string> LoraTargets { get; init; } = new[] { "q_proj", "v_proj" };

    // full / HFT
    public bool TrainEmbeddings { get; init; }

    // I-LoRA
    public string? ReplayData { get; init; }
    /// <summary>EMA coefficient: θ_slow ← λ·θ_slow + (1 − λ)·θ_fast after every step. Default 0.99 (see docs/science.md).</summary>
    public double EmaLambda { get; init; } = 0.99;
    /// <summary>Weight γ of the consistency loss between fast and slow hidden states on replayed data.</summary>
    public double ConsistencyWeight { get; init; } = 1.0;
    public int ReplayBufferSize { get; init; } = 500;
    /// <summary>"all" (every layer's output, as the public code) or "last" (the final layer only).</summary>
    public string ConsistencyLayers { get; init; } = "all";

    public IReadOnlyList<string> Validate()
    {
        var e = new List<string>();
        if (Steps < 1)
        {
            e.Add($"--steps must be at least 1, got {Steps}");
        }

        if (BatchSize < 1)
        {
            e.Add($"--batch-size must be at least 1, got {BatchSize}");
        }

        if (SeqLen < 2)
        {
            e.Add($"--seq-len must be at least 2, got {SeqLen}");
        }

        if (GradientAccumulation < 1)
        {
            e.Add($"--grad-accum must be at least 1, got {GradientAccumulation}");
        }

        if (!(LearningRate > 0))
        {
            e.Add($"--lr must be positive, got {LearningRate}");
        }

        if (WarmupSteps < 0 || WarmupSteps > Steps)
        {
            e.Add($"--warmup must be between 0 and --steps ({Steps}), got {WarmupSteps}");
        }

        if (!Schedules.Contains(Schedule))
        {
            e.Add($"--schedule '{Schedule}' is not one of {string.Join(", ", Schedules)}");
        }

        if (GradClip < 0)
        {
            e.Add($"--grad-clip must be 0 (off) or positive, got {GradClip}");
        }

        if (DType is not ("float32" or "bfloat16"))
        {
            e.Add($"--dtype '{DType}' is not one of float32, bfloat16");
        }

        if (SaveEvery < 0)
        {
            e.Add($"--save-every must be 0 (only at the end) or positive, got {SaveEvery}");
        }

        if (EvalFraction is < 0 or >= 1)
        {
            e.Add($"--eval-fraction must be in [0, 1), got {EvalFraction}");
        }

        if (Method is FineTuningMethod.Lora or FineTuningMethod.ILora)
        {
            if (LoraRank < 1)
            {
                e.Add($"--lora-r must be at least 1, got {LoraRank}");
            }

            if (LoraTargets.Count == 0)
            {
                e.Add("--lora-targets must name at least one module");
            }

            if (LoraDropout is < 0 or >= 1)
            {
                e.Add($"--lora-dropout must be in [0, 1), got {LoraDropout}");
            }
        }
        if (Method == FineTuningMethod.ILora)
        {
            if (ReplayData is null)
            {
                e.Add("--method ilora needs --replay-data (text from the base model's own domain to replay)");
            }

            if (EmaLambda is < 0 or > 1)
            {
                e.Add($"--ema-lambda must be in [0, 1], got {EmaLambda}");
            }

            if (ReplayBufferSize < 1)
            {
                e.Add($"--replay-buffer must be at least 1, got {ReplayBufferSize}");
            }

            if (ConsistencyLayers is not ("all" or "last"))
            {
                e.Add($"--consistency-layers '{ConsistencyLayers}' is not one of all, last");
            }
        }
        return e;
    }
}
