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

    /// <summary>
    /// A new cache of <paramref name="capacity"/> (≥ <see cref="Length"/>) positions whose row i holds a copy of this
    /// cache's filled prefix of row <paramref name="rows"/>[i], so several sequences can continue one shared prefix.
    /// </summary>
    public KvCache Gather(Tensor rows, long capacity)
    {
        if (capacity < Length)
        {
            throw new ArgumentOutOfRangeException(nameof(capacity), capacity, $"a gathered cache needs room for the {Length} filled positions");
        }

        var k0 = _keys[0];
        var gathered = new KvCache(_keys.Length, rows.shape[0], k0.shape[1], capacity, k0.shape[3], k0.dtype, k0.device);
        for (int i = 0; i < _keys.Length; i++)
        {
            using var scope = NewDisposeScope();
            gathered._keys[i].narrow(2, 0, Length).copy_(_keys[i].narrow(2, 0, Length).index_select(0, rows));
            gathered._values[i].narrow(2, 0, Length).copy_(_values[i].narrow(2, 0, Length).index_select(0, rows));
        }

        gathered.Length = Length;
        return gathered;
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
