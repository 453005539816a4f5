using RegressionGuard.Randomness;
namespace RegressionGuard.Training.Methods;

/// <summary>
/// The experience-replay memory of I-LoRA (Ren et al. 2024): a fixed-capacity uniform sample of every example seen
/// so far, kept by reservoir sampling, from which a batch of earlier examples is drawn alongside each current batch.
/// </summary>
/// <remarks>
/// Rules:
/// <list type="bullet">
/// <item>Keeping (Vitter's Algorithm R): the n-th example added (n = <see cref="Seen"/> after adding it) fills the next
/// free slot while n ≤ <see cref="Capacity"/>; after that a uniform j in 0..n−1 is drawn and the example replaces
/// slot j when j &lt; <see cref="Capacity"/>, and is dropped otherwise. After any number of additions every example
/// seen is in the buffer with the same probability, min(1, capacity / n).</item>
/// <item>Sampling (<see cref="Sample"/>): without replacement, uniformly, in random order, like the public I-LoRA code
/// (which asks for as many replayed examples as the current batch holds). A request for more than
/// <see cref="Count"/> items returns all <see cref="Count"/> of them (in random order); an empty buffer returns none.</item>
/// <item>Randomness: two <see cref="SplitMix64"/> streams, one for keeping (seeded with the seed) and one for sampling
/// (seeded with the seed XOR 0x5DEECE66D), so how often and how much is sampled never changes which examples are
/// kept. The same seed and the same calls give the same contents and samples on every .NET version.</item>
/// <item>The buffer holds references and never copies or disposes items: store plain data (token ids), not tensors
/// owned by a dispose scope.</item>
/// </list>
/// Default capacity 500, as in the public code. Not thread-safe.
/// </remarks>
/// <typeparam name="T">The example type.</typeparam>
public sealed class ReplayBuffer<T>
{
    /// <summary>The buffer size of the public I-LoRA code.</summary>
    public const int DefaultCapacity = 500;

    const long SamplingSeedMask = 0x5DEECE66D;

    readonly List<T> _items;
    readonly SplitMix64 _keepRandom;
    readonly SplitMix64 _sampleRandom;

    /// <summary>An empty buffer of <paramref name="capacity"/> slots whose random choices are fixed by <paramref name="seed"/>.</summary>
    public ReplayBuffer(int capacity = DefaultCapacity, long seed = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Capacity = capacity;
        _items = new List<T>(Math.Min(capacity, 4096));
        _keepRandom = new SplitMix64(seed);
        _sampleRandom = new SplitMix64(seed ^ SamplingSeedMask);
    }

    /// <summary>The most examples the buffer keeps.</summary>
    public int Capacity { get; }

    /// <summary>How many examples the buffer holds now: min(<see cref="Seen"/>, <see cref="Capacity"/>).</summary>
    public int Count => _items.Count;

    /// <summary>How many examples have been offered with <see cref="Add"/>.</summary>
    public long Seen { get; private set; }

    /// <summary>The kept examples, by slot.</summary>
    public IReadOnlyList<T> Items => _items;

    /// <summary>Offers one example to the reservoir (kept or not by Algorithm R).</summary>
    public void Add(T item)
    {
        Seen++;
        if (_items.Count < Capacity)
        {
            _items.Add(item);
            return;
        }
        var slot = _keepRandom.NextInt(Seen);
        if (slot < Capacity)
        {
            _items[(int)slot] = item;
        }
    }

    /// <summary>Offers each of <paramref name="items"/> in turn.</summary>
    public void AddRange(IEnumerable<T> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        foreach (var item in items)
        {
            Add(item);
        }
    }

    /// <summary>min(<paramref name="count"/>, <see cref="Count"/>) distinct kept examples, drawn uniformly without replacement, in random order.</summary>
    public IReadOnlyList<T> Sample(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        return _sampleRandom.SampleIndices(_items.Count, Math.Min(count, _items.Count)).Select(i => _items[i]).ToArray();
    }
}
