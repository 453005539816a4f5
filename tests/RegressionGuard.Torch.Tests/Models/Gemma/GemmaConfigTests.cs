using System.Text.Json;
using RegressionGuard.Testing;
using RegressionGuard.Torch.Checkpoints;
using RegressionGuard.Torch.Models.Gemma;
using RegressionGuard.Torch.Models.Shared;
using RegressionGuard.Torch.Runtime;

namespace RegressionGuard.Torch.Tests.Models.Gemma;

/// <summary>Gemma config.json files load as published; keys and values that would change the numbers are errors naming them.</summary>
public sealed class GemmaConfigTests
{
    static CheckpointException LoadFails(string golden, Action<Dictionary<string, JsonElement>> edit)
    {
        using var dir = new TempFolder();
        var folder = GemmaGoldens.CopyTo(golden, dir.Path, edit);
        return Assert.Throws<CheckpointException>(() => ModelLoader.Load(folder).Dispose())!;
    }

    static JsonElement Json(string json) => JsonDocument.Parse(json).RootElement.Clone();

    [Test]
    public void Unknown_keys_that_may_change_the_numbers_are_an_error_naming_them()
    {
        // Given a Gemma 3 config with Gemma 3n keys our runtime does not implement
        var e = LoadFails(GemmaGoldens.Gemma3, config =>
        {
            config["altup_num_inputs"] = Json("4");
            config["laurel_rank"] = Json("64");
        });

        // Then loading stops and says which keys and why
        Assert.That(e.Message, Does.Contain("config.json: invalid config: unknown key(s) 'altup_num_inputs', 'laurel_rank'"));
        Assert.That(e.Message, Does.Contain("may change the numbers"));
    }

    [Test]
    public void Unsupported_values_are_reported_together()
    {
        var e = LoadFails(GemmaGoldens.Gemma3, config =>
        {
            config["use_bidirectional_attention"] = Json("true");
            config["hidden_activation"] = Json("\"silu\"");
            config["rope_scaling"] = Json("{\"rope_type\": \"ntk-by-parts\", \"factor\": 4.0}");
            config["layer_types"] = Json("[\"sliding_attention\", \"chunked_attention\"]");
        });

        Assert.That(e.Message, Does.Contain("'use_bidirectional_attention' is true"));
        Assert.That(e.Message, Does.Contain("'hidden_activation' is 'silu'; supported: gelu_pytorch_tanh, gelu_new, gelu"));
        Assert.That(e.Message, Does.Contain("'rope_scaling.rope_type' is 'ntk-by-parts'; supported: default, linear, dynamic, yarn, longrope, llama3"));
        Assert.That(e.Message, Does.Contain("'layer_types' has 2 entries but 'num_hidden_layers' is 7"));
        Assert.That(e.Message, Does.Contain("'layer_types' has 'chunked_attention'; supported: sliding_attention, full_attention"));
    }

    [Test]
    public void Gemma2_rejects_rope_scaling_which_its_transformers_code_does_not_apply()
    {
        var e = LoadFails(GemmaGoldens.Gemma2, config => config["rope_scaling"] = Json("{\"rope_type\": \"linear\", \"factor\": 2.0}"));

        Assert.That(e.Message, Does.Contain("'rope_scaling' {\"rope_type\":\"linear\",\"factor\":2.0} is not supported for Gemma2ForCausalLM"));
    }

    [Test]
    public void A_config_without_architectures_is_found_by_its_model_type()
    {
        using var dir = new TempFolder();
        var folder = GemmaGoldens.CopyTo(GemmaGoldens.Gemma3, dir.Path, config => config.Remove("architectures"));

        using var model = ModelLoader.Load(folder);

        Assert.That(model.Transformer.Architecture, Is.EqualTo("Gemma3ForCausalLM"));
    }

    [Test]
    public void Rope_parameters_per_layer_type_set_each_layer_types_base_and_scaling()
    {
        var config = JsonSerializer.Deserialize<GemmaConfig>("""
            {"architectures": ["Gemma3ForCausalLM"], "rope_theta": 5.0, "rope_local_base_freq": 7.0, "max_position_embeddings": 64, "head_dim": 8,
             "rope_parameters": {"full_attention": {"rope_type": "linear", "factor": 4.0, "rope_theta": 12345.0},
                                 "sliding_attention": {"rope_type": "default", "rope_theta": 678.0}}}
            """)!;

        var global = config.Rope(GemmaLayerType.Global);
        var sliding = config.Rope(GemmaLayerType.Sliding);

        Assert.That((global.Theta, global.Scaling?.Type, global.Scaling?.Factor), Is.EqualTo((12345.0, (RopeType?)RopeType.Linear, (double?)4.0)));
        Assert.That((sliding.Theta, sliding.Scaling), Is.EqualTo((678.0, (RopeScaling?)null)));
    }

    [Test]
    public void Unknown_rope_parameters_keys_are_errors_naming_where_they_are()
    {
        var e = LoadFails(GemmaGoldens.Gemma3, config => config["rope_parameters"] = Json("""
            {"full_attention": {"rope_type": "yarn", "factor": 2.0, "mscale": 1.0, "rope_theta": 1000000.0},
             "sliding_attention": {"rope_type": "default", "rope_theta": 10000.0, "partial_rotary_factor": 0.5}}
            """));

        Assert.That(e.Message, Does.Contain("'rope_parameters.full_attention' for rope_type 'yarn' has key(s) that would change the numbers and are not supported: mscale"));
        Assert.That(e.Message, Does.Contain("'rope_parameters.sliding_attention' for rope_type 'default' has key(s) that would change the numbers and are not supported: partial_rotary_factor"));
    }
}
