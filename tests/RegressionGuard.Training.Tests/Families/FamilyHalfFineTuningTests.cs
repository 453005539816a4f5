using RegressionGuard.Torch.Models.Phi3;
using RegressionGuard.Torch.Models.Qwen3;
using RegressionGuard.Training.Methods;

namespace RegressionGuard.Training.Tests.Families;

/// <summary>Half Fine-Tuning with the groups a family declares (fused projections as single categories, Qwen3's q/k norms in the norm pool).</summary>
public sealed class FamilyHalfFineTuningTests
{
    static List<string> Names(int layers, params string[] perLayer) =>
        [.. Enumerable.Range(0, layers).SelectMany(i => perLayer.Select(p => $"model.layers.{i}.{p}.weight")).Append("model.norm.weight").Append("model.embed_tokens.weight")];

    [TestCase(0L)]
    [TestCase(42L)]
    public void Each_Phi3_layer_trains_one_fused_attention_tensor_and_one_fused_feed_forward_tensor(long seed)
    {
        var names = Names(4, "self_attn.qkv_proj", "self_attn.o_proj", "mlp.gate_up_proj", "mlp.down_proj", "input_layernorm", "post_attention_layernorm");

        var selection = HalfFineTuningSelection.Choose(names, seed, groups: Phi3Family.Instance.HalfFineTuning);

        Assert.That(selection.Architecture.Name, Is.EqualTo("phi3"));
        foreach (var layer in selection.Layers)
        {
            Assert.That(layer.Attention, Has.Count.EqualTo(1).And.SubsetOf(new[] { "qkv_proj", "o_proj" }), $"layer {layer.Index}");
            Assert.That(layer.FeedForward, Has.Count.EqualTo(1).And.SubsetOf(new[] { "gate_up_proj", "down_proj" }), $"layer {layer.Index}");
        }

        Assert.That(selection.Layers.Sum(l => l.Norms.Count) + (selection.FinalNormTrained ? 1 : 0), Is.EqualTo((2 * 4 + 1) / 2));
        Assert.That(selection.Frozen, Has.Member("model.embed_tokens.weight"));
    }

    [Test]
    public void Qwen3_puts_q_norm_and_k_norm_into_the_norm_pool()
    {
        var names = Names(3, "self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj", "self_attn.q_norm", "self_attn.k_norm",
            "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj", "input_layernorm", "post_attention_layernorm");

        var selection = HalfFineTuningSelection.Choose(names, 9, groups: Qwen3Family.Instance.HalfFineTuning);

        Assert.That(selection.Layers.All(l => l.Attention.Count == 2), Is.True);
        Assert.That(selection.Layers.Sum(l => l.Norms.Count) + (selection.FinalNormTrained ? 1 : 0), Is.EqualTo((4 * 3 + 1) / 2));
        Assert.That(selection.Layers.SelectMany(l => l.Norms).Distinct(), Is.SubsetOf(new[] { "input_layernorm", "post_attention_layernorm", "q_norm", "k_norm" }));
    }

    [Test]
    public void Names_outside_the_given_family_are_rejected_naming_it()
    {
        var names = Names(2, "self_attn.qkv_proj", "self_attn.o_proj", "mlp.gate_up_proj", "mlp.down_proj", "input_layernorm", "post_attention_layernorm")
            .Append("model.layers.0.self_attn.q_proj.weight").ToList();

        var error = Assert.Throws<ArgumentException>(() => HalfFineTuningSelection.Choose(names, 1, groups: Phi3Family.Instance.HalfFineTuning));

        Assert.That(error!.Message, Does.StartWith("cannot choose HFT parameters: not a Phi-3 parameter name: model.layers.0.self_attn.q_proj.weight"));
    }
}
