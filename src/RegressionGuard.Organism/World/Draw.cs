using RegressionGuard.Randomness;

namespace RegressionGuard.Organism.World;

/// <summary>Seeded choices over a <see cref="SplitMix64"/> stream; every generator of the organism draws through one.</summary>
public sealed class Draw
{
    readonly SplitMix64 _random;

    public Draw(long seed) => _random = new SplitMix64(seed);

    public int Int(int exclusiveMax) => (int)_random.NextInt(exclusiveMax);

    /// <summary>A uniform integer in [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public int Between(int min, int max) => min + Int(max - min + 1);

    public T One<T>(IReadOnlyList<T> items) => items[Int(items.Count)];

    /// <summary><paramref name="count"/> distinct items in random order.</summary>
    public List<T> Distinct<T>(IReadOnlyList<T> items, int count) => _random.SampleIndices(items.Count, count).Select(i => items[i]).ToList();

    /// <summary>A random permutation of <paramref name="items"/>.</summary>
    public List<T> Shuffle<T>(IReadOnlyList<T> items) => Distinct(items, items.Count);
}
