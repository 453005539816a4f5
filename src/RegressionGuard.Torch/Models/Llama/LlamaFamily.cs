using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using RegressionGuard.Torch.Models.Shared;

namespace RegressionGuard.Torch.Models.Llama;

/// <summary>
/// Llama 2/3, Mistral and Qwen2/2.5 (one module: Qwen2 adds q/k/v biases, Mistral and Qwen2 a sliding window).
/// Checkpoint keys are the module's keys; a saved <c>rotary_emb.inv_freq</c> and the copy of a tied head are ignored.
/// HFT: per layer 2 of {q, k, v, o}, 2 or 1 of {gate, up, down}, the two norms in the pool with the final norm.
/// </summary>
public sealed class LlamaFamily : ModelFamily
{
    public static readonly LlamaFamily Instance = new();

    static readonly JsonSerializerOptions WriteOptions = new() { WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    LlamaFamily()
    {
    }

    /// <summary>The config.json keys this module implements beyond the basic ones (passed to <see cref="UnsupportedKeys"/>).</summary>
    internal static readonly string[] ImplementedKeys = ["rope_scaling", "sliding_window", "use_sliding_window", "max_window_layers", "head_dim"];

    public override string Name => "llama";

    public override IReadOnlyList<string> Architectures { get; } = ["LlamaForCausalLM", "MistralForCausalLM", "Qwen2ForCausalLM"];

    public override IReadOnlyDictionary<string, string> ModelTypes { get; } = new Dictionary<string, string>
    {
        ["llama"] = "LlamaForCausalLM",
        ["mistral"] = "MistralForCausalLM",
        ["qwen2"] = "Qwen2ForCausalLM",
    };

    public override IReadOnlyList<string> LoraTargets { get; } = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"];

    public override HalfFineTuningGroups HalfFineTuning { get; } = new(
        Scheme: "llama",
        DisplayName: "Llama-family",
        LayerPrefix: "model.layers.",
        Attention: ["self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj"],
        FeedForward: ["mlp.gate_proj", "mlp.up_proj", "mlp.down_proj"],
        Norms: ["input_layernorm", "post_attention_layernorm"],
        FinalNorm: "model.norm",
        Embeddings: ["model.embed_tokens", "lm_head"]);

    public override ModelBlueprint Read(JsonElement config, string configPath)
    {
        var llama = Deserialize<LlamaConfig>(config, configPath);
        ThrowIfInvalid(configPath, llama.Validate().Concat(UnsupportedKeys.In(config, ImplementedKeys)).ToList());
        return Blueprint(llama);
    }

    /// <summary>The blueprint of an already-read config (llama2.c checkpoints come with one).</summary>
    public static ModelBlueprint Blueprint(LlamaConfig config, ModelFamily? family = null) => new(
        device => new LlamaForCausalLM(config, device, family),
        key => key.EndsWith(".rotary_emb.inv_freq", StringComparison.Ordinal) || (config.TieWordEmbeddings && key == "lm_head.weight"));

    public override JsonObject WriteConfig(ICausalTransformer model, int? bosId, int? eosId) => Write(model, bosId, eosId);

    internal static JsonObject Write(ICausalTransformer model, int? bosId, int? eosId)
    {
        var config = JsonSerializer.SerializeToNode(((LlamaForCausalLM)model).Config, WriteOptions)!.AsObject();
        if (((LlamaForCausalLM)model).Config.RopeScaling is not { ValueKind: JsonValueKind.Object })
        {
            config.Remove("rope_scaling");
        }

        if (((LlamaForCausalLM)model).Config.SlidingWindow is not { ValueKind: JsonValueKind.Number or JsonValueKind.Null })
        {
            config.Remove("sliding_window");
        }

        config["bos_token_id"] ??= bosId;
        config["eos_token_id"] ??= eosId;
        return config;
    }
}
