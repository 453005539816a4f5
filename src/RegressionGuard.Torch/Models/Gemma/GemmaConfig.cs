using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
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
    [JsonPropertyName("rope_parameters")] public JsonElement? RopeParameters { get; init; }
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

    /// <summary>RoPE base of global layers (transformers' defaults: 10,000 for Gemma 2, 1,000,000 for Gemma 3).</summary>
    [JsonIgnore] public double GlobalRopeTheta => Rope(GemmaLayerType.Global).Theta;

    /// <summary>RoPE base of sliding layers: rope_local_base_freq for Gemma 3 (default 10,000); Gemma 2 uses rope_theta everywhere.</summary>
    [JsonIgnore] public double LocalRopeTheta => Rope(GemmaLayerType.Sliding).Theta;

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
    /// The RoPE base and scaling of a layer type. Configs written by transformers 5 carry <c>rope_parameters</c>: one
    /// object per layer type (<c>full_attention</c>, <c>sliding_attention</c>) or one for all, each with rope_theta and
    /// the rope_type keys; it wins when present. Older configs: rope_theta; Gemma 3's sliding layers use
    /// rope_local_base_freq, its global layers rope_scaling (Gemma 2's rotary embedding at the cited transformers commit
    /// ignores rope_scaling, so <see cref="Validate"/> refuses one there).
    /// </summary>
    public (double Theta, Shared.RopeScaling? Scaling) Rope(GemmaLayerType type, List<string>? errors = null)
    {
        errors ??= new List<string>();
        double defaultTheta = IsGemma3 && type == GemmaLayerType.Global ? 1_000_000 : 10_000;
        if (RopeParameters is { ValueKind: JsonValueKind.Object } rp)
        {
            bool perType = rp.TryGetProperty("full_attention", out _) || rp.TryGetProperty("sliding_attention", out _);
            string key = type == GemmaLayerType.Global ? "full_attention" : "sliding_attention";
            if (perType && !rp.TryGetProperty(key, out _))
            {
                errors.Add($"'rope_parameters' has no '{key}' entry");
                return (defaultTheta, null);
            }

            var p = perType ? rp.GetProperty(key) : rp;
            string where = perType ? $"rope_parameters.{key}" : "rope_parameters";
            if (p.ValueKind != JsonValueKind.Object)
            {
                errors.Add($"'{where}' must be an object, got {p.ValueKind}");
                return (defaultTheta, null);
            }

            var rest = JsonNode.Parse(p.GetRawText())!.AsObject();
            double theta = rest["rope_theta"] is JsonValue v && v.TryGetValue(out double t) ? t : defaultTheta;
            rest.Remove("rope_theta");
            var scalingErrors = new List<string>();
            var scaling = Shared.RopeScaling.Parse(JsonSerializer.SerializeToElement(rest), MaxPositionEmbeddings, null, HeadDim, scalingErrors);
            errors.AddRange(scalingErrors.Select(e => e.Replace("'rope_scaling", $"'{where}", StringComparison.Ordinal)));
            if (!IsGemma3 && scaling is not null)
            {
                errors.Add($"'{where}' sets rope_type '{scaling.Type}'; Gemma 2 supports plain RoPE only");
            }

            return (theta, scaling);
        }

        if (type == GemmaLayerType.Sliding && IsGemma3)
        {
            return (RopeLocalBaseFreq ?? 10_000, null);
        }

        return (RopeTheta ?? defaultTheta, IsGemma3 ? Shared.RopeScaling.Parse(RopeScaling, MaxPositionEmbeddings, null, HeadDim, errors) : null);
    }

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
        if (!IsGemma3 && RopeScaling is { ValueKind: not (JsonValueKind.Null or JsonValueKind.Undefined) } rs)
        {
            errors.Add($"'rope_scaling' {JsonSerializer.Serialize(rs)} is not supported for {Architecture} (transformers' Gemma 2 rotary embedding does not apply it); supported: null");
        }

        _ = Rope(GemmaLayerType.Global, errors);
        if (RopeParameters is { ValueKind: JsonValueKind.Object } && LayerTypes().Contains(GemmaLayerType.Sliding))
        {
            _ = Rope(GemmaLayerType.Sliding, errors);
        }
        else if (RopeParameters is { } other && other.ValueKind is not (JsonValueKind.Object or JsonValueKind.Null))
        {
            errors.Add($"'rope_parameters' must be an object or null, got {other.ValueKind}");
        }
    }

    static string Num(double value) => value.ToString(CultureInfo.InvariantCulture);
}
