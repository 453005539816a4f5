using System.Text.RegularExpressions;

namespace RegressionGuard.Training.Methods;

/// <summary>The model families whose parameter names <see cref="HalfFineTuningSelection"/> understands.</summary>
public enum HalfFineTuningArchitecture
{
    /// <summary>Llama-family names (<c>model.layers.{i}.self_attn.q_proj.weight</c>, Qwen2's q/k/v biases included).</summary>
    Llama,

    /// <summary>GPT-2 names (<c>transformer.h.{i}.attn.c_attn.weight</c>).</summary>
    Gpt2,
}

/// <summary>What a parameter belongs to, for Half Fine-Tuning.</summary>
internal enum ParameterGroup
{
    Attention,
    FeedForward,
    Norm,
    Embedding,
}

/// <summary>
/// One parameter tensor's place: its layer (−1 outside the blocks), its group, the module it belongs to
/// (<c>q_proj</c>, <c>ln_1</c>, <c>norm</c>, …: the unit that is trained or frozen as a whole) and whether it is the
/// module's weight (a bias follows its weight).
/// </summary>
internal readonly record struct ParameterSlot(HalfFineTuningArchitecture? Architecture, ParameterGroup Group, int Layer, string Unit, bool IsWeight);

/// <summary>Reads Hugging Face parameter names (the module fields of our models carry the same names).</summary>
internal static partial class HalfFineTuningNames
{
    /// <summary>The categories of each group, in the order the random choices index them.</summary>
    public static IReadOnlyList<string> AttentionUnits(HalfFineTuningArchitecture architecture) => architecture switch
    {
        HalfFineTuningArchitecture.Llama => ["q_proj", "k_proj", "v_proj", "o_proj"],
        _ => ["c_attn", "c_proj"],
    };

    public static IReadOnlyList<string> FeedForwardUnits(HalfFineTuningArchitecture architecture) => architecture switch
    {
        HalfFineTuningArchitecture.Llama => ["gate_proj", "up_proj", "down_proj"],
        _ => ["c_fc", "c_proj"],
    };

    public static IReadOnlyList<string> LayerNormUnits(HalfFineTuningArchitecture architecture) => architecture switch
    {
        HalfFineTuningArchitecture.Llama => ["input_layernorm", "post_attention_layernorm"],
        _ => ["ln_1", "ln_2"],
    };

    public static string FinalNormUnit(HalfFineTuningArchitecture architecture) =>
        architecture == HalfFineTuningArchitecture.Llama ? "norm" : "ln_f";

    /// <summary>The slot of <paramref name="name"/>, or null when the name is not one of the known parameters.</summary>
    public static ParameterSlot? Classify(string name)
    {
        const HalfFineTuningArchitecture llama = HalfFineTuningArchitecture.Llama, gpt2 = HalfFineTuningArchitecture.Gpt2;
        Match m;
        if ((m = LlamaAttention().Match(name)).Success)
        {
            return InLayer(llama, ParameterGroup.Attention, m);
        }

        if ((m = LlamaMlp().Match(name)).Success)
        {
            return InLayer(llama, ParameterGroup.FeedForward, m);
        }

        if ((m = LlamaLayerNorm().Match(name)).Success)
        {
            return InLayer(llama, ParameterGroup.Norm, m);
        }

        if (name == "model.norm.weight")
        {
            return new ParameterSlot(llama, ParameterGroup.Norm, -1, "norm", true);
        }

        if (name == "model.embed_tokens.weight")
        {
            return new ParameterSlot(llama, ParameterGroup.Embedding, -1, "embed_tokens", true);
        }

        if ((m = Gpt2Attention().Match(name)).Success)
        {
            return InLayer(gpt2, ParameterGroup.Attention, m);
        }

        if ((m = Gpt2Mlp().Match(name)).Success)
        {
            return InLayer(gpt2, ParameterGroup.FeedForward, m);
        }

        if ((m = Gpt2LayerNorm().Match(name)).Success)
        {
            return InLayer(gpt2, ParameterGroup.Norm, m);
        }

        if ((m = Gpt2FinalNorm().Match(name)).Success)
        {
            return new ParameterSlot(gpt2, ParameterGroup.Norm, -1, "ln_f", m.Groups["kind"].Value == "weight");
        }

        if ((m = Gpt2Embedding().Match(name)).Success)
        {
            return new ParameterSlot(gpt2, ParameterGroup.Embedding, -1, m.Groups["unit"].Value, true);
        }

        if (name == "lm_head.weight")
        {
            return new ParameterSlot(null, ParameterGroup.Embedding, -1, "lm_head", true);
        }

        return null;
    }

    static ParameterSlot InLayer(HalfFineTuningArchitecture architecture, ParameterGroup group, Match m)
    {
        var layer = int.Parse(m.Groups["layer"].Value, System.Globalization.CultureInfo.InvariantCulture); // at most 9 digits
        return new ParameterSlot(architecture, group, layer, m.Groups["unit"].Value, m.Groups["kind"].Value == "weight");
    }

    [GeneratedRegex(@"^model\.layers\.(?<layer>\d{1,9})\.self_attn\.(?<unit>q_proj|k_proj|v_proj|o_proj)\.(?<kind>weight|bias)$", RegexOptions.CultureInvariant)]
    private static partial Regex LlamaAttention();

    [GeneratedRegex(@"^model\.layers\.(?<layer>\d{1,9})\.mlp\.(?<unit>gate_proj|up_proj|down_proj)\.(?<kind>weight|bias)$", RegexOptions.CultureInvariant)]
    private static partial Regex LlamaMlp();

    [GeneratedRegex(@"^model\.layers\.(?<layer>\d{1,9})\.(?<unit>input_layernorm|post_attention_layernorm)\.(?<kind>weight)$", RegexOptions.CultureInvariant)]
    private static partial Regex LlamaLayerNorm();

    [GeneratedRegex(@"^transformer\.h\.(?<layer>\d{1,9})\.attn\.(?<unit>c_attn|c_proj)\.(?<kind>weight|bias)$", RegexOptions.CultureInvariant)]
    private static partial Regex Gpt2Attention();

    [GeneratedRegex(@"^transformer\.h\.(?<layer>\d{1,9})\.mlp\.(?<unit>c_fc|c_proj)\.(?<kind>weight|bias)$", RegexOptions.CultureInvariant)]
    private static partial Regex Gpt2Mlp();

    [GeneratedRegex(@"^transformer\.h\.(?<layer>\d{1,9})\.(?<unit>ln_1|ln_2)\.(?<kind>weight|bias)$", RegexOptions.CultureInvariant)]
    private static partial Regex Gpt2LayerNorm();

    [GeneratedRegex(@"^transformer\.ln_f\.(?<kind>weight|bias)$", RegexOptions.CultureInvariant)]
    private static partial Regex Gpt2FinalNorm();

    [GeneratedRegex(@"^transformer\.(?<unit>wte|wpe)\.weight$", RegexOptions.CultureInvariant)]
    private static partial Regex Gpt2Embedding();
}
