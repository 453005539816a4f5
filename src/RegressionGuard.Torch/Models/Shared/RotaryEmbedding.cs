using static TorchSharp.torch;

namespace RegressionGuard.Torch.Models.Shared;

/// <summary>Llama-3 style frequency rescaling (config.json "rope_scaling" with rope_type "llama3").</summary>
public sealed record Llama3RopeScaling(double Factor, double LowFreqFactor, double HighFreqFactor, int OriginalMaxPositionEmbeddings);

/// <summary>
/// Rotary position embedding in the Hugging Face convention: dimension j is paired with j + hd/2 ("rotate half"),
/// inv_freq_j = θ^(−2j/hd). Cos/sin tables for every position up to the context length are built once.
/// </summary>
public sealed class RotaryEmbedding : IDisposable
{
    readonly Tensor _cos; // (maxPos, hd) fp32
    readonly Tensor _sin; // (maxPos, hd) fp32

    public RotaryEmbedding(int headDim, int maxPositions, double theta, Llama3RopeScaling? scaling, Device? device = null)
    {
        var invFreq = new double[headDim / 2];
        for (int j = 0; j < invFreq.Length; j++)
        {
            invFreq[j] = Math.Pow(theta, -2.0 * j / headDim);
            if (scaling is not null) invFreq[j] = Rescale(invFreq[j], scaling);
        }
        var cos = new float[maxPositions * headDim];
        var sin = new float[maxPositions * headDim];
        for (int p = 0; p < maxPositions; p++)
            for (int j = 0; j < invFreq.Length; j++)
            {
                double angle = p * invFreq[j];
                float c = (float)Math.Cos(angle), s = (float)Math.Sin(angle);
                cos[p * headDim + j] = cos[p * headDim + j + headDim / 2] = c;
                sin[p * headDim + j] = sin[p * headDim + j + headDim / 2] = s;
            }
        _cos = tensor(cos, new long[] { maxPositions, headDim }, device: device);
        _sin = tensor(sin, new long[] { maxPositions, headDim }, device: device);
    }

    static double Rescale(double invFreq, Llama3RopeScaling s)
    {
        double wavelen = 2 * Math.PI / invFreq;
        double lowFreqWavelen = s.OriginalMaxPositionEmbeddings / s.LowFreqFactor;
        double highFreqWavelen = s.OriginalMaxPositionEmbeddings / s.HighFreqFactor;
        if (wavelen < highFreqWavelen) return invFreq;
        if (wavelen > lowFreqWavelen) return invFreq / s.Factor;
        double smooth = (s.OriginalMaxPositionEmbeddings / wavelen - s.LowFreqFactor) / (s.HighFreqFactor - s.LowFreqFactor);
        return (1 - smooth) * invFreq / s.Factor + smooth * invFreq;
    }

    /// <summary>Cos and sin for (B, T) positions as (B, 1, T, hd) in <paramref name="dtype"/>, ready to broadcast over heads.</summary>
    public (Tensor Cos, Tensor Sin) For(Tensor positions, ScalarType dtype)
    {
        var cos = _cos.index_select(0, positions.flatten()).view(positions.shape[0], 1, positions.shape[1], -1);
        var sin = _sin.index_select(0, positions.flatten()).view(positions.shape[0], 1, positions.shape[1], -1);
        return (cos.to_type(dtype), sin.to_type(dtype));
    }

    /// <summary>x·cos + rotate_half(x)·sin for x (B, H, T, hd).</summary>
    public static Tensor Apply(Tensor x, Tensor cos, Tensor sin)
    {
        long half = x.shape[^1] / 2;
        var x1 = x.narrow(-1, 0, half);
        var x2 = x.narrow(-1, half, half);
        var rotated = cat(new[] { x2.neg(), x1 }, -1);
        return x * cos + rotated * sin;
    }

    public void Dispose()
    {
        _cos.Dispose();
        _sin.Dispose();
    }
}
