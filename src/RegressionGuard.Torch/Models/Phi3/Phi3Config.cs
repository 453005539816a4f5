using System.Text.Json;
using System.Text.Json.Serialization;
using RegressionGuard.Torch.Models.Shared;

namespace RegressionGuard.Torch.Models.Phi3;

/// <summary>
/// The Phi-3 / Phi-4-mini keys of a Hugging Face config.json, one property per key, with transformers' Phi3Config
/// defaults. Keys Phi3Config carries but the model never reads (dropouts at inference, <c>full_attn_mod</c>,
/// <c>interpolate_factor</c>, <c>lm_head_bias</c>, <c>attention_bias</c>: Phi-3's projections have no biases) do not
/// change the numbers and are accepted as published.
/// </summary>
public sealed record Phi3Config
{
    [JsonPropertyName("architectures")] public string[]? ArchitectureNames { get; init; }
    [JsonPropertyName("model_type")] public string? ModelType { get; init; }
    [JsonPropertyName("vocab_size")] public int VocabSize { get; init; } = 32064;
    [JsonPropertyName("hidden_size")] public int HiddenSize { get; init; } = 3072;
    [JsonPropertyName("intermediate_size")] public int IntermediateSize { get; init; } = 8192;
    [JsonPropertyName("num_hidden_layers")] public int NumHiddenLayers { get; init; } = 32;
    [JsonPropertyName("num_attention_heads")] public int NumAttentionHeads { get; init; } = 32;
    [JsonPropertyName("num_key_value_heads")] public int? NumKeyValueHeads { get; init; }
    [JsonPropertyName("head_dim")] public int? HeadDimOverride { get; init; }
    [JsonPropertyName("max_position_embeddings")] public int MaxPositionEmbeddings { get; init; } = 4096;
    [JsonPropertyName("original_max_position_embeddings")] public int OriginalMaxPositionEmbeddings { get; init; } = 4096;
    [JsonPropertyName("rms_norm_eps")] public double RmsNormEps { get; init; } = 1e-5;
    [JsonPropertyName("rope_theta")] public double RopeTheta { get; init; } = 10000;
    [JsonPropertyName("rope_scaling")] public JsonElement? RopeScaling { get; init; }
    [JsonPropertyName("partial_rotary_factor")] public double PartialRotaryFactor { get; init; } = 1.0;
    [JsonPropertyName("tie_word_embeddings")] public bool TieWordEmbeddings { get; init; }
    [JsonPropertyName("sliding_window")] public int? SlidingWindow { get; init; }
    [JsonPropertyName("hidden_act")] public string HiddenAct { get; init; } = "silu";
    [JsonPropertyName("bos_token_id")] public JsonElement? BosTokenId { get; init; }
    [JsonPropertyName("eos_token_id")] public JsonElement? EosTokenId { get; init; }
    [JsonPropertyName("torch_dtype")] public string? TorchDtype { get; init; }

    [JsonIgnore] public int KeyValueHeads => NumKeyValueHeads ?? NumAttentionHeads;
    [JsonIgnore] public int HeadDim => HeadDimOverride ?? HiddenSize / NumAttentionHeads;

    /// <summary>Rotated dimensions per head: int(head_dim · partial_rotary_factor), the rest pass through.</summary>
    [JsonIgnore] public int RotaryDim => (int)(HeadDim * PartialRotaryFactor);

    /// <summary>The rope_scaling rule; longrope takes original_max_position_embeddings from the top level (Phi3Config keeps it there).</summary>
    public Shared.RopeScaling? RopeScalingRule(List<string>? errors = null) =>
        Shared.RopeScaling.Parse(RopeScaling, MaxPositionEmbeddings, OriginalMaxPositionEmbeddings, RotaryDim, errors ?? new List<string>());

    /// <summary>Every problem with the values, all at once (empty when valid).</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        void Positive(string key, int value) { if (value <= 0) { errors.Add($"'{key}' must be a positive integer, got {value}"); } }
        Positive("vocab_size", VocabSize);
        Positive("hidden_size", HiddenSize);
        Positive("intermediate_size", IntermediateSize);
        Positive("num_hidden_layers", NumHiddenLayers);
        Positive("num_attention_heads", NumAttentionHeads);
        Positive("max_position_embeddings", MaxPositionEmbeddings);
        Positive("original_max_position_embeddings", OriginalMaxPositionEmbeddings);
        if (NumAttentionHeads > 0 && HeadDimOverride is null && HiddenSize % NumAttentionHeads != 0)
        {
            errors.Add($"'hidden_size' ({HiddenSize}) must be divisible by 'num_attention_heads' ({NumAttentionHeads})");
        }

        if (KeyValueHeads <= 0 || (NumAttentionHeads > 0 && NumAttentionHeads % KeyValueHeads != 0))
        {
            errors.Add($"'num_key_value_heads' ({KeyValueHeads}) must divide 'num_attention_heads' ({NumAttentionHeads})");
        }

        if (PartialRotaryFactor is <= 0 or > 1)
        {
            errors.Add($"'partial_rotary_factor' must be in (0, 1], got {PartialRotaryFactor}");
        }
        else if (RotaryDim % 2 != 0)
        {
            errors.Add($"the rotary dimension int(head_dim {HeadDim} × partial_rotary_factor {PartialRotaryFactor}) = {RotaryDim} must be even");
        }

        if (HiddenAct != "silu")
        {
            errors.Add($"'hidden_act' is '{HiddenAct}'; supported: silu");
        }

        if (RmsNormEps <= 0)
        {
            errors.Add($"'rms_norm_eps' must be positive, got {RmsNormEps}");
        }

        if (SlidingWindow is < 1)
        {
            errors.Add($"'sliding_window' must be a positive integer or null, got {SlidingWindow}");
        }

        _ = RopeScalingRule(errors);
        return errors;
    }
}
