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
    readonly Tensor _rotateHalf; // (hd, hd): x @ R == cat(-x2, x1), exact (one ±1 per column)
    readonly Dictionary<ScalarType, Tensor> _rotateHalfByType = new();

    public RotaryEmbedding(int headDim, int maxPositions, double theta, Llama3RopeScaling? scaling, Device? device = null)
    {
        var invFreq = new double[headDim / 2];
        for (int j = 0; j < invFreq.Length; j++)
        {
            invFreq[j] = Math.Pow(theta, -2.0 * j / headDim);
            if (scaling is not null)
            {
                invFreq[j] = Rescale(invFreq[j], scaling);
            }
        }
        var cos = new float[maxPositions * headDim];
        var sin = new float[maxPositions * headDim];
        for (int p = 0; p < maxPositions; p++)
        {
            for (int j = 0; j < invFreq.Length; j++)
            {
                double angle = p * invFreq[j];
                float c = (float)Math.Cos(angle), s = (float)Math.Sin(angle);
                cos[p * headDim + j] = cos[p * headDim + j + headDim / 2] = c;
                sin[p * headDim + j] = sin[p * headDim + j + headDim / 2] = s;
            }
        }

        _cos = tensor(cos, new long[] { maxPositions, headDim }, device: device);
        _sin = tensor(sin, new long[] { maxPositions, headDim }, device: device);
        var r = new float[headDim * headDim];
        int half = headDim / 2;
        for (int j = 0; j < half; j++)
        {
            r[(j + half) * headDim + j] = -1; // out[j] = -x[j + hd/2]
            r[j * headDim + j + half] = 1;    // out[j + hd/2] = x[j]
        }
        _rotateHalf = tensor(r, new long[] { headDim, headDim }, device: device);
    }

    static double Rescale(double invFreq, Llama3RopeScaling s)
    {
        double wavelen = 2 * Math.PI / invFreq;
        double lowFreqWavelen = s.OriginalMaxPositionEmbeddings / s.LowFreqFactor;
        double highFreqWavelen = s.OriginalMaxPositionEmbeddings / s.HighFreqFactor;
        if (wavelen < highFreqWavelen)
        {
            return invFreq;
        }

        if (wavelen > lowFreqWavelen)
        {
            return invFreq / s.Factor;
        }

        double smooth = (s.OriginalMaxPositionEmbeddings / wavelen - s.LowFreqFactor) / (s.HighFreqFactor - s.LowFreqFactor);
        return (1 - smooth) * invFreq / s.Factor + smooth * invFreq;
    }

    /// <summary>Cos, sin for (B, T) positions as (B, 1, T, hd) and the rotate-half matrix, all in <paramref name="dtype"/>.</summary>
    public RotaryTables For(Tensor positions, ScalarType dtype)
    {
        var cos = _cos.index_select(0, positions.flatten()).view(positions.shape[0], 1, positions.shape[1], -1);
        var sin = _sin.index_select(0, positions.flatten()).view(positions.shape[0], 1, positions.shape[1], -1);
        Tensor rotate;
        lock (_rotateHalfByType)
        {
            if (!_rotateHalfByType.TryGetValue(dtype, out rotate!))
            {
                _rotateHalfByType[dtype] = rotate = _rotateHalf.to_type(dtype).DetachFromDisposeScope();
            }
        }
        return dtype == ScalarType.Float32 ? new RotaryTables(cos, sin, rotate) : new RotaryTables(cos.to_type(dtype), sin.to_type(dtype), rotate);
    }

    /// <summary>x·cos + rotate_half(x)·sin for x (B, H, T, hd); rotate_half as one matmul keeps the op count low for decoding.</summary>
    public static Tensor Apply(Tensor x, RotaryTables tables) =>
        addcmul(x * tables.Cos, x.matmul(tables.RotateHalf), tables.Sin, 1);

    public void Dispose()
    {
        _cos.Dispose();
        _sin.Dispose();
        _rotateHalf.Dispose();
        foreach (var t in _rotateHalfByType.Values)
        {
            t.Dispose();
        }
    }
}

/// <summary>Per-forward rotary tables: Cos, Sin (B, 1, T, hd) and the (hd, hd) rotate-half matrix.</summary>
public readonly record struct RotaryTables(Tensor Cos, Tensor Sin, Tensor RotateHalf);
