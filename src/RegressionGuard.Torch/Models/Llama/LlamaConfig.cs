using System.Text.Json;
using System.Text.Json.Serialization;
using RegressionGuard.Torch.Models.Shared;

namespace RegressionGuard.Torch.Models.Llama;

/// <summary>
/// The Llama-family keys of a Hugging Face config.json (Llama 2/3, Mistral, Qwen2, Qwen3), one property per key.
/// Qwen2 adds q/k/v biases; <see cref="AttentionBias"/> adds biases to all four projections as in Llama's config.
/// </summary>
public sealed record LlamaConfig
{
    [JsonPropertyName("architectures")] public string[]? ArchitectureNames { get; init; }
    [JsonPropertyName("model_type")] public string? ModelType { get; init; }
    [JsonPropertyName("vocab_size")] public int VocabSize { get; init; }
    [JsonPropertyName("hidden_size")] public int HiddenSize { get; init; }
    [JsonPropertyName("intermediate_size")] public int IntermediateSize { get; init; }
    [JsonPropertyName("num_hidden_layers")] public int NumHiddenLayers { get; init; }
    [JsonPropertyName("num_attention_heads")] public int NumAttentionHeads { get; init; }
    [JsonPropertyName("num_key_value_heads")] public int? NumKeyValueHeads { get; init; }
    [JsonPropertyName("head_dim")] public int? HeadDimOverride { get; init; }
    [JsonPropertyName("max_position_embeddings")] public int MaxPositionEmbeddings { get; init; } = 2048;
    [JsonPropertyName("rms_norm_eps")] public double RmsNormEps { get; init; } = 1e-6;
    [JsonPropertyName("rope_theta")] public double RopeTheta { get; init; } = 10000;
    [JsonPropertyName("rope_scaling")] public JsonElement? RopeScaling { get; init; }
    [JsonPropertyName("tie_word_embeddings")] public bool TieWordEmbeddings { get; init; }
    [JsonPropertyName("attention_bias")] public bool AttentionBias { get; init; }
    [JsonPropertyName("mlp_bias")] public bool MlpBias { get; init; }
    [JsonPropertyName("hidden_act")] public string HiddenAct { get; init; } = "silu";
    [JsonPropertyName("bos_token_id")] public JsonElement? BosTokenId { get; init; }
    [JsonPropertyName("eos_token_id")] public JsonElement? EosTokenId { get; init; }
    [JsonPropertyName("torch_dtype")] public string? TorchDtype { get; init; }
    [JsonPropertyName("sliding_window")] public JsonElement? SlidingWindow { get; init; }
    [JsonPropertyName("use_sliding_window")] public bool? UseSlidingWindow { get; init; }
    [JsonPropertyName("max_window_layers")] public int? MaxWindowLayers { get; init; }

    [JsonIgnore]
    public string Architecture => ArchitectureNames?.FirstOrDefault() ?? ModelType switch
    {
        "mistral" => "MistralForCausalLM",
        "qwen2" => "Qwen2ForCausalLM",
        "qwen3" => "Qwen3ForCausalLM",
        _ => "LlamaForCausalLM",
    };
    [JsonIgnore] public int KeyValueHeads => NumKeyValueHeads ?? NumAttentionHeads;
    [JsonIgnore] public int HeadDim => HeadDimOverride ?? HiddenSize / NumAttentionHeads;

    /// <summary>Qwen3: per-head RMSNorm of q and k (over head_dim, weights <c>self_attn.q_norm</c>, <c>k_norm</c>) before RoPE.</summary>
    [JsonIgnore] public bool QkNorm => Architecture == "Qwen3ForCausalLM";

    /// <summary>Qwen2 checkpoints carry biases on q, k and v (not o) without saying so in config.json.</summary>
    [JsonIgnore] public bool QkvBias => AttentionBias || Architecture == "Qwen2ForCausalLM";
    [JsonIgnore] public bool OutputBias => AttentionBias;

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
        if (NumAttentionHeads > 0 && HeadDimOverride is null && HiddenSize % NumAttentionHeads != 0)
        {
            errors.Add($"'hidden_size' ({HiddenSize}) must be divisible by 'num_attention_heads' ({NumAttentionHeads})");
        }

        if (KeyValueHeads <= 0 || (NumAttentionHeads > 0 && NumAttentionHeads % KeyValueHeads != 0))
        {
            errors.Add($"'num_key_value_heads' ({KeyValueHeads}) must divide 'num_attention_heads' ({NumAttentionHeads})");
        }

        if (HeadDim % 2 != 0)
        {
            errors.Add($"the head dimension ({HeadDim}) must be even for rotary embeddings");
        }

        if (HiddenAct != "silu")
        {
            errors.Add($"'hidden_act' is '{HiddenAct}'; supported: silu");
        }

        if (RmsNormEps <= 0)
        {
            errors.Add($"'rms_norm_eps' must be positive, got {RmsNormEps}");
        }

        _ = Shared.RopeScaling.Parse(RopeScaling, MaxPositionEmbeddings, null, HeadDim, errors);
        if (SlidingWindow is { ValueKind: not (JsonValueKind.Null or JsonValueKind.Number) } sw)
        {
            errors.Add($"'sliding_window' must be an integer or null, got {sw.ValueKind}");
        }
        else if (SlidingWindow is { ValueKind: JsonValueKind.Number } n && (!n.TryGetInt32(out var w) || w < 1))
        {
            errors.Add($"'sliding_window' must be a positive integer or null, got {n.GetRawText()}");
        }

        return errors;
    }

    /// <summary>
    /// The attention window of layer <paramref name="layer"/> (keys within the last W positions, the query's own
    /// included), or null for full causal attention. Mistral: <c>sliding_window</c> on every layer (transformers'
    /// MistralConfig default 4096 when the key is absent; null turns it off). Qwen2: only with
    /// <c>use_sliding_window</c>, on layers ≥ <c>max_window_layers</c> (defaults false, 4096, 28). Llama: none.
    /// </summary>
    public int? SlidingWindowOf(int layer)
    {
        int? configured = SlidingWindow switch
        {
            { ValueKind: JsonValueKind.Number } n when n.TryGetInt32(out var w) => w,
            { ValueKind: JsonValueKind.Null } => null,
            _ => 4096,
        };
        return Architecture switch
        {
            "MistralForCausalLM" => configured,
            "Qwen2ForCausalLM" or "Qwen3ForCausalLM" => UseSlidingWindow == true && layer >= (MaxWindowLayers ?? 28) ? configured : null,
            _ => null,
        };
    }

    /// <summary>The rope_scaling rule (null: plain RoPE); <see cref="Validate"/> reports its problems.</summary>
    public Shared.RopeScaling? RopeScalingRule() => Shared.RopeScaling.Parse(RopeScaling, MaxPositionEmbeddings, null, HeadDim, new List<string>());
}
