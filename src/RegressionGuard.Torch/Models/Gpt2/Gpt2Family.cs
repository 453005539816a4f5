using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using RegressionGuard.Torch.Checkpoints;
using RegressionGuard.Torch.Models.Shared;
using static TorchSharp.torch;

namespace RegressionGuard.Torch.Models.Gpt2;

/// <summary>
/// GPT-2: Conv1D weights kept in the checkpoint's (in, out) layout; checkpoints saved without the "transformer."
/// prefix (the original OpenAI layout) are presented under the module's keys; the causal-mask buffers older
/// transformers saved (attn.bias, attn.masked_bias) and the tied head's copy are ignored.
/// HFT: per layer 1 of {c_attn, c_proj} and 1 of {c_fc, c_proj}; ln_1, ln_2 in the pool with ln_f.
/// </summary>
public sealed class Gpt2Family : ModelFamily
{
    public static readonly Gpt2Family Instance = new();

    static readonly JsonSerializerOptions WriteOptions = new() { WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    Gpt2Family()
    {
    }

    public override string Name => "gpt2";

    public override IReadOnlyList<string> Architectures { get; } = ["GPT2LMHeadModel"];

    public override IReadOnlyDictionary<string, string> ModelTypes { get; } = new Dictionary<string, string> { ["gpt2"] = "GPT2LMHeadModel" };

    public override IReadOnlyList<string> LoraTargets { get; } = ["c_attn", "c_proj", "c_fc"];

    public override HalfFineTuningGroups HalfFineTuning { get; } = new(
        Scheme: "gpt2",
        DisplayName: "GPT-2",
        LayerPrefix: "transformer.h.",
        Attention: ["attn.c_attn", "attn.c_proj"],
        FeedForward: ["mlp.c_fc", "mlp.c_proj"],
        Norms: ["ln_1", "ln_2"],
        FinalNorm: "transformer.ln_f",
        Embeddings: ["transformer.wte", "transformer.wpe", "lm_head"]);

    public override ModelBlueprint Read(JsonElement config, string configPath)
    {
        var gpt2 = Deserialize<Gpt2Config>(config, configPath);
        ThrowIfInvalid(configPath, gpt2.Validate().Concat(UnsupportedKeys.In(config)).ToList());
        return new ModelBlueprint(
            _ => new Gpt2LMHeadModel(gpt2),
            key => key.EndsWith(".attn.bias", StringComparison.Ordinal) || key.EndsWith(".attn.masked_bias", StringComparison.Ordinal) || key == "lm_head.weight",
            source => new PrefixedSource(source, "transformer."));
    }

    public override JsonObject WriteConfig(ICausalTransformer model, int? bosId, int? eosId) =>
        JsonSerializer.SerializeToNode(((Gpt2LMHeadModel)model).Config, WriteOptions)!.AsObject();

    /// <summary>Presents GPT-2 checkpoints saved without the "transformer." prefix under HF module keys.</summary>
    sealed class PrefixedSource : StateDictLoader.ITensorSource
    {
        readonly StateDictLoader.ITensorSource _inner;
        readonly Dictionary<string, string> _originalOf = new(StringComparer.Ordinal);

        public PrefixedSource(StateDictLoader.ITensorSource inner, string prefix)
        {
            _inner = inner;
            bool hasPrefix = inner.Shapes.Keys.Any(k => k.StartsWith(prefix, StringComparison.Ordinal));
            var shapes = new Dictionary<string, long[]>(StringComparer.Ordinal);
            foreach (var (key, shape) in inner.Shapes)
            {
                var mapped = hasPrefix || key.StartsWith("lm_head.", StringComparison.Ordinal) ? key : prefix + key;
                _originalOf[mapped] = key;
                shapes[mapped] = shape;
            }
            Shapes = shapes;
        }

        public string Description => _inner.Description;
        public IReadOnlyDictionary<string, long[]> Shapes { get; }
        public void CopyInto(string name, Tensor destination) => _inner.CopyInto(_originalOf[name], destination);
    }
}
