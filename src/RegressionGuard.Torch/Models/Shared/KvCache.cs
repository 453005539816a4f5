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
    public (Tensor Keys, Tensor Values) Append(int layer, Tensor k, Tensor v) => Append(layer, k, v, k.shape[2]);

    /// <summary>
    /// As <see cref="Append(int, Tensor, Tensor)"/> with the number of new positions <paramref name="t"/> given (no
    /// shape query). The new slots are written in place with one index_copy_ per tensor; their index (a view of one
    /// arange made with the cache) is shared by every layer of the forward.
    /// </summary>
    public (Tensor Keys, Tensor Values) Append(int layer, Tensor k, Tensor v, long t)
    {
        if (Length + t > Capacity)
        {
            throw new InvalidOperationException($"KV cache full: {Length} + {t} positions exceed its capacity {Capacity}");
        }

        if (_slots is null || _slotsFrom != Length || _slotsCount != t)
        {
            _slots?.Dispose();
            _allSlots ??= arange(Capacity, dtype: ScalarType.Int64, device: _keys[0].device).DetachFromDisposeScope();
            _slots = _allSlots.narrow(0, Length, t).DetachFromDisposeScope();
            (_slotsFrom, _slotsCount) = (Length, t);
        }

        _keys[layer].index_copy_(2, _slots, k);
        _values[layer].index_copy_(2, _slots, v);
        return (_keys[layer].narrow(2, 0, Length + t), _values[layer].narrow(2, 0, Length + t));
    }

    Tensor? _allSlots;          // (capacity) int64: 0, 1, …
    Tensor? _slots;             // (t): the slots of the forward in progress
    long _slotsFrom, _slotsCount;

    /// <summary>
    /// A new cache of <paramref name="capacity"/> positions whose row i holds a copy of the first
    /// <paramref name="lengths"/>[i] positions of this cache's row <paramref name="rows"/>[i], right-aligned so that
    /// every row ends at slot max(lengths) − 1 (the new cache's <see cref="Length"/>); the slots before a shorter row
    /// are left-padding the caller masks out. Several sequences can so continue one shared, right-padded prefix.
    /// </summary>
    public KvCache Gather(Tensor rows, Tensor lengths, long capacity)
    {
        using var scope = NewDisposeScope();
        long n = rows.shape[0], length = lengths.max().item<long>();
        if (capacity < length || length > Length)
        {
            throw new ArgumentOutOfRangeException(nameof(capacity), capacity, $"a gathered cache of {length} positions (of {Length} filled) needs that much room");
        }

        var k0 = _keys[0];
        long kvHeads = k0.shape[1], headDim = k0.shape[3];
        var pads = (length - lengths).view(n, 1);                                                      // (N, 1)
        var source = (arange(length, device: k0.device).view(1, length) - pads).clamp_min(0);          // (N, S): source slot of each new slot
        var index = source.view(n, 1, length, 1).expand(n, kvHeads, length, headDim);                  // (N, KVH, S, hd)
        var gathered = new KvCache(_keys.Length, n, kvHeads, capacity, headDim, k0.dtype, k0.device);
        for (int i = 0; i < _keys.Length; i++)
        {
            gathered._keys[i].narrow(2, 0, length).copy_(_keys[i].narrow(2, 0, length).index_select(0, rows).gather(2, index));
            gathered._values[i].narrow(2, 0, length).copy_(_values[i].narrow(2, 0, length).index_select(0, rows).gather(2, index));
        }

        gathered.Length = length;
        foreach (var t in gathered._keys.Concat(gathered._values))
        {
            t.DetachFromDisposeScope();
        }

        return gathered;
    }

    /// <summary>
    /// Keeps only the batch rows <paramref name="rows"/> (int64, in the order given), as a generation loop does once
    /// some sequences have finished: later steps then run on the rows still generating. Length and capacity stay.
    /// </summary>
    public void KeepRows(Tensor rows)
    {
        for (int i = 0; i < _keys.Length; i++)
        {
            var (keys, values) = (_keys[i], _values[i]);
            _keys[i] = keys.index_select(0, rows).DetachFromDisposeScope();
            _values[i] = values.index_select(0, rows).DetachFromDisposeScope();
            keys.Dispose();
            values.Dispose();
        }
    }

    /// <summary>Called by the model after all layers appended <paramref name="t"/> positions.</summary>
    public void Advance(long t) => Length += t;

    public void Dispose()
    {
        _slots?.Dispose();
        _allSlots?.Dispose();
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
