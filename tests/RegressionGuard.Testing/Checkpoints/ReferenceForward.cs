namespace RegressionGuard.Testing;

/// <summary>
/// A deliberately plain forward pass (explicit loops, double arithmetic, no tensor library) for the tiny models of
/// <see cref="TinyModels"/>, to check the product's TorchSharp implementations against. One sequence, positions
/// 0..T-1, causal attention, processed token by token with a per-layer key/value cache.
/// Weights are taken as given: pass the dictionary the writer returned so BF16/F16 rounding is accounted for.
/// All arithmetic is in double, so compare against an fp32 implementation with a tolerance (~1e-4 relative).
/// </summary>
public static class ReferenceForward
{
    /// <summary>Logits [T, V] for <paramref name="tokenIds"/> (length T ≥ 1, each in [0, V)).</summary>
    public static float[,] Logits(TinyModelSpec spec, IReadOnlyDictionary<string, (float[] data, int[] shape)> weights, int[] tokenIds) =>
        spec switch
        {
            LlamaSpec llama => Logits(llama, weights, tokenIds),
            Gpt2Spec gpt2 => Logits(gpt2, weights, tokenIds),
            _ => throw new NotSupportedException(spec.GetType().Name),
        };

    /// <summary>Llama/Qwen2 logits [T, V] (see <see cref="TinyModels.CreateLlamaWeights"/> for the tensor names).</summary>
    public static float[,] Logits(LlamaSpec spec, IReadOnlyDictionary<string, (float[] data, int[] shape)> weights, int[] tokenIds)
    {
        spec.Validate();
        int t = CheckTokens(spec, tokenIds), v = spec.VocabSize, d = spec.HiddenSize, hd = spec.HeadDim;
        int heads = spec.NumHeads, kvHeads = spec.NumKeyValueHeads, group = heads / kvHeads, inner = spec.IntermediateSize;
        var w = new Weights(weights);
        var embed = w.Get("model.embed_tokens.weight", v, d);
        var head = spec.TieWordEmbeddings ? embed : w.Get("lm_head.weight", v, d);
        var finalNorm = w.Get("model.norm.weight", d);
        var invFreq = RopeInverseFrequencies(spec);

        var layers = new LlamaLayer[spec.NumLayers];
        for (var i = 0; i < layers.Length; i++)
        {
            var p = $"model.layers.{i}.";
            layers[i] = new LlamaLayer(
                w.Get(p + "input_layernorm.weight", d),
                w.Get(p + "self_attn.q_proj.weight", heads * hd, d),
                spec.QkvBias ? w.Get(p + "self_attn.q_proj.bias", heads * hd) : null,
                w.Get(p + "self_attn.k_proj.weight", kvHeads * hd, d),
                spec.QkvBias ? w.Get(p + "self_attn.k_proj.bias", kvHeads * hd) : null,
                w.Get(p + "self_attn.v_proj.weight", kvHeads * hd, d),
                spec.QkvBias ? w.Get(p + "self_attn.v_proj.bias", kvHeads * hd) : null,
                w.Get(p + "self_attn.o_proj.weight", d, heads * hd),
                w.Get(p + "post_attention_layernorm.weight", d),
                w.Get(p + "mlp.gate_proj.weight", inner, d),
                w.Get(p + "mlp.up_proj.weight", inner, d),
                w.Get(p + "mlp.down_proj.weight", d, inner),
                new double[t][], new double[t][]);
        }

        var logits = new float[t, v];
        for (var pos = 0; pos < t; pos++)
        {
            // x [D] = embedding row of the token
            var x = Row(embed, tokenIds[pos], d);
            foreach (var layer in layers)
            {
                // attention: h = rmsnorm(x); q [H·hd], k/v [KVH·hd]; RoPE on every q and k head
                var h = RmsNorm(x, layer.InputNorm, spec.RmsNormEps);
                var q = Linear(layer.Q, layer.QBias, h, heads * hd, d);
                var k = Linear(layer.K, layer.KBias, h, kvHeads * hd, d);
                var val = Linear(layer.V, layer.VBias, h, kvHeads * hd, d);
                for (var hh = 0; hh < heads; hh++)
                {
                    ApplyRope(q, hh * hd, hd, pos, invFreq);
                }

                for (var hh = 0; hh < kvHeads; hh++)
                {
                    ApplyRope(k, hh * hd, hd, pos, invFreq);
                }

                layer.KeyCache[pos] = k;
                layer.ValueCache[pos] = val;

                // per query head: softmax over positions 0..pos of q·k / sqrt(hd), kv head = head / group
                var attended = new double[heads * hd];
                for (var hh = 0; hh < heads; hh++)
                {
                    Attend(q, hh * hd, layer.KeyCache, layer.ValueCache, (hh / group) * hd, hd, pos, attended, hh * hd);
                }

                Add(x, Linear(layer.O, null, attended, d, heads * hd));

                // MLP: down(silu(gate h2) * up h2)
                var h2 = RmsNorm(x, layer.PostNorm, spec.RmsNormEps);
                var gate = Linear(layer.Gate, null, h2, inner, d);
                var up = Linear(layer.Up, null, h2, inner, d);
                for (var j = 0; j < inner; j++)
                {
                    gate[j] = Silu(gate[j]) * up[j];
                }

                Add(x, Linear(layer.Down, null, gate, d, inner));
            }
            var final = RmsNorm(x, finalNorm, spec.RmsNormEps);
            var row = Linear(head, null, final, v, d);
            for (var j = 0; j < v; j++)
            {
                logits[pos, j] = (float)row[j];
            }
        }
        return logits;
    }

    /// <summary>GPT-2 logits [T, V] (see <see cref="TinyModels.CreateGpt2Weights"/>; Conv1D weights are [in, out]).</summary>
    public static float[,] Logits(Gpt2Spec spec, IReadOnlyDictionary<string, (float[] data, int[] shape)> weights, int[] tokenIds)
    {
        spec.Validate();
        int t = CheckTokens(spec, tokenIds), v = spec.VocabSize, d = spec.HiddenSize, hd = spec.HeadDim, heads = spec.NumHeads, inner = spec.InnerSize;
        var eps = spec.LayerNormEpsilon;
        var w = new Weights(weights);
        var wte = w.Get("transformer.wte.weight", v, d);
        var wpe = w.Get("transformer.wpe.weight", spec.NumPositions, d);

        var layers = new Gpt2Layer[spec.NumLayers];
        for (var i = 0; i < layers.Length; i++)
        {
            var p = $"transformer.h.{i}.";
            layers[i] = new Gpt2Layer(
                w.Get(p + "ln_1.weight", d), w.Get(p + "ln_1.bias", d),
                w.Get(p + "attn.c_attn.weight", d, 3 * d), w.Get(p + "attn.c_attn.bias", 3 * d),
                w.Get(p + "attn.c_proj.weight", d, d), w.Get(p + "attn.c_proj.bias", d),
                w.Get(p + "ln_2.weight", d), w.Get(p + "ln_2.bias", d),
                w.Get(p + "mlp.c_fc.weight", d, inner), w.Get(p + "mlp.c_fc.bias", inner),
                w.Get(p + "mlp.c_proj.weight", inner, d), w.Get(p + "mlp.c_proj.bias", d),
                new double[t][], new double[t][]);
        }
        var lnFWeight = w.Get("transformer.ln_f.weight", d);
        var lnFBias = w.Get("transformer.ln_f.bias", d);

        var logits = new float[t, v];
        for (var pos = 0; pos < t; pos++)
        {
            // x [D] = wte[token] + wpe[pos]
            var x = Row(wte, tokenIds[pos], d);
            Add(x, Row(wpe, pos, d));
            foreach (var layer in layers)
            {
                // qkv [3D] = ln_1(x) @ c_attn.weight[D,3D] + bias; q = [0,D), k = [D,2D), v = [2D,3D)
                var h = LayerNorm(x, layer.Ln1Weight, layer.Ln1Bias, eps);
                var qkv = Conv1D(layer.AttnWeight, layer.AttnBias, h, d, 3 * d);
                var q = qkv[..d];
                layer.KeyCache[pos] = qkv[d..(2 * d)];
                layer.ValueCache[pos] = qkv[(2 * d)..];
                var attended = new double[d];
                for (var hh = 0; hh < heads; hh++)
                {
                    Attend(q, hh * hd, layer.KeyCache, layer.ValueCache, hh * hd, hd, pos, attended, hh * hd);
                }

                Add(x, Conv1D(layer.AttnProjWeight, layer.AttnProjBias, attended, d, d));

                // MLP: c_proj(gelu_new(c_fc(ln_2(x))))
                var h2 = LayerNorm(x, layer.Ln2Weight, layer.Ln2Bias, eps);
                var fc = Conv1D(layer.FcWeight, layer.FcBias, h2, d, inner);
                for (var j = 0; j < inner; j++)
                {
                    fc[j] = GeluNew(fc[j]);
                }

                Add(x, Conv1D(layer.MlpProjWeight, layer.MlpProjBias, fc, inner, d));
            }
            var final = LayerNorm(x, lnFWeight, lnFBias, eps);
            var row = Linear(wte, null, final, v, d);
            for (var j = 0; j < v; j++)
            {
                logits[pos, j] = (float)row[j];
            }
        }
        return logits;
    }

    /// <summary>
    /// RoPE inverse frequencies [hd/2]: inv_j = theta^(-2j/hd), then the Llama-3 rule when rope_scaling is set:
    /// wavelen = 2π/inv; wavelen &lt; orig/high keeps inv; wavelen &gt; orig/low gives inv/factor; otherwise
    /// smooth = (orig/wavelen − low)/(high − low) and inv = (1 − smooth)·inv/factor + smooth·inv.
    /// </summary>
    public static double[] RopeInverseFrequencies(LlamaSpec spec)
    {
        var hd = spec.HeadDim;
        var inv = new double[hd / 2];
        for (var j = 0; j < inv.Length; j++)
        {
            inv[j] = Math.Pow(spec.RopeTheta, -2.0 * j / hd);
        }

        if (spec.RopeScaling is { } r)
        {
            double orig = r.OriginalMaxPositionEmbeddings, low = r.LowFreqFactor, high = r.HighFreqFactor;
            for (var j = 0; j < inv.Length; j++)
            {
                var wavelen = 2 * Math.PI / inv[j];
                if (wavelen < orig / high)
                {
                    continue;
                }

                if (wavelen > orig / low)
                {
                    inv[j] /= r.Factor;
                }
                else
                {
                    var smooth = (orig / wavelen - low) / (high - low);
                    inv[j] = (1 - smooth) * inv[j] / r.Factor + smooth * inv[j];
                }
            }
        }
        return inv;
    }

    /// <summary>
    /// In-place HF "rotate_half" RoPE on one head vector x[offset .. offset+hd): for j &lt; hd/2 the pair
    /// (x_j, x_{j+hd/2}) is rotated by angle pos·inv_j: (a cos − b sin, b cos + a sin).
    /// </summary>
    public static void ApplyRope(double[] x, int offset, int headDim, int position, double[] invFreq)
    {
        var half = headDim / 2;
        for (var j = 0; j < half; j++)
        {
            var angle = position * invFreq[j];
            double cos = Math.Cos(angle), sin = Math.Sin(angle);
            double a = x[offset + j], b = x[offset + j + half];
            x[offset + j] = a * cos - b * sin;
            x[offset + j + half] = b * cos + a * sin;
        }
    }

    /// <summary>x / sqrt(mean(x²) + eps) * w.</summary>
    public static double[] RmsNorm(double[] x, float[] weight, double eps)
    {
        var sumSquares = 0.0;
        foreach (var value in x)
        {
            sumSquares += value * value;
        }

        var scale = 1.0 / Math.Sqrt(sumSquares / x.Length + eps);
        var result = new double[x.Length];
        for (var i = 0; i < x.Length; i++)
        {
            result[i] = x[i] * scale * weight[i];
        }

        return result;
    }

    /// <summary>(x − mean) / sqrt(var + eps) * w + b, with the biased variance.</summary>
    public static double[] LayerNorm(double[] x, float[] weight, float[] bias, double eps)
    {
        var mean = 0.0;
        foreach (var value in x)
        {
            mean += value;
        }

        mean /= x.Length;
        var variance = 0.0;
        foreach (var value in x)
        {
            variance += (value - mean) * (value - mean);
        }

        variance /= x.Length;
        var scale = 1.0 / Math.Sqrt(variance + eps);
        var result = new double[x.Length];
        for (var i = 0; i < x.Length; i++)
        {
            result[i] = (x[i] - mean) * scale * weight[i] + bias[i];
        }

        return result;
    }

    /// <summary>gelu_new: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))).</summary>
    public static double GeluNew(double x) => 0.5 * x * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));

    /// <summary>x·sigmoid(x).</summary>
    public static double Silu(double x) => x / (1 + Math.Exp(-x));

    // One query head q[qOffset..+hd) against cached keys/values 0..pos at [kvOffset..+hd); writes into output[outOffset..+hd).
    static void Attend(double[] q, int qOffset, double[][] keys, double[][] values, int kvOffset, int hd, int pos, double[] output, int outOffset)
    {
        var scores = new double[pos + 1];
        var max = double.NegativeInfinity;
        var scale = 1.0 / Math.Sqrt(hd);
        for (var s = 0; s <= pos; s++)
        {
            var dot = 0.0;
            for (var j = 0; j < hd; j++)
            {
                dot += q[qOffset + j] * keys[s][kvOffset + j];
            }

            scores[s] = dot * scale;
            max = Math.Max(max, scores[s]);
        }
        var total = 0.0;
        for (var s = 0; s <= pos; s++)
        {
            scores[s] = Math.Exp(scores[s] - max);
            total += scores[s];
        }
        for (var s = 0; s <= pos; s++)
        {
            var p = scores[s] / total;
            for (var j = 0; j < hd; j++)
            {
                output[outOffset + j] += p * values[s][kvOffset + j];
            }
        }
    }

    // y[o] = Σ_i W[o, i] x[i] + b[o], W stored [out, in] (nn.Linear).
    static double[] Linear(float[] weight, float[]? bias, double[] x, int outFeatures, int inFeatures)
    {
        var y = new double[outFeatures];
        for (var o = 0; o < outFeatures; o++)
        {
            var sum = bias is null ? 0.0 : bias[o];
            var rowStart = o * inFeatures;
            for (var i = 0; i < inFeatures; i++)
            {
                sum += weight[rowStart + i] * x[i];
            }

            y[o] = sum;
        }
        return y;
    }

    // y[o] = Σ_i W[i, o] x[i] + b[o], W stored [in, out] (GPT-2 Conv1D).
    static double[] Conv1D(float[] weight, float[] bias, double[] x, int inFeatures, int outFeatures)
    {
        var y = new double[outFeatures];
        for (var o = 0; o < outFeatures; o++)
        {
            double sum = bias[o];
            for (var i = 0; i < inFeatures; i++)
            {
                sum += weight[i * outFeatures + o] * x[i];
            }

            y[o] = sum;
        }
        return y;
    }

    static double[] Row(float[] matrix, int row, int width)
    {
        var result = new double[width];
        for (var i = 0; i < width; i++)
        {
            result[i] = matrix[row * width + i];
        }

        return result;
    }

    static void Add(double[] x, double[] delta)
    {
        for (var i = 0; i < x.Length; i++)
        {
            x[i] += delta[i];
        }
    }

    static int CheckTokens(TinyModelSpec spec, int[] tokenIds)
    {
        ArgumentNullException.ThrowIfNull(tokenIds);
        if (tokenIds.Length == 0)
        {
            throw new ArgumentException("need at least one token", nameof(tokenIds));
        }

        if (tokenIds.Length > spec.MaxSequenceLength)
        {
            throw new ArgumentException($"{tokenIds.Length} tokens exceed the model's {spec.MaxSequenceLength} positions", nameof(tokenIds));
        }

        foreach (var id in tokenIds)
        {
            if (id < 0 || id >= spec.VocabSize)
            {
                throw new ArgumentOutOfRangeException(nameof(tokenIds), $"token {id} is outside [0, {spec.VocabSize})");
            }
        }
        return tokenIds.Length;
    }

    sealed class Weights(IReadOnlyDictionary<string, (float[] data, int[] shape)> all)
    {
        // The data of tensor `name`, after checking that its shape is exactly `shape`.
        public float[] Get(string name, params int[] shape)
        {
            if (!all.TryGetValue(name, out var tensor))
            {
                throw new KeyNotFoundException($"reference forward: missing tensor {name}");
            }

            if (!tensor.shape.SequenceEqual(shape))
            {
                throw new ArgumentException($"reference forward: {name} has shape [{string.Join(",", tensor.shape)}], expected [{string.Join(",", shape)}]");
            }

            return tensor.data;
        }
    }

    sealed record LlamaLayer(
        float[] InputNorm, float[] Q, float[]? QBias, float[] K, float[]? KBias, float[] V, float[]? VBias, float[] O,
        float[] PostNorm, float[] Gate, float[] Up, float[] Down, double[][] KeyCache, double[][] ValueCache);

    sealed record Gpt2Layer(
        float[] Ln1Weight, float[] Ln1Bias, float[] AttnWeight, float[] AttnBias, float[] AttnProjWeight, float[] AttnProjBias,
        float[] Ln2Weight, float[] Ln2Bias, float[] FcWeight, float[] FcBias, float[] MlpProjWeight, float[] MlpProjBias,
        double[][] KeyCache, double[][] ValueCache);
}
