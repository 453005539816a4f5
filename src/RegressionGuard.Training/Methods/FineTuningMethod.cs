namespace RegressionGuard.Training.Methods;

/// <summary>How a fine-tune chooses and updates parameters.</summary>
public enum FineTuningMethod
{
    /// <summary>Low-rank adapters on target modules; the base stays frozen.</summary>
    Lora,

    /// <summary>Every (non-embedding, unless asked) weight is trained.</summary>
    Full,

    /// <summary>Half Fine-Tuning: half of each layer's parameter categories trained, the rest frozen (Hui et al. 2024).</summary>
    Hft,

    /// <summary>I-LoRA: fast and slow LoRA learners with EMA interpolation and replay (Ren et al. 2024).</summary>
    ILora,
}
