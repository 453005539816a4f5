using static TorchSharp.torch;

namespace RegressionGuard.Torch.Models.Shared;

/// <summary>
/// Rotary position embedding in the Hugging Face convention: within the first <c>rotaryDim</c> dimensions of a head,
/// dimension j is paired with j + rotaryDim/2 ("rotate half"), inv_freq_j = θ^(−2j/rotaryDim), rescaled as
/// <see cref="RopeScaling"/> says; the remaining dimensions (partial rotary, Phi-3/4) pass through unchanged.
/// Cos/sin tables for every position up to the context length are built once (twice for longrope: short and long).
/// </summary>
public sealed class RotaryEmbedding : IDisposable
{
    readonly int _headDim, _rotaryDim, _maxPositions;
    readonly double _theta;
    readonly RopeScaling? _scaling;
    readonly Device? _device;
    readonly Tensor _cos; // (maxPos, hd) fp32
    readonly Tensor _sin; // (maxPos, hd) fp32
    readonly Lazy<(Tensor Cos, Tensor Sin)> _long; // longrope past original_max_position_embeddings
    readonly Tensor _rotateHalf; // (hd, hd): x @ R == cat(-x2, x1, 0), exact (one ±1 per rotated column)
    readonly Dictionary<ScalarType, Tensor> _rotateHalfByType = new();

    public RotaryEmbedding(int headDim, int maxPositions, double theta, RopeScaling? scaling, Device? device = null, int? rotaryDim = null)
    {
        _headDim = headDim;
        _rotaryDim = rotaryDim ?? headDim;
        _maxPositions = maxPositions;
        _theta = theta;
        _scaling = scaling;
        _device = device;
        (_cos, _sin) = Tables(RopeScaling.InverseFrequencies(scaling, _rotaryDim, theta, maxPositions, 1), 0, maxPositions);
        _long = new Lazy<(Tensor, Tensor)>(() =>
        {
            var (c, s) = Tables(RopeScaling.InverseFrequencies(scaling, _rotaryDim, theta, maxPositions, long.MaxValue), 0, maxPositions);
            return (c.DetachFromDisposeScope(), s.DetachFromDisposeScope()); // first built inside a forward's scope, kept for the model's life
        });

        var r = new float[headDim * headDim];
        int half = _rotaryDim / 2;
        for (int j = 0; j < half; j++)
        {
            r[(j + half) * headDim + j] = -1; // out[j] = -x[j + rd/2]
            r[j * headDim + j + half] = 1;    // out[j + rd/2] = x[j]
        }
        _rotateHalf = tensor(r, new long[] { headDim, headDim }, device: device);
    }

    /// <summary>Rows of the cos/sin tables computed per managed block: a 32k-position table never exists twice in memory.</summary>
    const long BlockRows = 1024;

    /// <summary>
    /// Cos and sin (count, hd) for positions first..first+count−1: rotated dimensions scaled by the attention factor, the
    /// rest cos 1, sin 0. Filled block by block so that loading a long-context model (Gemma 3: two 32k tables) does not
    /// hold a managed copy of each table beside it.
    /// </summary>
    (Tensor Cos, Tensor Sin) Tables(double[] invFreq, long first, long count)
    {
        int hd = _headDim, half = _rotaryDim / 2;
        float scale = (float)(_scaling?.CosSinScale ?? 1);
        var cosTable = empty(new long[] { count, hd }, ScalarType.Float32, device: _device);
        var sinTable = empty(new long[] { count, hd }, ScalarType.Float32, device: _device);
        if (cosTable.device_type == TorchSharp.DeviceType.META)
        {
            return (cosTable, sinTable); // a structure-only model: shapes, no values
        }

        for (long start = 0; start < count; start += BlockRows)
        {
            long rows = Math.Min(BlockRows, count - start);
            var cos = new float[rows * hd];
            var sin = new float[rows * hd];
            for (long i = 0; i < rows; i++)
            {
                long p = first + start + i;
                for (int j = 0; j < half; j++)
                {
                    double angle = p * invFreq[j];
                    float c = (float)Math.Cos(angle), s = (float)Math.Sin(angle);
                    if (scale != 1)
                    {
                        c *= scale;
                        s *= scale;
                    }

                    cos[i * hd + j] = cos[i * hd + j + half] = c;
                    sin[i * hd + j] = sin[i * hd + j + half] = s;
                }

                for (int j = _rotaryDim; j < hd; j++)
                {
                    cos[i * hd + j] = 1;
                }
            }

            using var cosBlock = tensor(cos, new long[] { rows, hd }, device: cosTable.device);
            using var sinBlock = tensor(sin, new long[] { rows, hd }, device: sinTable.device);
            using var cosRows = cosTable.narrow(0, start, rows);
            using var sinRows = sinTable.narrow(0, start, rows);
            cosRows.copy_(cosBlock);
            sinRows.copy_(sinBlock);
        }

        return (cosTable, sinTable);
    }

    /// <summary>Cos, sin for (B, T) positions as (B, 1, T, hd) and the rotate-half matrix, all in <paramref name="dtype"/>.</summary>
    public RotaryTables For(Tensor positions, ScalarType dtype)
    {
        var (cosTable, sinTable) = TablesFor(positions);
        var cos = cosTable.index_select(0, positions.flatten()).view(positions.shape[0], 1, positions.shape[1], -1);
        var sin = sinTable.index_select(0, positions.flatten()).view(positions.shape[0], 1, positions.shape[1], -1);
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

    /// <summary>
    /// For one position per row, (B, 1) positions → (B, hd, hd) matrices M = diag(cos) + R·diag(sin) in
    /// <paramref name="dtype"/>, so that a row's heads x (B, n, hd) rotate as one batched matmul x·M, equal to
    /// <see cref="Apply"/> (each output column holds one cos and at most one ±sin, the other products are exact zeros).
    /// </summary>
    public Tensor StepMatrices(Tensor positions, ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        var (cosTable, sinTable) = TablesFor(positions);
        var rows = positions.view(-1);                                                          // (B)
        var cos = cosTable.index_select(0, rows);                                              // (B, hd)
        var sin = sinTable.index_select(0, rows).unsqueeze(1);                                 // (B, 1, hd)
        var m = addcmul(diag_embed(cos), _rotateHalf, sin, 1);                                  // (B, hd, hd)
        return (dtype == ScalarType.Float32 ? m : m.to_type(dtype)).MoveToOuterDisposeScope();
    }

    (Tensor Cos, Tensor Sin) TablesFor(Tensor positions)
    {
        if (_scaling is { Type: RopeType.Dynamic or RopeType.LongRope })
        {
            long sequenceLength = positions.max().item<long>() + 1; // as transformers: the forward's largest position + 1
            if (_scaling.Type == RopeType.LongRope && sequenceLength > _scaling.OriginalMaxPositionEmbeddings)
            {
                return _long.Value;
            }

            if (_scaling.Type == RopeType.Dynamic && sequenceLength > _maxPositions)
            {
                return Tables(RopeScaling.InverseFrequencies(_scaling, _rotaryDim, _theta, _maxPositions, sequenceLength), 0, sequenceLength);
            }
        }

        return (_cos, _sin);
    }

    /// <summary>x·cos + rotate_half(x)·sin for x (B, H, T, hd); rotate_half as one matmul keeps the op count low for decoding.</summary>
    public static Tensor Apply(Tensor x, RotaryTables tables) =>
        addcmul(x * tables.Cos, x.matmul(tables.RotateHalf), tables.Sin, 1);

    public void Dispose()
    {
        _cos.Dispose();
        _sin.Dispose();
        if (_long.IsValueCreated)
        {
            _long.Value.Cos.Dispose();
            _long.Value.Sin.Dispose();
        }

        _rotateHalf.Dispose();
        foreach (var t in _rotateHalfByType.Values)
        {
            t.Dispose();
        }
    }
}

/// <summary>Per-forward rotary tables: Cos, Sin (B, 1, T, hd) and the (hd, hd) rotate-half matrix.</summary>
public readonly record struct RotaryTables(Tensor Cos, Tensor Sin, Tensor RotateHalf);
