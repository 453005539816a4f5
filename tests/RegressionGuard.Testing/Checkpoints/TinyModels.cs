using System.Globalization;
using System.Text.Json;

namespace RegressionGuard.Testing;

/// <summary>A tiny Hugging Face folder written by <see cref="TinyModels.WriteHfFolder(string, TinyModelSpec, StorageDType, int, int)"/>.</summary>
/// <param name="Directory">The folder (config.json + model.safetensors, or shards + index).</param>
/// <param name="Spec">What was written.</param>
/// <param name="DType">How the weights were stored.</param>
/// <param name="Weights">The weights as stored (rounded to <paramref name="DType"/>): feed these to <see cref="ReferenceForward"/>.</param>
public sealed record TinyCheckpoint(
    string Directory,
    TinyModelSpec Spec,
    StorageDType DType,
    IReadOnlyDictionary<string, (float[] data, int[] shape)> Weights);

/// <summary>
/// Random tiny Llama/Qwen2/GPT-2 checkpoints with Hugging Face tensor names and config keys.
/// Matrices and embeddings are uniform in ±scale (default 0.2, large enough that logits differ clearly between tokens),
/// biases uniform in ±scale/2, norm weights uniform in 1 ± 0.1 (LayerNorm biases ±0.1).
/// All randomness comes from one seeded <see cref="Random"/>, so a (spec, seed) pair always gives the same weights.
/// </summary>
public static class TinyModels
{
    public const double DefaultScale = 0.2;

    /// <summary>Random weights for <paramref name="spec"/> (Llama/Qwen2 or GPT-2), in HF state-dict order.</summary>
    public static Dictionary<string, (float[] data, int[] shape)> CreateWeights(TinyModelSpec spec, int seed = 1234, double scale = DefaultScale) =>
        spec switch
        {
            LlamaSpec llama => CreateLlamaWeights(llama, seed, scale),
            Gpt2Spec gpt2 => CreateGpt2Weights(gpt2, seed, scale),
            _ => throw new NotSupportedException(spec.GetType().Name),
        };

    /// <summary>
    /// Llama tensors: model.embed_tokens.weight [V,D]; per layer i: model.layers.{i}.self_attn.{q,k,v,o}_proj.weight
    /// ([H·hd,D], [KVH·hd,D], [KVH·hd,D], [D,H·hd]), with QkvBias also {q,k,v}_proj.bias ([H·hd], [KVH·hd], [KVH·hd]),
    /// mlp.{gate,up,down}_proj.weight ([I,D], [I,D], [D,I]), input_layernorm.weight [D], post_attention_layernorm.weight [D];
    /// model.norm.weight [D]; lm_head.weight [V,D] unless tied.
    /// </summary>
    public static Dictionary<string, (float[] data, int[] shape)> CreateLlamaWeights(LlamaSpec spec, int seed = 1234, double scale = DefaultScale)
    {
        spec.Validate();
        var rng = new Random(seed);
        int v = spec.VocabSize, d = spec.HiddenSize, hd = spec.HeadDim, q = spec.NumHeads * hd, kv = spec.NumKeyValueHeads * hd, inner = spec.IntermediateSize;
        var w = new Dictionary<string, (float[] data, int[] shape)>(StringComparer.Ordinal)
        {
            ["model.embed_tokens.weight"] = Uniform(rng, scale, v, d),
        };
        for (var i = 0; i < spec.NumLayers; i++)
        {
            var p = $"model.layers.{i}.";
            w[p + "self_attn.q_proj.weight"] = Uniform(rng, scale, q, d);
            if (spec.QkvBias)
            {
                w[p + "self_attn.q_proj.bias"] = Uniform(rng, scale / 2, q);
            }

            w[p + "self_attn.k_proj.weight"] = Uniform(rng, scale, kv, d);
            if (spec.QkvBias)
            {
                w[p + "self_attn.k_proj.bias"] = Uniform(rng, scale / 2, kv);
            }

            w[p + "self_attn.v_proj.weight"] = Uniform(rng, scale, kv, d);
            if (spec.QkvBias)
            {
                w[p + "self_attn.v_proj.bias"] = Uniform(rng, scale / 2, kv);
            }

            w[p + "self_attn.o_proj.weight"] = Uniform(rng, scale, d, q);
            w[p + "mlp.gate_proj.weight"] = Uniform(rng, scale, inner, d);
            w[p + "mlp.up_proj.weight"] = Uniform(rng, scale, inner, d);
            w[p + "mlp.down_proj.weight"] = Uniform(rng, scale, d, inner);
            w[p + "input_layernorm.weight"] = AroundOne(rng, d);
            w[p + "post_attention_layernorm.weight"] = AroundOne(rng, d);
        }
        w["model.norm.weight"] = AroundOne(rng, d);
        if (!spec.TieWordEmbeddings)
        {
            w["lm_head.weight"] = Uniform(rng, scale, v, d);
        }

        return w;
    }

    /// <summary>
    /// GPT-2 tensors (HF GPT2LMHeadModel names, Conv1D weights stored in×out): transformer.wte.weight [V,D],
    /// transformer.wpe.weight [P,D]; per layer i: transformer.h.{i}.ln_1.{weight,bias} [D],
    /// attn.c_attn.weight [D,3D] + bias [3D], attn.c_proj.weight [D,D] + bias [D], ln_2.{weight,bias} [D],
    /// mlp.c_fc.weight [D,4D] + bias [4D], mlp.c_proj.weight [4D,D] + bias [D]; transformer.ln_f.{weight,bias} [D].
    /// No lm_head.weight (tied to wte, as HF's safetensors save drops the shared tensor).
    /// </summary>
    public static Dictionary<string, (float[] data, int[] shape)> CreateGpt2Weights(Gpt2Spec spec, int seed = 1234, double scale = DefaultScale)
    {
        spec.Validate();
        var rng = new Random(seed);
        int v = spec.VocabSize, d = spec.HiddenSize, inner = spec.InnerSize;
        var w = new Dictionary<string, (float[] data, int[] shape)>(StringComparer.Ordinal)
        {
            ["transformer.wte.weight"] = Uniform(rng, scale, v, d),
            ["transformer.wpe.weight"] = Uniform(rng, scale, spec.NumPositions, d),
        };
        for (var i = 0; i < spec.NumLayers; i++)
        {
            var p = $"transformer.h.{i}.";
            w[p + "ln_1.weight"] = AroundOne(rng, d);
            w[p + "ln_1.bias"] = Uniform(rng, 0.1, d);
            w[p + "attn.c_attn.weight"] = Uniform(rng, scale, d, 3 * d);
            w[p + "attn.c_attn.bias"] = Uniform(rng, scale / 2, 3 * d);
            w[p + "attn.c_proj.weight"] = Uniform(rng, scale, d, d);
            w[p + "attn.c_proj.bias"] = Uniform(rng, scale / 2, d);
            w[p + "ln_2.weight"] = AroundOne(rng, d);
            w[p + "ln_2.bias"] = Uniform(rng, 0.1, d);
            w[p + "mlp.c_fc.weight"] = Uniform(rng, scale, d, inner);
            w[p + "mlp.c_fc.bias"] = Uniform(rng, scale / 2, inner);
            w[p + "mlp.c_proj.weight"] = Uniform(rng, scale, inner, d);
            w[p + "mlp.c_proj.bias"] = Uniform(rng, scale / 2, d);
        }
        w["transformer.ln_f.weight"] = AroundOne(rng, d);
        w["transformer.ln_f.bias"] = Uniform(rng, 0.1, d);
        return w;
    }

    /// <summary>
    /// The config.json text for <paramref name="spec"/>, with the keys HF's LlamaConfig / Qwen2Config / GPT2Config
    /// save (snake_case; floats written Python-style, e.g. 10000.0 and 1e-05); torch_dtype from <paramref name="dtype"/>.
    /// </summary>
    public static string ConfigJson(TinyModelSpec spec, StorageDType dtype = StorageDType.F32)
    {
        spec.Validate();
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            switch (spec)
            {
                case LlamaSpec llama:
                    WriteLlamaConfig(json, llama, dtype);
                    break;
                case Gpt2Spec gpt2:
                    WriteGpt2Config(json, gpt2, dtype);
                    break;
                default:
                    throw new NotSupportedException(spec.GetType().Name);
            }
            json.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }

    /// <summary>
    /// Creates random weights for <paramref name="spec"/> from <paramref name="seed"/> and writes a HF folder into
    /// <paramref name="dir"/>: config.json plus model.safetensors (<paramref name="shards"/> = 1) or
    /// k = <paramref name="shards"/> files model-0000i-of-0000k.safetensors with model.safetensors.index.json.
    /// </summary>
    public static TinyCheckpoint WriteHfFolder(string dir, TinyModelSpec spec, StorageDType dtype = StorageDType.F32, int shards = 1, int seed = 1234) =>
        WriteHfFolder(dir, spec, CreateWeights(spec, seed), dtype, shards);

    /// <summary>As above, with given <paramref name="weights"/> (e.g. edited for a test); returns the weights as stored.</summary>
    public static TinyCheckpoint WriteHfFolder(
        string dir, TinyModelSpec spec, IReadOnlyDictionary<string, (float[] data, int[] shape)> weights, StorageDType dtype = StorageDType.F32, int shards = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(shards, 1);
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "config.json"), ConfigJson(spec, dtype));
        var stored = shards == 1
            ? SafetensorsTestWriter.Write(Path.Combine(dir, SafetensorsTestWriter.SingleFileName), weights, dtype)
            : SafetensorsTestWriter.WriteSharded(dir, weights, shards, dtype);
        return new TinyCheckpoint(dir, spec, dtype, stored);
    }

    static void WriteLlamaConfig(Utf8JsonWriter json, LlamaSpec s, StorageDType dtype)
    {
        var qwen2 = s.QkvBias;
        json.WriteStartArray("architectures");
        json.WriteStringValue(qwen2 ? "Qwen2ForCausalLM" : "LlamaForCausalLM");
        json.WriteEndArray();
        if (!qwen2)
        {
            json.WriteBoolean("attention_bias", false);
        }

        Float(json, "attention_dropout", 0.0);
        json.WriteNumber("bos_token_id", s.BosTokenId);
        json.WriteNumber("eos_token_id", s.EosTokenId);
        if (!qwen2)
        {
            json.WriteNumber("head_dim", s.HeadDim);
        }

        json.WriteString("hidden_act", "silu");
        json.WriteNumber("hidden_size", s.HiddenSize);
        Float(json, "initializer_range", 0.02);
        json.WriteNumber("intermediate_size", s.IntermediateSize);
        json.WriteNumber("max_position_embeddings", s.MaxPositionEmbeddings);
        if (qwen2)
        {
            json.WriteNumber("max_window_layers", s.NumLayers);
        }
        else
        {
            json.WriteBoolean("mlp_bias", false);
        }

        json.WriteString("model_type", qwen2 ? "qwen2" : "llama");
        json.WriteNumber("num_attention_heads", s.NumHeads);
        json.WriteNumber("num_hidden_layers", s.NumLayers);
        json.WriteNumber("num_key_value_heads", s.NumKeyValueHeads);
        if (!qwen2)
        {
            json.WriteNumber("pretraining_tp", 1);
        }

        Float(json, "rms_norm_eps", s.RmsNormEps);
        if (s.RopeScaling is { } r)
        {
            json.WriteStartObject("rope_scaling");
            Float(json, "factor", r.Factor);
            Float(json, "high_freq_factor", r.HighFreqFactor);
            Float(json, "low_freq_factor", r.LowFreqFactor);
            json.WriteNumber("original_max_position_embeddings", r.OriginalMaxPositionEmbeddings);
            json.WriteString("rope_type", "llama3");
            json.WriteEndObject();
        }
        else
        {
            json.WriteNull("rope_scaling");
        }
        Float(json, "rope_theta", s.RopeTheta);
        if (qwen2)
        {
            json.WriteNumber("sliding_window", s.MaxPositionEmbeddings);
        }

        json.WriteBoolean("tie_word_embeddings", s.TieWordEmbeddings);
        json.WriteString("torch_dtype", SafetensorsTestWriter.TorchDTypeName(dtype));
        json.WriteString("transformers_version", "4.46.0");
        json.WriteBoolean("use_cache", true);
        if (qwen2)
        {
            json.WriteBoolean("use_sliding_window", false);
        }

        json.WriteNumber("vocab_size", s.VocabSize);
    }

    static void WriteGpt2Config(Utf8JsonWriter json, Gpt2Spec s, StorageDType dtype)
    {
        json.WriteString("activation_function", "gelu_new");
        json.WriteStartArray("architectures");
        json.WriteStringValue("GPT2LMHeadModel");
        json.WriteEndArray();
        Float(json, "attn_pdrop", 0.1);
        json.WriteNumber("bos_token_id", s.BosTokenId);
        Float(json, "embd_pdrop", 0.1);
        json.WriteNumber("eos_token_id", s.EosTokenId);
        Float(json, "initializer_range", 0.02);
        Float(json, "layer_norm_epsilon", s.LayerNormEpsilon);
        json.WriteString("model_type", "gpt2");
        json.WriteNumber("n_ctx", s.NumPositions);
        json.WriteNumber("n_embd", s.HiddenSize);
        json.WriteNumber("n_head", s.NumHeads);
        json.WriteNull("n_inner");
        json.WriteNumber("n_layer", s.NumLayers);
        json.WriteNumber("n_positions", s.NumPositions);
        json.WriteBoolean("reorder_and_upcast_attn", false);
        Float(json, "resid_pdrop", 0.1);
        json.WriteBoolean("scale_attn_by_inverse_layer_idx", false);
        json.WriteBoolean("scale_attn_weights", true);
        json.WriteBoolean("tie_word_embeddings", true);
        json.WriteString("torch_dtype", SafetensorsTestWriter.TorchDTypeName(dtype));
        json.WriteString("transformers_version", "4.46.0");
        json.WriteBoolean("use_cache", true);
        json.WriteNumber("vocab_size", s.VocabSize);
    }

    /// <summary>Writes a double the way Python's json does: 10000.0, 0.02, 1e-05.</summary>
    static void Float(Utf8JsonWriter json, string name, double value)
    {
        if (!double.IsFinite(value))
        {
            throw new ArgumentOutOfRangeException(nameof(value), "config floats must be finite");
        }

        var text = value.ToString("R", CultureInfo.InvariantCulture).Replace("E", "e", StringComparison.Ordinal);
        if (!text.Contains('.', StringComparison.Ordinal) && !text.Contains('e', StringComparison.Ordinal))
        {
            text += ".0";
        }

        json.WritePropertyName(name);
        json.WriteRawValue(text);
    }

    static (float[] data, int[] shape) Uniform(Random rng, double scale, params int[] shape)
    {
        var data = new float[shape.Aggregate(1, (a, b) => a * b)];
        for (var i = 0; i < data.Length; i++)
        {
            data[i] = (float)((2 * rng.NextDouble() - 1) * scale);
        }

        return (data, shape);
    }

    static (float[] data, int[] shape) AroundOne(Random rng, int size)
    {
        var data = new float[size];
        for (var i = 0; i < data.Length; i++)
        {
            data[i] = (float)(1 + (2 * rng.NextDouble() - 1) * 0.1);
        }

        return (data, [size]);
    }
}
