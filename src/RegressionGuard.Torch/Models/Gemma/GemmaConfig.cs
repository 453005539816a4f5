using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace RegressionGuard.Torch.Models.Gemma;

/// <summary>Which of the two layer kinds a Gemma decoder layer is.</summary>
public enum GemmaLayerType
{
    /// <summary>"sliding_attention": sees the last <c>sliding_window</c> positions, RoPE base <c>rope_local_base_freq</c> (Gemma 3).</summary>
    Sliding,

    /// <summary>"full_attention": sees every earlier position, RoPE base <c>rope_theta</c> with <c>rope_scaling</c>.</summary>
    Global,
}

/// <summary>
/// The keys of a Gemma 2 (<c>Gemma2ForCausalLM</c>, model_type gemma2) or Gemma 3 text (<c>Gemma3ForCausalLM</c>,
/// model_type gemma3_text) config.json, one property per key, as transformers reads them. Keys this record does not
/// know land in <see cref="OtherKeys"/>: metadata keys are accepted, every other one is an error that names it,
/// because an attention variant or a setting we do not implement would silently change the numbers.
/// </summary>
public sealed record GemmaConfig
{
    public const string Gemma2 = "Gemma2ForCausalLM";
    public const string Gemma3 = "Gemma3ForCausalLM";
    public static readonly string[] Architectures = { Gemma2, Gemma3 };

    /// <summary>model_type → architecture, for configs without <c>architectures</c>.</summary>
    public static readonly IReadOnlyDictionary<string, string> ModelTypes = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["gemma2"] = Gemma2,
        ["gemma3_text"] = Gemma3,
    };

    /// <summary>Keys that do not change the forward pass: metadata, token ids, generation and initialisation settings.</summary>
    static readonly HashSet<string> MetadataKeys = new(StringComparer.Ordinal)
    {
        "_name_or_path", "transformers_version", "torch_dtype", "dtype", "use_cache", "cache_implementation",
        "initializer_range", "bos_token_id", "eos_token_id", "pad_token_id",
        "hidden_act", // transformers reads hidden_activation for Gemma 2 and 3; hidden_act is kept for older readers
        "attn_implementation", "_attn_implementation_autoset", "output_attentions", "output_hidden_states", "return_dict",
    };

    static readonly string[] Activations = { "gelu_pytorch_tanh", "gelu_new", "gelu" };

    [JsonPropertyName("architectures")] public string[]? ArchitectureNames { get; init; }
    [JsonPropertyName("model_type")] public string? ModelType { get; init; }
    [JsonPropertyName("vocab_size")] public int VocabSize { get; init; }
    [JsonPropertyName("hidden_size")] public int HiddenSize { get; init; }
    [JsonPropertyName("intermediate_size")] public int IntermediateSize { get; init; }
    [JsonPropertyName("num_hidden_layers")] public int NumHiddenLayers { get; init; }
    [JsonPropertyName("num_attention_heads")] public int NumAttentionHeads { get; init; }
    [JsonPropertyName("num_key_value_heads")] public int? NumKeyValueHeads { get; init; }
    [JsonPropertyName("head_dim")] public int HeadDim { get; init; } = 256;
    [JsonPropertyName("max_position_embeddings")] public int MaxPositionEmbeddings { get; init; } = 8192;
    [JsonPropertyName("rms_norm_eps")] public double RmsNormEps { get; init; } = 1e-6;
    [JsonPropertyName("rope_theta")] public double? RopeTheta { get; init; }
    [JsonPropertyName("rope_local_base_freq")] public double? RopeLocalBaseFreq { get; init; }
    [JsonPropertyName("rope_scaling")] public JsonElement? RopeScaling { get; init; }
    [JsonPropertyName("tie_word_embeddings")] public bool TieWordEmbeddings { get; init; } = true;
    [JsonPropertyName("attention_bias")] public bool AttentionBias { get; init; }
    [JsonPropertyName("attention_dropout")] public double AttentionDropout { get; init; }
    [JsonPropertyName("hidden_activation")] public string? HiddenActivation { get; init; }
    [JsonPropertyName("query_pre_attn_scalar")] public double QueryPreAttnScalar { get; init; } = 256;
    [JsonPropertyName("sliding_window")] public int? SlidingWindow { get; init; }
    [JsonPropertyName("sliding_window_pattern")] public int? SlidingWindowPattern { get; init; }
    [JsonPropertyName("_sliding_window_pattern")] public int? PrivateSlidingWindowPattern { get; init; }
    [JsonPropertyName("layer_types")] public string[]? LayerTypeNames { get; init; }
    [JsonPropertyName("attn_logit_softcapping")] public double? AttnLogitSoftcapping { get; init; }
    [JsonPropertyName("final_logit_softcapping")] public double? FinalLogitSoftcapping { get; init; }
    [JsonPropertyName("use_bidirectional_attention")] public bool UseBidirectionalAttention { get; init; }

    /// <summary>Every key not mapped above (checked by <see cref="Validate"/>).</summary>
    [JsonExtensionData] public Dictionary<string, JsonElement>? OtherKeys { get; init; }

    [JsonIgnore]
    public string Architecture => ArchitectureNames?.FirstOrDefault()
        ?? (ModelType is { } t && ModelTypes.TryGetValue(t, out var a) ? a : Gemma2);

    /// <summary>Gemma 3: per-head q/k RMSNorm and a separate RoPE base for sliding layers.</summary>
    [JsonIgnore] public bool IsGemma3 => Architecture == Gemma3;
    [JsonIgnore] public int KeyValueHeads => NumKeyValueHeads ?? NumAttentionHeads;

    /// <summary>transformers' default activation for Gemma is the tanh approximation of GELU.</summary>
    [JsonIgnore] public string Activation => HiddenActivation ?? "gelu_pytorch_tanh";

    /// <summary>softmax(q·kᵀ · scale): Gemma scales by query_pre_attn_scalar^−½, not head_dim^−½.</summary>
    [JsonIgnore] public double AttentionScale => 1 / Math.Sqrt(QueryPreAttnScalar);

    /// <summary>rope_theta: transformers' defaults are 10,000 for Gemma 2 and 1,000,000 for Gemma 3.</summary>
    [JsonIgnore] public double GlobalRopeTheta => RopeTheta ?? (IsGemma3 ? 1_000_000 : 10_000);

    /// <summary>RoPE base of sliding layers: rope_local_base_freq (Gemma 3, default 10,000); Gemma 2 uses rope_theta everywhere.</summary>
    [JsonIgnore] public double LocalRopeTheta => IsGemma3 ? RopeLocalBaseFreq ?? 10_000 : GlobalRopeTheta;

    /// <summary>
    /// The kind of each layer: <c>layer_types</c> when given; otherwise Gemma 2 alternates (even layers slide) and
    /// Gemma 3 makes layer i global when (i + 1) is a multiple of <c>sliding_window_pattern</c> (default 6).
    /// </summary>
    public IReadOnlyList<GemmaLayerType> LayerTypes()
    {
        if (LayerTypeNames is { } names)
        {
            return names.Select(n => n == "sliding_attention" ? GemmaLayerType.Sliding : GemmaLayerType.Global).ToArray();
        }

        int pattern = IsGemma3 ? SlidingWindowPattern ?? PrivateSlidingWindowPattern ?? 6 : 2;
        return Enumerable.Range(0, NumHiddenLayers)
            .Select(i => (i + 1) % pattern != 0 ? GemmaLayerType.Sliding : GemmaLayerType.Global).ToArray();
    }

    /// <summary>
    /// RoPE scaling of the global layers (transformers applies config.rope_scaling to Gemma 3's global rotary embedding
    /// only; local layers use plain RoPE). Gemma 2's rotary embedding at the cited transformers commit ignores
    /// rope_scaling, so a Gemma 2 config that sets one is refused by <see cref="Validate"/>.
    /// </summary>
    public Shared.RopeScaling? GlobalRopeScaling() =>
        IsGemma3 ? Shared.RopeScaling.Parse(RopeScaling, MaxPositionEmbeddings, null, HeadDim, new List<string>()) : null;

    /// <summary>Every problem with the values and keys, all at once (empty when valid).</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        void Positive(string key, int value) { if (value <= 0) { errors.Add($"'{key}' must be a positive integer, got {value}"); } }
        Positive("vocab_size", VocabSize);
        Positive("hidden_size", HiddenSize);
        Positive("intermediate_size", IntermediateSize);
        Positive("num_hidden_layers", NumHiddenLayers);
        Positive("num_attention_heads", NumAttentionHeads);
        Positive("head_dim", HeadDim);
        Positive("max_position_embeddings", MaxPositionEmbeddings);
        if (KeyValueHeads <= 0 || (NumAttentionHeads > 0 && NumAttentionHeads % KeyValueHeads != 0))
        {
            errors.Add($"'num_key_value_heads' ({KeyValueHeads}) must divide 'num_attention_heads' ({NumAttentionHeads})");
        }

        if (HeadDim % 2 != 0)
        {
            errors.Add($"'head_dim' ({HeadDim}) must be even for rotary embeddings");
        }

        if (RmsNormEps <= 0)
        {
            errors.Add($"'rms_norm_eps' must be positive, got {Num(RmsNormEps)}");
        }

        if (QueryPreAttnScalar <= 0)
        {
            errors.Add($"'query_pre_attn_scalar' must be positive, got {Num(QueryPreAttnScalar)}");
        }

        if (!Activations.Contains(Activation))
        {
            errors.Add($"'hidden_activation' is '{Activation}'; supported: {string.Join(", ", Activations)}");
        }

        foreach (var (key, cap) in new[] { ("attn_logit_softcapping", AttnLogitSoftcapping), ("final_logit_softcapping", FinalLogitSoftcapping) })
        {
            if (cap is <= 0)
            {
                errors.Add($"'{key}' must be positive or null, got {Num(cap.Value)}");
            }
        }

        if (AttentionDropout != 0)
        {
            errors.Add($"'attention_dropout' is {Num(AttentionDropout)}; only 0 is supported (attention dropout is not implemented)");
        }

        if (UseBidirectionalAttention)
        {
            errors.Add("'use_bidirectional_attention' is true (an embedding model); only causal attention is supported");
        }

        ValidateLayerTypes(errors);
        ValidateRopeScaling(errors);

        var unknown = (OtherKeys ?? new Dictionary<string, JsonElement>()).Keys.Where(k => !MetadataKeys.Contains(k)).Order(StringComparer.Ordinal).ToList();
        if (unknown.Count > 0)
        {
            errors.Add($"unknown key(s) {string.Join(", ", unknown.Select(k => $"'{k}'"))}: not part of the {Architecture} config this runtime implements, and they may change the numbers; remove them if they are metadata");
        }

        return errors;
    }

    void ValidateLayerTypes(List<string> errors)
    {
        if (LayerTypeNames is { } names)
        {
            if (names.Length != NumHiddenLayers)
            {
                errors.Add($"'layer_types' has {names.Length} entries but 'num_hidden_layers' is {NumHiddenLayers}");
            }

            var bad = names.Where(n => n is not ("sliding_attention" or "full_attention")).Distinct().ToList();
            if (bad.Count > 0)
            {
                errors.Add($"'layer_types' has {string.Join(", ", bad.Select(b => $"'{b}'"))}; supported: sliding_attention, full_attention");
            }
        }
        else if (IsGemma3 && (SlidingWindowPattern ?? PrivateSlidingWindowPattern) is <= 0)
        {
            errors.Add($"'sliding_window_pattern' must be a positive integer, got {SlidingWindowPattern ?? PrivateSlidingWindowPattern}");
        }

        if (NumHiddenLayers > 0 && LayerTypes().Contains(GemmaLayerType.Sliding) && SlidingWindow is not > 0)
        {
            errors.Add($"'sliding_window' must be a positive integer when a layer uses sliding_attention, got {(SlidingWindow is { } w ? w.ToString(CultureInfo.InvariantCulture) : "null")}");
        }
    }

    void ValidateRopeScaling(List<string> errors)
    {
        if (IsGemma3)
        {
            _ = Shared.RopeScaling.Parse(RopeScaling, MaxPositionEmbeddings, null, HeadDim, errors);
        }
        else if (RopeScaling is { ValueKind: not (JsonValueKind.Null or JsonValueKind.Undefined) } rs)
        {
            errors.Add($"'rope_scaling' {JsonSerializer.Serialize(rs)} is not supported for {Architecture} (transformers' Gemma 2 rotary embedding does not apply it); supported: null");
        }
    }

    static string Num(double value) => value.ToString(CultureInfo.InvariantCulture);
}
