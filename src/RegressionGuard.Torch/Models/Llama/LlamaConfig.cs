using System.Text.Json;
using System.Text.Json.Serialization;
using RegressionGuard.Torch.Models.Shared;

namespace RegressionGuard.Torch.Models.Llama;

/// <summary>
/// The Llama-family keys of a Hugging Face config.json (Llama 2/3, Mistral, Qwen2), one property per key.
/// Qwen2 adds q/k/v biases; <see cref="AttentionBias"/> adds biases to all four projections as in Llama's config.
/// </summary>
public sealed record LlamaConfig
{
    public static readonly string[] Architectures = { "LlamaForCausalLM", "MistralForCausalLM", "Qwen2ForCausalLM" };

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

    [JsonIgnore] public string Architecture => ArchitectureNames?.FirstOrDefault() ?? "LlamaForCausalLM";
    [JsonIgnore] public int KeyValueHeads => NumKeyValueHeads ?? NumAttentionHeads;
    [JsonIgnore] public int HeadDim => HeadDimOverride ?? HiddenSize / NumAttentionHeads;

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

        try { _ = RopeScalingRule(); } catch (FormatException e) { errors.Add(e.Message); }
        return errors;
    }

    /// <summary>The Llama-3 rope scaling rule, or null when config.json has none.</summary>
    public Llama3RopeScaling? RopeScalingRule()
    {
        if (RopeScaling is not { ValueKind: JsonValueKind.Object } rs)
        {
            return null;
        }

        string type = rs.TryGetProperty("rope_type", out var t) ? t.GetString() ?? "" : rs.TryGetProperty("type", out var t2) ? t2.GetString() ?? "" : "";
        if (type is "default" or "")
        {
            return null;
        }

        if (type != "llama3")
        {
            throw new FormatException($"'rope_scaling.rope_type' is '{type}'; supported: llama3 (or none)");
        }

        double Num(string key, double fallback) => rs.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : fallback;
        return new Llama3RopeScaling(Num("factor", 8), Num("low_freq_factor", 1), Num("high_freq_factor", 4),
            (int)Num("original_max_position_embeddings", 8192));
    }
}
