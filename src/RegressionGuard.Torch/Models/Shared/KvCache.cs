using static TorchSharp.torch;

namespace RegressionGuard.Torch.Models.Shared;

/// <summary>
/// Preallocated keys and values for every layer, (B, KVH, capacity, hd) each. The generation loop owns it and
/// disposes it; layers write the new positions in place and read the filled prefix.
/// </summary>
public sealed class KvCache : IDisposable
{
    readonly Tensor[] _keys;
    readonly Tensor[] _values;

    public KvCache(int layers, long batch, long kvHeads, long capacity, long headDim, ScalarType dtype, Device device)
    {
        Capacity = capacity;
        _keys = new Tensor[layers];
        _values = new Tensor[layers];
        for (int i = 0; i < layers; i++)
        {
            _keys[i] = zeros(new[] { batch, kvHeads, capacity, headDim }, dtype, device);
            _values[i] = zeros(new[] { batch, kvHeads, capacity, headDim }, dtype, device);
        }
    }

    public long Capacity { get; }

    /// <summary>Number of positions already stored (the same for every layer once a forward finishes).</summary>
    public long Length { get; private set; }

    /// <summary>Stores k, v (B, KVH, T, hd) of <paramref name="layer"/> after the filled prefix and returns views of the whole filled range.</summary>
    public (Tensor Keys, Tensor Values) Append(int layer, Tensor k, Tensor v)
    {
        long t = k.shape[2];
        if (Length + t > Capacity)
        {
            throw new InvalidOperationException($"KV cache full: {Length} + {t} positions exceed its capacity {Capacity}");
        }

        _keys[layer].narrow(2, Length, t).copy_(k);
        _values[layer].narrow(2, Length, t).copy_(v);
        return (_keys[layer].narrow(2, 0, Length + t), _values[layer].narrow(2, 0, Length + t));
    }

    /// <summary>Called by the model after all layers appended <paramref name="t"/> positions.</summary>
    public void Advance(long t) => Length += t;

    public void Dispose()
    {
        foreach (var t in _keys)
        {
            t.Dispose();
        }

        foreach (var t in _values)
        {
            t.Dispose();
        }
    }
}
