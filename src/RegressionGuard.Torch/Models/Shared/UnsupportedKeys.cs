using System.Text.Json;

namespace RegressionGuard.Torch.Models.Shared;

/// <summary>
/// config.json keys of other families that change a model's numbers (attention variants, norms, scalings). A family
/// that does not implement one must not load a config that sets it: the result would silently differ from the
/// published model. Each family passes the keys it does implement.
/// </summary>
public static class UnsupportedKeys
{
    /// <summary>Key → the value that means "off" (null: any non-null value is a variant).</summary>
    static readonly (string Key, Func<JsonElement, bool> IsOff)[] NumberChanging =
    [
        ("partial_rotary_factor", v => v.ValueKind == JsonValueKind.Number && v.GetDouble() == 1.0),
        ("attn_logit_softcapping", IsNull),
        ("final_logit_softcapping", IsNull),
        ("query_pre_attn_scalar", IsNull),
        ("sliding_window_pattern", IsNull),
        ("rope_local_base_freq", IsNull),
        ("layer_types", v => IsNull(v) || (v.ValueKind == JsonValueKind.Array && v.EnumerateArray().All(x => x.GetString() == "full_attention"))),
        ("qk_layernorm", IsFalse),
        ("use_qk_norm", IsFalse),
        ("attention_multiplier", IsNull),
        ("embedding_multiplier", IsNull),
        ("residual_multiplier", IsNull),
        ("logits_scaling", IsNull),
        ("use_parallel_residual", IsFalse),
        ("clip_qkv", IsNull),
        ("attention_chunk_size", IsNull),
        ("no_rope_layers", IsNull),
        ("sliding_window", IsNull),
        ("use_sliding_window", IsFalse),
        ("head_dim", IsNull),
        ("rope_scaling", IsNull),
    ];

    static bool IsNull(JsonElement v) => v.ValueKind == JsonValueKind.Null;

    static bool IsFalse(JsonElement v) => v.ValueKind is JsonValueKind.False or JsonValueKind.Null;

    /// <summary>One error per key of <paramref name="config"/> that changes the numbers and is not in <paramref name="implemented"/>.</summary>
    public static IEnumerable<string> In(JsonElement config, params string[] implemented)
    {
        config = ConfigJson.Normalize(config);
        foreach (var (key, isOff) in NumberChanging)
        {
            if (!implemented.Contains(key) && config.TryGetProperty(key, out var value) && !isOff(value))
            {
                yield return $"'{key}' ({value.GetRawText()}) changes the model's numbers and is not supported by this architecture";
            }
        }
    }
}
