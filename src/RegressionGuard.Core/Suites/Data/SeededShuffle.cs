namespace RegressionGuard.Suites.Data;

/// <summary>
/// A seeded shuffle that gives the same order on every platform and .NET version (unlike <see cref="Random"/>, whose
/// seeded sequence is not promised to stay the same), so that a sampled suite selects the same items in every run.
/// Generator: SplitMix64 (state += 0x9E3779B97F4A7C15, then the two xor-shift-multiply steps), state starting at the
/// seed. Step i of the Fisher–Yates shuffle of 0..n−1 swaps index i with i + u, u uniform in [0, n − i) by rejection
/// of the generator's 64-bit outputs below 2^64 mod (n − i).
/// </summary>
public static class SeededShuffle
{
    /// <summary>The first <paramref name="count"/> indices (at most <paramref name="n"/>) of a shuffle of 0..n−1, in the order drawn.</summary>
    public static int[] FirstIndices(int n, int count, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var indices = new int[n];
        for (int i = 0; i < n; i++) indices[i] = i;
        int take = Math.Min(n, count);
        ulong state = unchecked((ulong)(long)seed);
        for (int i = 0; i < take; i++)
        {
            int j = i + (int)Below((ulong)(n - i), ref state);
            (indices[i], indices[j]) = (indices[j], indices[i]);
        }
        return indices[..take];
    }

    static ulong Below(ulong bound, ref ulong state)
    {
        ulong threshold = unchecked(0UL - bound) % bound;
        while (true)
        {
            ulong r = Next(ref state);
            if (r >= threshold) return r % bound;
        }
    }

    static ulong Next(ref ulong state)
    {
        unchecked
        {
            state += 0x9E3779B97F4A7C15UL;
            ulong z = state;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }
    }
}
