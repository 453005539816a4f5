using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using RegressionGuard.Torch.Models.Shared;

namespace RegressionGuard.Torch.Models.Phi3;

/// <summary>
/// Phi-3 and Phi-4-mini (<c>Phi3ForCausalLM</c>). LoRA targets are the family's own Linear layers, fused ones whole
/// (PEFT adapts <c>qkv_proj</c> and <c>gate_up_proj</c> as single layers). HFT: q, k, v live in one tensor and gate
/// and up in another, which cannot be split without masking, so each layer's attention is read as the 2 categories
/// {qkv_proj, o_proj} and its feed-forward as {gate_up_proj, down_proj}, and exactly 1 of each is trained per layer
/// (as GPT-2's fused c_attn); the two norms go into the pool with the final norm.
/// </summary>
public sealed class Phi3Family : ModelFamily
{
    public static readonly Phi3Family Instance = new();

    static readonly JsonSerializerOptions WriteOptions = new() { WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    Phi3Family()
    {
    }

    public override string Name => "phi3";

    public override IReadOnlyList<string> Architectures { get; } = ["Phi3ForCausalLM"];

    public override IReadOnlyDictionary<string, string> ModelTypes { get; } = new Dictionary<string, string> { ["phi3"] = "Phi3ForCausalLM" };

    public override IReadOnlyList<string> LoraTargets { get; } = ["qkv_proj", "o_proj", "gate_up_proj", "down_proj"];

    public override HalfFineTuningGroups HalfFineTuning { get; } = new(
        Scheme: "phi3",
        DisplayName: "Phi-3",
        LayerPrefix: "model.layers.",
        Attention: ["self_attn.qkv_proj", "self_attn.o_proj"],
        FeedForward: ["mlp.gate_up_proj", "mlp.down_proj"],
        Norms: ["input_layernorm", "post_attention_layernorm"],
        FinalNorm: "model.norm",
        Embeddings: ["model.embed_tokens", "lm_head"]);

    public override ModelBlueprint Read(JsonElement config, string configPath)
    {
        var phi3 = Deserialize<Phi3Config>(config, configPath);
        ThrowIfInvalid(configPath, phi3.Validate().Concat(UnsupportedKeys.In(config, "rope_scaling", "partial_rotary_factor", "sliding_window", "head_dim")).ToList());
        return new ModelBlueprint(
            device => new Phi3ForCausalLM(phi3, device),
            key => key.EndsWith(".rotary_emb.inv_freq", StringComparison.Ordinal) || (phi3.TieWordEmbeddings && key == "lm_head.weight"));
    }

    public override JsonObject WriteConfig(ICausalTransformer model, int? bosId, int? eosId)
    {
        var phi3 = ((Phi3ForCausalLM)model).Config;
        var config = JsonSerializer.SerializeToNode(phi3, WriteOptions)!.AsObject();
        if (phi3.RopeScaling is not { ValueKind: JsonValueKind.Object })
        {
            config.Remove("rope_scaling");
        }

        config["bos_token_id"] ??= bosId;
        config["eos_token_id"] ??= eosId;
        return config;
    }
}
