using RegressionGuard.Randomness;

namespace RegressionGuard.Suites.Data;

/// <summary>
/// A seeded shuffle that gives the same order on every platform and .NET version (unlike <see cref="Random"/>, whose
/// seeded sequence is not promised to stay the same), so that a sampled suite selects the same items in every run.
/// Generator: <see cref="SplitMix64"/> seeded with the seed; a partial Fisher–Yates shuffle of 0..n−1.
/// </summary>
public static class SeededShuffle
{
    /// <summary>The first <paramref name="count"/> indices (at most <paramref name="n"/>) of a shuffle of 0..n−1, in the order drawn.</summary>
    public static int[] FirstIndices(int n, int count, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        return new SplitMix64(seed).SampleIndices(n, Math.Min(n, count));
    }
}
