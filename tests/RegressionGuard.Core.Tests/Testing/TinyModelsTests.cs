using System.Text.Json;
using NUnit.Framework;
using RegressionGuard.Testing;

namespace RegressionGuard.Core.Tests.Testing;

[TestFixture]
public sealed class TinyModelsTests
{
    [Test]
    public void Llama_config_has_hugging_face_keys()
    {
        var spec = new LlamaSpec { RopeScaling = new Llama3RopeScaling { OriginalMaxPositionEmbeddings = 64 } };
        var text = TinyModels.ConfigJson(spec, StorageDType.BF16);
        using var doc = JsonDocument.Parse(text);
        var c = doc.RootElement;
        Assert.Multiple(() =>
        {
            Assert.That(c.GetProperty("architectures")[0].GetString(), Is.EqualTo("LlamaForCausalLM"));
            Assert.That(c.GetProperty("model_type").GetString(), Is.EqualTo("llama"));
            Assert.That(c.GetProperty("vocab_size").GetInt32(), Is.EqualTo(spec.VocabSize));
            Assert.That(c.GetProperty("hidden_size").GetInt32(), Is.EqualTo(spec.HiddenSize));
            Assert.That(c.GetProperty("intermediate_size").GetInt32(), Is.EqualTo(spec.IntermediateSize));
            Assert.That(c.GetProperty("num_hidden_layers").GetInt32(), Is.EqualTo(spec.NumLayers));
            Assert.That(c.GetProperty("num_attention_heads").GetInt32(), Is.EqualTo(spec.NumHeads));
            Assert.That(c.GetProperty("num_key_value_heads").GetInt32(), Is.EqualTo(spec.NumKeyValueHeads));
            Assert.That(c.GetProperty("max_position_embeddings").GetInt32(), Is.EqualTo(spec.MaxPositionEmbeddings));
            Assert.That(c.GetProperty("rms_norm_eps").GetDouble(), Is.EqualTo(1e-5));
            Assert.That(c.GetProperty("rope_theta").GetDouble(), Is.EqualTo(10000.0));
            Assert.That(c.GetProperty("tie_word_embeddings").GetBoolean(), Is.False);
            Assert.That(c.GetProperty("attention_bias").GetBoolean(), Is.False);
            Assert.That(c.GetProperty("torch_dtype").GetString(), Is.EqualTo("bfloat16"));
            var r = c.GetProperty("rope_scaling");
            Assert.That(r.GetProperty("rope_type").GetString(), Is.EqualTo("llama3"));
            Assert.That(r.GetProperty("factor").GetDouble(), Is.EqualTo(8.0));
            Assert.That(r.GetProperty("low_freq_factor").GetDouble(), Is.EqualTo(1.0));
            Assert.That(r.GetProperty("high_freq_factor").GetDouble(), Is.EqualTo(4.0));
            Assert.That(r.GetProperty("original_max_position_embeddings").GetInt32(), Is.EqualTo(64));
            // Floats as Python writes them.
            Assert.That(text, Does.Contain("\"rope_theta\": 10000.0"));
            Assert.That(text, Does.Contain("\"rms_norm_eps\": 1e-05"));
        });
        Assert.That(JsonDocument.Parse(TinyModels.ConfigJson(new LlamaSpec())).RootElement.GetProperty("rope_scaling").ValueKind, Is.EqualTo(JsonValueKind.Null));
    }

    [Test]
    public void Qkv_bias_writes_a_qwen2_config_and_bias_tensors()
    {
        var spec = new LlamaSpec { QkvBias = true, TieWordEmbeddings = true };
        using var doc = JsonDocument.Parse(TinyModels.ConfigJson(spec));
        Assert.That(doc.RootElement.GetProperty("architectures")[0].GetString(), Is.EqualTo("Qwen2ForCausalLM"));
        Assert.That(doc.RootElement.GetProperty("model_type").GetString(), Is.EqualTo("qwen2"));
        Assert.That(doc.RootElement.GetProperty("tie_word_embeddings").GetBoolean(), Is.True);

        var w = TinyModels.CreateWeights(spec);
        Assert.That(w["model.layers.1.self_attn.q_proj.bias"].shape, Is.EqualTo(new[] { 32 }));
        Assert.That(w["model.layers.1.self_attn.k_proj.bias"].shape, Is.EqualTo(new[] { 16 }));
        Assert.That(w["model.layers.1.self_attn.v_proj.bias"].shape, Is.EqualTo(new[] { 16 }));
        Assert.That(w.ContainsKey("model.layers.1.self_attn.o_proj.bias"), Is.False);
        Assert.That(w.ContainsKey("lm_head.weight"), Is.False);
    }

    [Test]
    public void Llama_tensors_have_hugging_face_names_and_shapes()
    {
        var w = TinyModels.CreateWeights(new LlamaSpec { NumLayers = 1 });
        var expected = new Dictionary<string, int[]>
        {
            ["model.embed_tokens.weight"] = [96, 32],
            ["model.layers.0.input_layernorm.weight"] = [32],
            ["model.layers.0.self_attn.q_proj.weight"] = [32, 32],
            ["model.layers.0.self_attn.k_proj.weight"] = [16, 32],
            ["model.layers.0.self_attn.v_proj.weight"] = [16, 32],
            ["model.layers.0.self_attn.o_proj.weight"] = [32, 32],
            ["model.layers.0.post_attention_layernorm.weight"] = [32],
            ["model.layers.0.mlp.gate_proj.weight"] = [64, 32],
            ["model.layers.0.mlp.up_proj.weight"] = [64, 32],
            ["model.layers.0.mlp.down_proj.weight"] = [32, 64],
            ["model.norm.weight"] = [32],
            ["lm_head.weight"] = [96, 32],
        };
        Assert.That(w.Keys, Is.EquivalentTo(expected.Keys));
        foreach (var (name, shape) in expected)
        {
            Assert.That(w[name].shape, Is.EqualTo(shape), name);
        }

        Assert.That(w["model.norm.weight"].data, Is.All.InRange(0.9f, 1.1f));
        Assert.That(w["lm_head.weight"].data, Is.All.InRange(-0.2f, 0.2f));
    }

    [Test]
    public void Gpt2_config_and_tensors_follow_hugging_face()
    {
        var spec = new Gpt2Spec { NumLayers = 1 };
        using var doc = JsonDocument.Parse(TinyModels.ConfigJson(spec));
        var c = doc.RootElement;
        Assert.Multiple(() =>
        {
            Assert.That(c.GetProperty("architectures")[0].GetString(), Is.EqualTo("GPT2LMHeadModel"));
            Assert.That(c.GetProperty("model_type").GetString(), Is.EqualTo("gpt2"));
            Assert.That(c.GetProperty("vocab_size").GetInt32(), Is.EqualTo(96));
            Assert.That(c.GetProperty("n_positions").GetInt32(), Is.EqualTo(64));
            Assert.That(c.GetProperty("n_embd").GetInt32(), Is.EqualTo(32));
            Assert.That(c.GetProperty("n_layer").GetInt32(), Is.EqualTo(1));
            Assert.That(c.GetProperty("n_head").GetInt32(), Is.EqualTo(4));
            Assert.That(c.GetProperty("layer_norm_epsilon").GetDouble(), Is.EqualTo(1e-5));
            Assert.That(c.GetProperty("activation_function").GetString(), Is.EqualTo("gelu_new"));
            Assert.That(c.GetProperty("tie_word_embeddings").GetBoolean(), Is.True);
            Assert.That(c.GetProperty("bos_token_id").GetInt32(), Is.Zero);
        });

        var w = TinyModels.CreateWeights(spec);
        var expected = new Dictionary<string, int[]>
        {
            ["transformer.wte.weight"] = [96, 32],
            ["transformer.wpe.weight"] = [64, 32],
            ["transformer.h.0.ln_1.weight"] = [32],
            ["transformer.h.0.ln_1.bias"] = [32],
            ["transformer.h.0.attn.c_attn.weight"] = [32, 96],
            ["transformer.h.0.attn.c_attn.bias"] = [96],
            ["transformer.h.0.attn.c_proj.weight"] = [32, 32],
            ["transformer.h.0.attn.c_proj.bias"] = [32],
            ["transformer.h.0.ln_2.weight"] = [32],
            ["transformer.h.0.ln_2.bias"] = [32],
            ["transformer.h.0.mlp.c_fc.weight"] = [32, 128],
            ["transformer.h.0.mlp.c_fc.bias"] = [128],
            ["transformer.h.0.mlp.c_proj.weight"] = [128, 32],
            ["transformer.h.0.mlp.c_proj.bias"] = [32],
            ["transformer.ln_f.weight"] = [32],
            ["transformer.ln_f.bias"] = [32],
        };
        Assert.That(w.Keys, Is.EquivalentTo(expected.Keys));
        foreach (var (name, shape) in expected)
        {
            Assert.That(w[name].shape, Is.EqualTo(shape), name);
        }
    }

    [Test]
    public void Same_seed_gives_same_weights_and_other_seed_differs()
    {
        var a = TinyModels.CreateWeights(new Gpt2Spec(), seed: 3);
        var b = TinyModels.CreateWeights(new Gpt2Spec(), seed: 3);
        var c = TinyModels.CreateWeights(new Gpt2Spec(), seed: 4);
        Assert.That(a["transformer.h.1.mlp.c_fc.weight"].data, Is.EqualTo(b["transformer.h.1.mlp.c_fc.weight"].data));
        Assert.That(a["transformer.h.1.mlp.c_fc.weight"].data, Is.Not.EqualTo(c["transformer.h.1.mlp.c_fc.weight"].data));
    }

    [TestCase(StorageDType.F32, 1)]
    [TestCase(StorageDType.BF16, 1)]
    [TestCase(StorageDType.F16, 2)]
    public void Hf_folder_holds_config_and_the_returned_stored_weights(StorageDType dtype, int shards)
    {
        using var temp = new TempFolder();
        var checkpoint = TinyModels.WriteHfFolder(temp.Path, new LlamaSpec { TieWordEmbeddings = true }, dtype, shards, seed: 5);
        Assert.That(File.Exists(temp.File("config.json")), Is.True);
        Assert.That(File.Exists(temp.File(SafetensorsTestWriter.SingleFileName)), Is.EqualTo(shards == 1));
        Assert.That(File.Exists(temp.File(SafetensorsTestWriter.IndexFileName)), Is.EqualTo(shards > 1));

        var read = SafetensorsTestReader.ReadFolder(temp.Path);
        Assert.That(read.Keys, Is.EquivalentTo(checkpoint.Weights.Keys));
        foreach (var (name, (data, shape)) in checkpoint.Weights)
        {
            Assert.That(read[name].data, Is.EqualTo(data), name);
            Assert.That(read[name].shape, Is.EqualTo(shape), name);
        }
        var original = TinyModels.CreateWeights(checkpoint.Spec, seed: 5)["model.norm.weight"].data;
        var stored = checkpoint.Weights["model.norm.weight"].data;
        if (dtype == StorageDType.F32)
        {
            Assert.That(stored, Is.EqualTo(original));
        }
        else
        {
            Assert.That(stored, Is.Not.EqualTo(original).And.EqualTo(original.Select(x => SafetensorsTestWriter.Round(x, dtype))));
        }
    }
}
