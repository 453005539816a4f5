using NUnit.Framework;
using RegressionGuard.Testing;

namespace RegressionGuard.Core.Tests.Testing;

[TestFixture]
public sealed class ReferenceForwardTests
{
    static readonly int[] Tokens = [5, 17, 3, 90, 42, 5];

    [TestCase(false)]
    [TestCase(true)]
    public void Llama_with_zeroed_block_outputs_is_head_of_normed_embedding(bool tied)
    {
        var spec = new LlamaSpec { NumLayers = 1, TieWordEmbeddings = tied };
        var w = TinyModels.CreateWeights(spec, seed: 11);
        Zero(w, "model.layers.0.self_attn.o_proj.weight");
        Zero(w, "model.layers.0.mlp.down_proj.weight");

        var logits = ReferenceForward.Logits(spec, w, Tokens);

        var embed = w["model.embed_tokens.weight"].data;
        var head = tied ? embed : w["lm_head.weight"].data;
        var norm = w["model.norm.weight"].data;
        int d = spec.HiddenSize, v = spec.VocabSize;
        for (var t = 0; t < Tokens.Length; t++)
        {
            var e = embed.AsSpan(Tokens[t] * d, d).ToArray().Select(x => (double)x).ToArray();
            var rms = Math.Sqrt(e.Sum(x => x * x) / d + spec.RmsNormEps);
            for (var j = 0; j < v; j++)
            {
                var expected = 0.0;
                for (var i = 0; i < d; i++)
                {
                    expected += head[j * d + i] * (e[i] / rms * norm[i]);
                }

                Assert.That(logits[t, j], Is.EqualTo(expected).Within(1e-5), $"t={t} j={j}");
            }
        }
    }

    [Test]
    public void Llama_zero_queries_average_the_values_of_the_kv_head_of_each_group()
    {
        // q_proj = 0 makes every score 0, so attention is the mean of v over positions 0..t (RoPE does not touch v).
        // o_proj = identity and down_proj = 0 leave x_t = e_t + concat_h mean_s v_s[kv head h / (H/KVH)].
        var spec = new LlamaSpec { NumLayers = 1, NumHeads = 4, NumKeyValueHeads = 2, HiddenSize = 32 };
        var w = TinyModels.CreateWeights(spec, seed: 12);
        Zero(w, "model.layers.0.self_attn.q_proj.weight");
        Zero(w, "model.layers.0.mlp.down_proj.weight");
        var o = w["model.layers.0.self_attn.o_proj.weight"].data;
        Array.Clear(o);
        for (var i = 0; i < 32; i++)
        {
            o[i * 32 + i] = 1;
        }

        var logits = ReferenceForward.Logits(spec, w, Tokens);

        var embed = w["model.embed_tokens.weight"].data;
        var wv = w["model.layers.0.self_attn.v_proj.weight"].data;
        var inNorm = w["model.layers.0.input_layernorm.weight"].data;
        var values = Tokens.Select(tok => MatVec(wv, 16, 32, RmsNorm(Embedding(embed, tok, 32), inNorm, spec.RmsNormEps))).ToArray();
        for (var t = 0; t < Tokens.Length; t++)
        {
            var x = Embedding(embed, Tokens[t], 32);
            for (var h = 0; h < 4; h++)
            {
                var kvHead = h / 2;
                for (var j = 0; j < 8; j++)
                {
                    x[h * 8 + j] += Enumerable.Range(0, t + 1).Average(s => values[s][kvHead * 8 + j]);
                }
            }
            var expected = MatVec(w["lm_head.weight"].data, spec.VocabSize, 32, RmsNorm(x, w["model.norm.weight"].data, spec.RmsNormEps));
            for (var j = 0; j < spec.VocabSize; j++)
            {
                Assert.That(logits[t, j], Is.EqualTo(expected[j]).Within(1e-5), $"t={t} j={j}");
            }
        }
    }

    [Test]
    public void Gpt2_with_zeroed_block_outputs_is_tied_head_of_final_layer_norm()
    {
        var spec = new Gpt2Spec { NumLayers = 1 };
        var w = TinyModels.CreateWeights(spec, seed: 13);
        foreach (var name in new[] { "attn.c_proj.weight", "attn.c_proj.bias", "mlp.c_proj.weight", "mlp.c_proj.bias" })
        {
            Zero(w, "transformer.h.0." + name);
        }

        var logits = ReferenceForward.Logits(spec, w, Tokens);

        var wte = w["transformer.wte.weight"].data;
        var wpe = w["transformer.wpe.weight"].data;
        var g = w["transformer.ln_f.weight"].data;
        var b = w["transformer.ln_f.bias"].data;
        for (var t = 0; t < Tokens.Length; t++)
        {
            var x = Enumerable.Range(0, 32).Select(i => (double)wte[Tokens[t] * 32 + i] + wpe[t * 32 + i]).ToArray();
            var mean = x.Average();
            var variance = x.Average(a => (a - mean) * (a - mean));
            var normed = x.Select((a, i) => (a - mean) / Math.Sqrt(variance + 1e-5) * g[i] + b[i]).ToArray();
            var expected = MatVec(wte, spec.VocabSize, 32, normed);
            for (var j = 0; j < spec.VocabSize; j++)
            {
                Assert.That(logits[t, j], Is.EqualTo(expected[j]).Within(1e-5), $"t={t} j={j}");
            }
        }
    }

    [Test]
    public void Gpt2_gelu_new_matches_known_values()
    {
        Assert.That(ReferenceForward.GeluNew(0), Is.Zero);
        Assert.That(ReferenceForward.GeluNew(1), Is.EqualTo(0.8411919906).Within(1e-9));
        Assert.That(ReferenceForward.GeluNew(-1), Is.EqualTo(-0.1588080094).Within(1e-9));
    }

    [Test]
    public void Rope_at_position_zero_is_identity_and_rotates_half_pairs()
    {
        var inv = new[] { 1.0, 0.1 };
        var x = new[] { 1.0, 2.0, 3.0, 4.0 };
        ReferenceForward.ApplyRope(x, 0, 4, 0, inv);
        Assert.That(x, Is.EqualTo(new[] { 1.0, 2.0, 3.0, 4.0 }));

        // Pairs are (0,2) and (1,3): rotate_half, not interleaved.
        ReferenceForward.ApplyRope(x, 0, 4, 2, inv);
        Assert.That(x[0], Is.EqualTo(1 * Math.Cos(2) - 3 * Math.Sin(2)).Within(1e-12));
        Assert.That(x[2], Is.EqualTo(3 * Math.Cos(2) + 1 * Math.Sin(2)).Within(1e-12));
        Assert.That(x[1], Is.EqualTo(2 * Math.Cos(0.2) - 4 * Math.Sin(0.2)).Within(1e-12));
        Assert.That(x[3], Is.EqualTo(4 * Math.Cos(0.2) + 2 * Math.Sin(0.2)).Within(1e-12));

        var plain = ReferenceForward.RopeInverseFrequencies(new LlamaSpec { HiddenSize = 16, NumHeads = 4, RopeTheta = 100 });
        Assert.That(plain, Is.EqualTo(inv).Within(1e-15));
    }

    [Test]
    public void Rope_scores_depend_only_on_relative_position()
    {
        var inv = ReferenceForward.RopeInverseFrequencies(new LlamaSpec());
        var rng = new Random(1);
        var q = Enumerable.Range(0, 8).Select(_ => rng.NextDouble() - 0.5).ToArray();
        var k = Enumerable.Range(0, 8).Select(_ => rng.NextDouble() - 0.5).ToArray();
        double Score(int qPos, int kPos)
        {
            var (a, b) = ((double[])q.Clone(), (double[])k.Clone());
            ReferenceForward.ApplyRope(a, 0, 8, qPos, inv);
            ReferenceForward.ApplyRope(b, 0, 8, kPos, inv);
            return a.Zip(b, (x, y) => x * y).Sum();
        }
        Assert.That(Score(7, 3), Is.EqualTo(Score(12, 8)).Within(1e-12));
        Assert.That(Score(7, 3), Is.Not.EqualTo(Score(7, 4)).Within(1e-6));
    }

    [Test]
    public void Llama3_rope_scaling_keeps_smooths_and_divides()
    {
        // hd = 8, theta = 1e4: inv = 1, 0.1, 0.01, 0.001, wavelengths 2π·{1, 10, 100, 1000}; thresholds 1024/4 and 1024/1.
        var spec = new LlamaSpec { RopeScaling = new Llama3RopeScaling() };
        var inv = ReferenceForward.RopeInverseFrequencies(spec);
        var smooth = (1024 / (2 * Math.PI * 100) - 1) / 3;
        Assert.That(inv[0], Is.EqualTo(1.0).Within(1e-15));
        Assert.That(inv[1], Is.EqualTo(0.1).Within(1e-15));
        Assert.That(inv[2], Is.EqualTo((1 - smooth) * 0.01 / 8 + smooth * 0.01).Within(1e-15));
        Assert.That(inv[2], Is.EqualTo(0.0030868).Within(1e-7));
        Assert.That(inv[3], Is.EqualTo(0.001 / 8).Within(1e-15));

        var w = TinyModels.CreateWeights(spec);
        var scaled = ReferenceForward.Logits(spec, w, Tokens);
        var plain = ReferenceForward.Logits(spec with { RopeScaling = null }, w, Tokens);
        Assert.That(Row(scaled, 0), Is.EqualTo(Row(plain, 0)), "position 0 is unaffected by RoPE");
        Assert.That(Row(scaled, 5), Is.Not.EqualTo(Row(plain, 5)));
    }

    [Test]
    public void Grouped_query_attention_equals_full_attention_with_repeated_kv_heads()
    {
        var gqa = new LlamaSpec { NumHeads = 4, NumKeyValueHeads = 2, QkvBias = true };
        var mha = gqa with { NumKeyValueHeads = 4 };
        var w = TinyModels.CreateWeights(gqa, seed: 21);
        var repeated = new Dictionary<string, (float[] data, int[] shape)>(w);
        const int hd = 8, d = 32;
        foreach (var (name, (data, _)) in w)
        {
            if (!name.Contains("k_proj", StringComparison.Ordinal) && !name.Contains("v_proj", StringComparison.Ordinal))
            {
                continue;
            }

            var rowLength = name.EndsWith(".bias", StringComparison.Ordinal) ? 1 : d;
            var expanded = new float[4 * hd * rowLength];
            for (var head = 0; head < 4; head++)
            {
                Array.Copy(data, head / 2 * hd * rowLength, expanded, head * hd * rowLength, hd * rowLength);
            }

            repeated[name] = (expanded, rowLength == 1 ? [4 * hd] : [4 * hd, d]);
        }
        var a = ReferenceForward.Logits(gqa, w, Tokens);
        var b = ReferenceForward.Logits(mha, repeated, Tokens);
        for (var t = 0; t < Tokens.Length; t++)
        {
            Assert.That(Row(a, t), Is.EqualTo(Row(b, t)).Within(1e-5), $"t={t}");
        }
    }

    [TestCase(false)]
    [TestCase(true)]
    public void Logits_are_causal_and_vary_across_the_vocabulary(bool gpt2)
    {
        TinyModelSpec spec = gpt2 ? new Gpt2Spec() : new LlamaSpec { QkvBias = true };
        var w = TinyModels.CreateWeights(spec, seed: 31);
        var full = ReferenceForward.Logits(spec, w, Tokens);
        var prefix = ReferenceForward.Logits(spec, w, Tokens[..3]);
        for (var t = 0; t < 3; t++)
        {
            Assert.That(Row(prefix, t), Is.EqualTo(Row(full, t)), $"t={t}");
        }

        // Token 5 appears at positions 0 and 5: different context, different logits.
        Assert.That(Row(full, 5), Is.Not.EqualTo(Row(full, 0)).Within(1e-3));
        var last = Row(full, 5);
        var mean = last.Average();
        var spread = Math.Sqrt(last.Average(x => (x - mean) * (x - mean)));
        Assert.That(spread, Is.GreaterThan(0.2), "random weights should give clearly different logits");
    }

    [Test]
    public void Bf16_stored_weights_change_logits_slightly()
    {
        var spec = new LlamaSpec();
        var w = TinyModels.CreateWeights(spec, seed: 41);
        var exact = ReferenceForward.Logits(spec, w, Tokens);
        var rounded = ReferenceForward.Logits(spec, SafetensorsTestWriter.RoundAll(w, StorageDType.BF16), Tokens);
        var maxDiff = 0.0;
        for (var t = 0; t < Tokens.Length; t++)
        {
            for (var j = 0; j < spec.VocabSize; j++)
            {
                maxDiff = Math.Max(maxDiff, Math.Abs(exact[t, j] - rounded[t, j]));
            }
        }

        Assert.That(maxDiff, Is.GreaterThan(1e-5).And.LessThan(0.1));
    }

    [Test]
    public void Bad_inputs_are_rejected()
    {
        var spec = new Gpt2Spec { NumPositions = 4 };
        var w = TinyModels.CreateWeights(spec);
        Assert.Throws<ArgumentException>(() => ReferenceForward.Logits(spec, w, [1, 2, 3, 4, 5]));
        Assert.Throws<ArgumentOutOfRangeException>(() => ReferenceForward.Logits(spec, w, [96]));
        Assert.Throws<ArgumentException>(() => ReferenceForward.Logits(spec, w, []));
        w.Remove("transformer.ln_f.bias");
        Assert.Throws<KeyNotFoundException>(() => ReferenceForward.Logits(spec, w, [1]));
    }

    static void Zero(Dictionary<string, (float[] data, int[] shape)> w, string name) => Array.Clear(w[name].data);

    static double[] Embedding(float[] embed, int token, int d) => Enumerable.Range(0, d).Select(i => (double)embed[token * d + i]).ToArray();

    static double[] RmsNorm(double[] x, float[] weight, double eps)
    {
        var rms = Math.Sqrt(x.Average(a => a * a) + eps);
        return x.Select((a, i) => a / rms * weight[i]).ToArray();
    }

    static double[] MatVec(float[] m, int rows, int cols, double[] x) =>
        Enumerable.Range(0, rows).Select(r => Enumerable.Range(0, cols).Sum(c => m[r * cols + c] * x[c])).ToArray();

    static float[] Row(float[,] m, int row) => Enumerable.Range(0, m.GetLength(1)).Select(j => m[row, j]).ToArray();
}
