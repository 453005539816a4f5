using System.Globalization;
using System.Text.Json;

namespace RegressionGuard.Torch.Models.Shared;

/// <summary>The RoPE variants of config.json's <c>rope_scaling.rope_type</c> (transformers' modeling_rope_utils.py).</summary>
public enum RopeType
{
    Default,
    Linear,
    Dynamic,
    Yarn,
    LongRope,
    Llama3,
}

/// <summary>
/// config.json's <c>rope_scaling</c>, read as transformers reads it (src/transformers/modeling_rope_utils.py at
/// commit ef46806472a64b0013ed413781e3afed82bfa047): <c>linear</c> divides every frequency by <see cref="Factor"/>;
/// <c>dynamic</c> (NTK) raises the base when a forward reaches past max_position_embeddings; <c>yarn</c> blends
/// interpolated and extrapolated frequencies between the beta_fast/beta_slow rotation counts and scales cos/sin by
/// the attention factor; <c>longrope</c> divides frequencies by per-dimension short or long factors (long once the
/// sequence passes original_max_position_embeddings) and scales cos/sin; <c>llama3</c> rescales by wavelength bands.
/// Keys a variant does not know are errors, never ignored: they would change the numbers.
/// </summary>
public sealed record RopeScaling
{
    public required RopeType Type { get; init; }
    public double Factor { get; init; } = 1;
    public double LowFreqFactor { get; init; } = 1;
    public double HighFreqFactor { get; init; } = 4;

    /// <summary>llama3: the pre-training context; longrope: the length past which the long factors apply.</summary>
    public int OriginalMaxPositionEmbeddings { get; init; }
    public double? AttentionFactor { get; init; }
    public double BetaFast { get; init; } = 32;
    public double BetaSlow { get; init; } = 1;
    public IReadOnlyList<double>? ShortFactor { get; init; }
    public IReadOnlyList<double>? LongFactor { get; init; }

    static readonly Dictionary<string, (RopeType Type, string[] Required, string[] Optional)> Variants = new(StringComparer.Ordinal)
    {
        ["default"] = (RopeType.Default, [], []),
        ["linear"] = (RopeType.Linear, ["factor"], []),
        ["dynamic"] = (RopeType.Dynamic, ["factor"], ["original_max_position_embeddings"]),
        ["yarn"] = (RopeType.Yarn, ["factor"], ["attention_factor", "beta_fast", "beta_slow"]),
        ["longrope"] = (RopeType.LongRope, ["short_factor", "long_factor"], ["attention_factor", "factor", "original_max_position_embeddings"]),
        ["llama3"] = (RopeType.Llama3, [], ["factor", "low_freq_factor", "high_freq_factor", "original_max_position_embeddings"]),
    };

    /// <summary>
    /// Reads <paramref name="json"/> (null or JSON null: plain RoPE). <paramref name="originalMaxPositionEmbeddings"/>
    /// is the top-level config key Phi-3 uses for longrope; <paramref name="rotaryDim"/> the rotated dimensions per head.
    /// Every problem is added to <paramref name="errors"/>.
    /// </summary>
    public static RopeScaling? Parse(JsonElement? json, int maxPositionEmbeddings, int? originalMaxPositionEmbeddings, int rotaryDim, List<string> errors)
    {
        if (json is not { ValueKind: JsonValueKind.Object } rs)
        {
            if (json is { ValueKind: not (JsonValueKind.Null or JsonValueKind.Undefined) } other)
            {
                errors.Add($"'rope_scaling' must be an object or null, got {other.ValueKind}");
            }

            return null;
        }

        string? typeName = rs.TryGetProperty("rope_type", out var t) ? t.GetString() : rs.TryGetProperty("type", out var t2) ? t2.GetString() : "default";
        if (typeName is null || !Variants.TryGetValue(typeName, out var variant))
        {
            errors.Add($"'rope_scaling.rope_type' is '{typeName}'; supported: {string.Join(", ", Variants.Keys)}");
            return null;
        }

        var known = variant.Required.Concat(variant.Optional).Append("rope_type").Append("type").ToHashSet(StringComparer.Ordinal);
        var unknown = rs.EnumerateObject().Select(p => p.Name).Where(n => !known.Contains(n)).ToList();
        if (unknown.Count > 0)
        {
            errors.Add($"'rope_scaling' for rope_type '{typeName}' has key(s) that would change the numbers and are not supported: {string.Join(", ", unknown)} (supported: {string.Join(", ", variant.Required.Concat(variant.Optional))})");
        }

        foreach (var missing in variant.Required.Where(k => !rs.TryGetProperty(k, out _)))
        {
            errors.Add($"'rope_scaling' for rope_type '{typeName}' needs '{missing}'");
        }

        double Number(string key, double fallback)
        {
            if (!rs.TryGetProperty(key, out var v) || v.ValueKind == JsonValueKind.Null)
            {
                return fallback;
            }

            if (v.ValueKind != JsonValueKind.Number)
            {
                errors.Add($"'rope_scaling.{key}' must be a number, got {v.ValueKind}");
                return fallback;
            }

            return v.GetDouble();
        }

        double[]? Factors(string key)
        {
            if (!rs.TryGetProperty(key, out var v))
            {
                return null;
            }

            if (v.ValueKind != JsonValueKind.Array || v.EnumerateArray().Any(x => x.ValueKind != JsonValueKind.Number))
            {
                errors.Add($"'rope_scaling.{key}' must be a list of numbers");
                return null;
            }

            var values = v.EnumerateArray().Select(x => x.GetDouble()).ToArray();
            if (values.Length != rotaryDim / 2)
            {
                errors.Add($"'rope_scaling.{key}' has {values.Length} numbers; expected {rotaryDim / 2} (half the rotary dimension {rotaryDim})");
            }

            return values;
        }

        double? attention = rs.TryGetProperty("attention_factor", out var af) && af.ValueKind == JsonValueKind.Number ? af.GetDouble() : null;
        var scaling = variant.Type switch
        {
            RopeType.Default => null,
            RopeType.Linear or RopeType.Dynamic => new RopeScaling { Type = variant.Type, Factor = Number("factor", 1) },
            RopeType.Yarn => new RopeScaling
            {
                Type = RopeType.Yarn,
                Factor = Number("factor", 1),
                AttentionFactor = attention,
                BetaFast = Number("beta_fast", 32) is var bf && bf == 0 ? 32 : bf, // transformers: `or 32`
                BetaSlow = Number("beta_slow", 1) is var bs && bs == 0 ? 1 : bs,
                OriginalMaxPositionEmbeddings = maxPositionEmbeddings,
            },
            RopeType.LongRope => LongRope(),
            RopeType.Llama3 => new RopeScaling
            {
                Type = RopeType.Llama3,
                Factor = Number("factor", 8),
                LowFreqFactor = Number("low_freq_factor", 1),
                HighFreqFactor = Number("high_freq_factor", 4),
                OriginalMaxPositionEmbeddings = (int)Number("original_max_position_embeddings", 8192),
            },
            _ => null,
        };
        if (scaling is { Type: RopeType.Linear or RopeType.Dynamic or RopeType.Yarn, Factor: <= 0 })
        {
            errors.Add($"'rope_scaling.factor' must be positive, got {scaling.Factor.ToString(CultureInfo.InvariantCulture)}");
        }

        return scaling;

        RopeScaling LongRope()
        {
            // Phi-3: a top-level original_max_position_embeddings fixes the factor as the ratio of the two lengths.
            int original = originalMaxPositionEmbeddings ?? maxPositionEmbeddings;
            double factor = originalMaxPositionEmbeddings is { } o ? (double)maxPositionEmbeddings / o : Number("factor", 1);
            return new RopeScaling
            {
                Type = RopeType.LongRope,
                Factor = factor,
                OriginalMaxPositionEmbeddings = original,
                AttentionFactor = attention ?? (factor <= 1 ? 1 : Math.Sqrt(1 + Math.Log(factor) / Math.Log(original))),
                ShortFactor = Factors("short_factor"),
                LongFactor = Factors("long_factor"),
            };
        }
    }

    /// <summary>The factor cos and sin are multiplied by (yarn, longrope; 1 otherwise).</summary>
    public double CosSinScale => Type switch
    {
        RopeType.Yarn => AttentionFactor ?? 0.1 * Math.Log(Factor) + 1,
        RopeType.LongRope => AttentionFactor ?? 1,
        _ => 1,
    };

    /// <summary>
    /// Inverse frequencies for <paramref name="rotaryDim"/> rotated dimensions. <paramref name="sequenceLength"/> is the
    /// largest position + 1 of the forward (dynamic and longrope depend on it).
    /// </summary>
    public static double[] InverseFrequencies(RopeScaling? scaling, int rotaryDim, double theta, int maxPositionEmbeddings, long sequenceLength)
    {
        int half = rotaryDim / 2;
        var invFreq = new double[half];
        double baseValue = theta;
        if (scaling is { Type: RopeType.Dynamic } && sequenceLength > maxPositionEmbeddings)
        {
            double f = scaling.Factor;
            baseValue = theta * Math.Pow(f * sequenceLength / maxPositionEmbeddings - (f - 1), (double)rotaryDim / (rotaryDim - 2));
        }

        for (int j = 0; j < half; j++)
        {
            invFreq[j] = Math.Pow(baseValue, -2.0 * j / rotaryDim);
        }

        switch (scaling?.Type)
        {
            case RopeType.Linear:
                for (int j = 0; j < half; j++)
                {
                    invFreq[j] /= scaling.Factor;
                }

                break;
            case RopeType.Llama3:
                for (int j = 0; j < half; j++)
                {
                    invFreq[j] = Llama3(invFreq[j], scaling);
                }

                break;
            case RopeType.Yarn:
                Yarn(invFreq, scaling, rotaryDim, theta);
                break;
            case RopeType.LongRope:
                var factors = sequenceLength > scaling.OriginalMaxPositionEmbeddings ? scaling.LongFactor! : scaling.ShortFactor!;
                for (int j = 0; j < half; j++)
                {
                    invFreq[j] /= factors[j];
                }

                break;
        }

        return invFreq;
    }

    static double Llama3(double invFreq, RopeScaling s)
    {
        double wavelen = 2 * Math.PI / invFreq;
        double lowFreqWavelen = s.OriginalMaxPositionEmbeddings / s.LowFreqFactor;
        double highFreqWavelen = s.OriginalMaxPositionEmbeddings / s.HighFreqFactor;
        if (wavelen < highFreqWavelen)
        {
            return invFreq;
        }

        if (wavelen > lowFreqWavelen)
        {
            return invFreq / s.Factor;
        }

        double smooth = (s.OriginalMaxPositionEmbeddings / wavelen - s.LowFreqFactor) / (s.HighFreqFactor - s.LowFreqFactor);
        return (1 - smooth) * invFreq / s.Factor + smooth * invFreq;
    }

    /// <summary>YaRN: dimensions rotating fewer than beta_slow times over the context are interpolated (÷ factor), more than beta_fast kept, a linear ramp between.</summary>
    static void Yarn(double[] invFreq, RopeScaling s, int dim, double theta)
    {
        double CorrectionDim(double rotations) => dim * Math.Log(s.OriginalMaxPositionEmbeddings / (rotations * 2 * Math.PI)) / (2 * Math.Log(theta));
        double low = Math.Max(Math.Floor(CorrectionDim(s.BetaFast)), 0);
        double high = Math.Min(Math.Ceiling(CorrectionDim(s.BetaSlow)), dim - 1);
        if (low == high)
        {
            high += 0.001;
        }

        for (int j = 0; j < invFreq.Length; j++)
        {
            double ramp = Math.Clamp((j - low) / (high - low), 0, 1);
            double extrapolation = 1 - ramp;
            double interpolated = invFreq[j] / s.Factor;
            invFreq[j] = interpolated * (1 - extrapolation) + invFreq[j] * extrapolation;
        }
    }
}
