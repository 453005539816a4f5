namespace RegressionGuard.Randomness;

/// <summary>
/// A small seeded pseudo-random generator whose output is fixed by this file, not by the .NET runtime
/// (<see cref="Random"/>'s algorithm is unspecified and has changed between versions), so selections and samples
/// recorded with a seed stay reproducible.
/// </summary>
/// <remarks>
/// Rules:
/// <list type="bullet">
/// <item>The stream is SplitMix64 (Steele, Lea and Flood, 2014; the constants of Vigna's reference version):
/// the state starts at the seed (its 64 bits taken as unsigned), and each draw adds 0x9E3779B97F4A7C15 to the state
/// and returns the state mixed by <c>z = (z ^ z≫30)·0xBF58476D1CE4E5B9; z = (z ^ z≫27)·0x94D049BB133111EB; z ^ z≫31</c>.</item>
/// <item><see cref="NextInt"/> is unbiased: it rejects draws at or above the largest multiple of the bound that fits
/// in 64 bits and returns the remainder of the first accepted draw.</item>
/// <item><see cref="NextBool"/> is the top bit of one draw.</item>
/// <item><see cref="NextDouble"/> uses the top 53 bits: <c>(x ≫ 11) · 2⁻⁵³</c>, in [0, 1).</item>
/// <item><see cref="SampleIndices"/> runs a partial Fisher–Yates shuffle of 0..n−1 (position i swapped with a uniform
/// position in i..n−1, for i = 0..k−1) and returns the first k positions; <see cref="ChooseIndices"/> returns them
/// sorted ascending.</item>
/// </list>
/// Not for cryptographic use.
/// </remarks>
public sealed class SplitMix64
{
    ulong _state;

    /// <summary>A generator whose stream is fixed by <paramref name="seed"/>.</summary>
    public SplitMix64(long seed) => _state = unchecked((ulong)seed);

    /// <summary>The next 64 random bits.</summary>
    public ulong NextUInt64()
    {
        unchecked
        {
            _state += 0x9E3779B97F4A7C15UL;
            var z = _state;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }
    }

    /// <summary>A uniform integer in [0, <paramref name="exclusiveMax"/>), without modulo bias.</summary>
    public long NextInt(long exclusiveMax)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(exclusiveMax, 1);
        var bound = (ulong)exclusiveMax;
        // Draws at or above `limit` would make small remainders more likely than large ones.
        var limit = ulong.MaxValue - ((ulong.MaxValue % bound) + 1) % bound;
        ulong draw;
        do
        {
            draw = NextUInt64();
        }
        while (draw > limit);
        return (long)(draw % bound);
    }

    /// <summary>A uniform double in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>A fair coin.</summary>
    public bool NextBool() => (NextUInt64() >> 63) == 1;

    /// <summary>
    /// <paramref name="count"/> distinct indices out of 0..<paramref name="population"/>−1, chosen uniformly, in the
    /// (uniformly random) order they were drawn.
    /// </summary>
    public int[] SampleIndices(int population, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(population);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, population);
        var order = Enumerable.Range(0, population).ToArray();
        for (var i = 0; i < count; i++)
        {
            var j = i + (int)NextInt(population - i);
            (order[i], order[j]) = (order[j], order[i]);
        }
        return order[..count];
    }

    /// <summary><paramref name="count"/> distinct indices out of 0..<paramref name="population"/>−1, chosen uniformly, in ascending order.</summary>
    public int[] ChooseIndices(int population, int count)
    {
        var chosen = SampleIndices(population, count);
        Array.Sort(chosen);
        return chosen;
    }
}
