using System.Text.Json;
using RegressionGuard.Testing;
using RegressionGuard.Torch.Models.Gemma;
using TorchSharp;
using static TorchSharp.torch;

namespace RegressionGuard.Torch.Tests.Models.Gemma;

/// <summary>
/// The published configs, built on the meta device (shapes only, no memory), have exactly the published parameter
/// counts and the published checkpoint key names (sources: tests/fixtures/configs/README.md).
/// </summary>
[NonParallelizable] // switches libtorch's default device while building
public sealed class GemmaStructureTests
{
    static GemmaForCausalLM BuildOnMeta(string publishedConfig)
    {
        var config = JsonSerializer.Deserialize<GemmaConfig>(File.ReadAllText(GemmaGoldens.PublishedConfig(publishedConfig)))!;
        Assert.That(config.Validate(), Is.Empty, "the published config loads unchanged");
        var meta = new Device(DeviceType.META);
        var previous = get_default_device();
        set_default_device(meta);
        try
        {
            return new GemmaForCausalLM(config, meta);
        }
        finally
        {
            set_default_device(previous);
        }
    }

    /// <summary>The checkpoint keys of a Gemma 2/3 decoder: per layer the four norms, four projections, three MLP weights (+ q/k norm in Gemma 3).</summary>
    static IEnumerable<string> PublishedKeys(int layers, bool qkNorm)
    {
        yield return "model.embed_tokens.weight";
        for (int i = 0; i < layers; i++)
        {
            foreach (var name in new[] { "input_layernorm", "mlp.down_proj", "mlp.gate_proj", "mlp.up_proj", "post_attention_layernorm",
                         "post_feedforward_layernorm", "pre_feedforward_layernorm", "self_attn.k_proj", "self_attn.o_proj", "self_attn.q_proj", "self_attn.v_proj" })
            {
                yield return $"model.layers.{i}.{name}.weight";
            }

            if (qkNorm)
            {
                yield return $"model.layers.{i}.self_attn.k_norm.weight";
                yield return $"model.layers.{i}.self_attn.q_norm.weight";
            }
        }

        yield return "model.norm.weight";
    }

    [TestCase("gemma-2-2b-it.config.json", 2_614_341_888L, 26, false, TestName = "Gemma 2 2B has 2,614,341,888 parameters under its published key names")]
    [TestCase("gemma-3-1b-it.config.json", 999_885_952L, 26, true, TestName = "Gemma 3 1B has 999,885,952 parameters under its published key names")]
    public void The_published_config_has_the_published_parameters(string publishedConfig, long parameters, int layers, bool qkNorm)
    {
        // Given the published config, built on the meta device
        using var model = BuildOnMeta(publishedConfig);

        // When its state dict is listed
        var state = model.state_dict();

        // Then the count and the key names are the published ones (the head is tied: no lm_head.weight)
        Assert.That(state.Values.All(t => t.device_type == DeviceType.META), "nothing was allocated");
        Assert.That(state.Values.Sum(t => t.NumberOfElements), Is.EqualTo(parameters));
        Assert.That(state.Keys.Order(StringComparer.Ordinal), Is.EqualTo(PublishedKeys(layers, qkNorm).Order(StringComparer.Ordinal)));
    }

    [Test]
    public void Gemma3_1B_has_a_global_layer_every_sixth_layer_and_Gemma2_alternates()
    {
        var gemma3 = JsonSerializer.Deserialize<GemmaConfig>(File.ReadAllText(GemmaGoldens.PublishedConfig("gemma-3-1b-it.config.json")))!;
        var gemma2 = JsonSerializer.Deserialize<GemmaConfig>(File.ReadAllText(GemmaGoldens.PublishedConfig("gemma-2-2b-it.config.json")))!;

        var global3 = gemma3.LayerTypes().Select((t, i) => (t, i)).Where(x => x.t == GemmaLayerType.Global).Select(x => x.i);
        var global2 = gemma2.LayerTypes().Select((t, i) => (t, i)).Where(x => x.t == GemmaLayerType.Global).Select(x => x.i);

        Assert.That(global3, Is.EqualTo(new[] { 5, 11, 17, 23 }));
        Assert.That(global2, Is.EqualTo(Enumerable.Range(0, 13).Select(i => 2 * i + 1)));
        Assert.That((gemma3.LocalRopeTheta, gemma3.GlobalRopeTheta, gemma3.AttentionScale), Is.EqualTo((10_000.0, 1_000_000.0, 1 / 16.0)));
    }
}
