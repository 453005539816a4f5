using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using RegressionGuard.Torch.Checkpoints;
using RegressionGuard.Torch.Models.Shared;

namespace RegressionGuard.Torch.Models.Gemma;

/// <summary>
/// Gemma 2 (<c>Gemma2ForCausalLM</c>, model_type gemma2) and Gemma 3 text (<c>Gemma3ForCausalLM</c>, model_type
/// gemma3_text): one module (<see cref="GemmaForCausalLM"/>), two registry entries, because their HFT groups differ.
/// Config keys: <see cref="GemmaConfig"/> maps every published key and refuses any other (it may change the numbers).
/// Checkpoint keys are the module's keys; the copy of a tied head is ignored.
/// LoRA targets: q, k, v, o, gate, up, down (as Llama). HFT: per layer 2 of {q, k, v, o}, 2 or 1 of {gate, up, down},
/// and the norms — the four around attention and feed-forward (+ q_norm, k_norm in Gemma 3) — pooled with the final norm.
/// </summary>
public sealed class GemmaFamily : ModelFamily
{
    public static readonly GemmaFamily Gemma2 = new(GemmaConfig.Gemma2, "gemma2", "Gemma 2",
        ["input_layernorm", "post_attention_layernorm", "pre_feedforward_layernorm", "post_feedforward_layernorm"]);

    public static readonly GemmaFamily Gemma3 = new(GemmaConfig.Gemma3, "gemma3_text", "Gemma 3",
        ["input_layernorm", "post_attention_layernorm", "pre_feedforward_layernorm", "post_feedforward_layernorm", "self_attn.q_norm", "self_attn.k_norm"]);

    static readonly JsonSerializerOptions WriteOptions = new() { WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    GemmaFamily(string architecture, string modelType, string displayName, string[] norms)
    {
        Name = modelType == "gemma2" ? "gemma2" : "gemma3";
        Architectures = [architecture];
        ModelTypes = new Dictionary<string, string>(StringComparer.Ordinal) { [modelType] = architecture };
        HalfFineTuning = new HalfFineTuningGroups(
            Scheme: Name,
            DisplayName: displayName,
            LayerPrefix: "model.layers.",
            Attention: ["self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj"],
            FeedForward: ["mlp.gate_proj", "mlp.up_proj", "mlp.down_proj"],
            Norms: norms,
            FinalNorm: "model.norm",
            Embeddings: ["model.embed_tokens", "lm_head"]);
    }

    public override string Name { get; }

    public override IReadOnlyList<string> Architectures { get; }

    public override IReadOnlyDictionary<string, string> ModelTypes { get; }

    public override IReadOnlyList<string> LoraTargets { get; } = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"];

    public override HalfFineTuningGroups HalfFineTuning { get; }

    public override ModelBlueprint Read(JsonElement config, string configPath)
    {
        // Not the shared Deserialize: its ConfigJson.Normalize flattens rope_parameters and would drop Gemma 3's
        // per-layer-type entries (full_attention / sliding_attention), which GemmaConfig.Rope reads itself.
        GemmaConfig gemma;
        try
        {
            gemma = config.Deserialize<GemmaConfig>(ConfigJson.Options) ?? throw new CheckpointException($"{configPath}: empty config");
        }
        catch (JsonException e)
        {
            throw new CheckpointException($"{configPath}: config value of the wrong type at {e.Path}: {e.Message}", e);
        }

        if (gemma.ArchitectureNames is null)
        {
            gemma = gemma with { ArchitectureNames = [Architectures[0]] };
        }

        ThrowIfInvalid(configPath, gemma.Validate());
        return new ModelBlueprint(
            device => new GemmaForCausalLM(gemma, device),
            key => gemma.TieWordEmbeddings && key == "lm_head.weight");
    }

    /// <summary>The config it was loaded with, every key kept (metadata included), token ids filled in when absent.</summary>
    public override JsonObject WriteConfig(ICausalTransformer model, int? bosId, int? eosId)
    {
        var config = JsonSerializer.SerializeToNode(((GemmaForCausalLM)model).Config, WriteOptions)!.AsObject();
        config["bos_token_id"] ??= bosId;
        config["eos_token_id"] ??= eosId;
        return config;
    }
}
