using static TorchSharp.torch;

namespace RegressionGuard.Torch.Models.Shared;

/// <summary>
/// The attention masks of one forward when some layers attend within a sliding window: T new queries at cache slots
/// past..past+T−1 over S = past + T keys. A query at slot q may attend key slot k when k ≤ q and q − k &lt; W (the
/// query itself and the W − 1 keys before it, as transformers' sliding-window causal mask). Slots differ exactly as
/// positions do (left padding shifts both), so the same rule holds for scoring and for generation with a KV cache.
/// The caller's padding mask (B, 1, T, S), if any, is combined in. Built lazily once per window size.
/// </summary>
public sealed class SlidingWindowMasks
{
    readonly Tensor? _mask;
    readonly long _t, _past;
    readonly Device _device;
    readonly Dictionary<int, Tensor?> _byWindow = new();

    public SlidingWindowMasks(Tensor? mask, long t, long past, Device device)
    {
        _mask = mask;
        _t = t;
        _past = past;
        _device = device;
    }

    /// <summary>The mask for a layer with window <paramref name="window"/> (null: the caller's mask unchanged).</summary>
    public Tensor? For(int? window)
    {
        if (window is not int w || _past + _t <= w)
        {
            return _mask; // no query can see a key more than W − 1 slots back
        }

        if (!_byWindow.TryGetValue(w, out var combined))
        {
            long s = _past + _t;
            var q = arange(_past, s, dtype: ScalarType.Int64, device: _device).view(_t, 1); // (T, 1) query slots
            var k = arange(0, s, dtype: ScalarType.Int64, device: _device).view(1, s);      // (1, S) key slots
            var allowed = k.le(q).logical_and(q.sub(k).lt(w)).view(1, 1, _t, s);             // (1, 1, T, S)
            combined = _mask is null ? allowed : _mask.logical_and(allowed);                 // (B, 1, T, S)
            _byWindow[w] = combined;
        }

        return combined;
    }
}
