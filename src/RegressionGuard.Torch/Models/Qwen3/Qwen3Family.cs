using System.Text.Json;
using System.Text.Json.Nodes;
using RegressionGuard.Torch.Models.Llama;
using RegressionGuard.Torch.Models.Shared;

namespace RegressionGuard.Torch.Models.Qwen3;

/// <summary>
/// Qwen3 (dense): the Llama decoder (<see cref="LlamaForCausalLM"/>, which reads top to bottom) plus a per-head
/// RMSNorm of q and k over head_dim before RoPE (<c>self_attn.q_norm</c>, <c>self_attn.k_norm</c>), as
/// transformers' modeling_qwen3.py (commit 000c33fdfde12e1ffafbfcdb3c926df5727a00b6). config.json has the Llama keys;
/// <c>attention_bias</c> (default false) puts biases on all four projections; <c>head_dim</c> defaults to 128 as in
/// Qwen3Config; <c>tie_word_embeddings</c> as configured; a sliding window only with <c>use_sliding_window</c>, on
/// layers ≥ <c>max_window_layers</c> (as Qwen2).
/// HFT: the Llama groups, with q_norm and k_norm in the norm pool (4 norms per layer + the final norm, half trained).
/// </summary>
public sealed class Qwen3Family : ModelFamily
{
    public static readonly Qwen3Family Instance = new();

    Qwen3Family()
    {
    }

    public override string Name => "qwen3";

    public override IReadOnlyList<string> Architectures { get; } = ["Qwen3ForCausalLM"];

    public override IReadOnlyDictionary<string, string> ModelTypes { get; } = new Dictionary<string, string> { ["qwen3"] = "Qwen3ForCausalLM" };

    public override IReadOnlyList<string> LoraTargets => LlamaFamily.Instance.LoraTargets;

    public override HalfFineTuningGroups HalfFineTuning { get; } = LlamaFamily.Instance.HalfFineTuning with
    {
        Scheme = "qwen3",
        DisplayName = "Qwen3",
        Norms = ["input_layernorm", "post_attention_layernorm", "self_attn.q_norm", "self_attn.k_norm"],
    };

    public override ModelBlueprint Read(JsonElement config, string configPath)
    {
        var qwen3 = Deserialize<LlamaConfig>(config, configPath);
        qwen3 = qwen3 with { ArchitectureNames = ["Qwen3ForCausalLM"], HeadDimOverride = qwen3.HeadDimOverride ?? 128 };
        ThrowIfInvalid(configPath, qwen3.Validate().Concat(UnsupportedKeys.In(config, LlamaFamily.ImplementedKeys)).ToList());
        return LlamaFamily.Blueprint(qwen3, this);
    }

    public override JsonObject WriteConfig(ICausalTransformer model, int? bosId, int? eosId) => LlamaFamily.Write(model, bosId, eosId);
}
