using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using RegressionGuard.Torch.Models;
using RegressionGuard.Torch.Models.Shared;

namespace RegressionGuard.Training.Methods;

/// <summary>
/// The naming scheme a selection was made for: a model family's <see cref="HalfFineTuningGroups.Scheme"/>
/// ("llama", "gpt2", …), written as that string in the selection file.
/// </summary>
[JsonConverter(typeof(HalfFineTuningArchitectureJson))]
public readonly record struct HalfFineTuningArchitecture(string Name)
{
    /// <summary>Llama-family names (<c>model.layers.{i}.self_attn.q_proj.weight</c>, Qwen2's q/k/v biases included).</summary>
    public static readonly HalfFineTuningArchitecture Llama = new("llama");

    /// <summary>GPT-2 names (<c>transformer.h.{i}.attn.c_attn.weight</c>).</summary>
    public static readonly HalfFineTuningArchitecture Gpt2 = new("gpt2");

    /// <summary>The scheme's groups, from the model-family registry.</summary>
    public HalfFineTuningGroups Groups => ModelFamilies.HalfFineTuningScheme(Name)
        ?? throw new InvalidDataException($"unknown HFT naming scheme '{Name}'; known: {string.Join(", ", ModelFamilies.All.Select(f => f.HalfFineTuning.Scheme).Distinct())}");

    public override string ToString() => Name.Length == 0 ? Name : char.ToUpperInvariant(Name[0]) + Name[1..];
}

/// <summary>Reads and writes <see cref="HalfFineTuningArchitecture"/> as its scheme name.</summary>
public sealed class HalfFineTuningArchitectureJson : JsonConverter<HalfFineTuningArchitecture>
{
    public override HalfFineTuningArchitecture Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        new(reader.GetString() ?? throw new JsonException("the architecture must be a string"));

    public override void Write(Utf8JsonWriter writer, HalfFineTuningArchitecture value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.Name);
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
internal readonly record struct ParameterSlot(HalfFineTuningArchitecture Architecture, ParameterGroup Group, int Layer, string Unit, bool IsWeight);

/// <summary>Reads Hugging Face parameter names through a family's <see cref="HalfFineTuningGroups"/>.</summary>
internal static class HalfFineTuningNames
{
    /// <summary>The schemes <see cref="HalfFineTuningSelection.Choose"/> recognises from the names alone.</summary>
    public static IReadOnlyList<HalfFineTuningGroups> Inferable { get; } = [Torch.Models.Llama.LlamaFamily.Instance.HalfFineTuning, Torch.Models.Gpt2.Gpt2Family.Instance.HalfFineTuning];

    static string Leaf(string path) => path[(path.LastIndexOf('.') + 1)..];

    /// <summary>The categories of each group, in the order the random choices index them (module names within the layer).</summary>
    public static IReadOnlyList<string> AttentionUnits(HalfFineTuningGroups groups) => groups.Attention.Select(Leaf).ToArray();

    public static IReadOnlyList<string> FeedForwardUnits(HalfFineTuningGroups groups) => groups.FeedForward.Select(Leaf).ToArray();

    public static IReadOnlyList<string> LayerNormUnits(HalfFineTuningGroups groups) => groups.Norms.Select(Leaf).ToArray();

    public static string FinalNormUnit(HalfFineTuningGroups groups) => Leaf(groups.FinalNorm);

    /// <summary>The slot of <paramref name="name"/> under <paramref name="groups"/>, or null when the name is not one of its parameters.</summary>
    public static ParameterSlot? Classify(string name, HalfFineTuningGroups groups)
    {
        var architecture = new HalfFineTuningArchitecture(groups.Scheme);
        int dot = name.LastIndexOf('.');
        if (dot < 0)
        {
            return null;
        }

        string module = name[..dot], kind = name[(dot + 1)..];
        if (kind is not ("weight" or "bias"))
        {
            return null;
        }

        bool isWeight = kind == "weight";
        if (module.StartsWith(groups.LayerPrefix, StringComparison.Ordinal))
        {
            var rest = module[groups.LayerPrefix.Length..];
            int next = rest.IndexOf('.');
            if (next < 1 || next > 9 || !rest[..next].All(char.IsAsciiDigit))
            {
                return null;
            }

            int layer = int.Parse(rest[..next], CultureInfo.InvariantCulture);
            var path = rest[(next + 1)..];
            if (groups.Attention.Contains(path))
            {
                return new ParameterSlot(architecture, ParameterGroup.Attention, layer, Leaf(path), isWeight);
            }

            if (groups.FeedForward.Contains(path))
            {
                return new ParameterSlot(architecture, ParameterGroup.FeedForward, layer, Leaf(path), isWeight);
            }

            if (groups.Norms.Contains(path))
            {
                return new ParameterSlot(architecture, ParameterGroup.Norm, layer, Leaf(path), isWeight);
            }

            return null;
        }

        if (module == groups.FinalNorm)
        {
            return new ParameterSlot(architecture, ParameterGroup.Norm, -1, Leaf(module), isWeight);
        }

        if (groups.Embeddings.Contains(module) && isWeight)
        {
            return new ParameterSlot(architecture, ParameterGroup.Embedding, -1, Leaf(module), true);
        }

        return null;
    }
}
