using System.Globalization;
using MathNet.Numerics.Distributions;

namespace RegressionGuard.Comparison;

/// <summary>
/// Exact (binomial) McNemar test for paired binary outcomes of a base and a tuned model on the same items.
/// <para>
/// With b = #(base right, tuned wrong) and c = #(base wrong, tuned right), under the null hypothesis that a change
/// is equally likely in either direction, b given b + c is Binomial(b + c, ½). The two-sided p-value doubles the
/// smaller tail: p = min(1, 2·P[X ≤ min(b, c)]) with X ~ Binomial(b + c, ½), computed with MathNet's
/// <see cref="Binomial.CDF(double, int, double)"/>; p = 1 when b + c = 0 (no discordant item, no evidence).
/// Concordant items (both right or both wrong) do not enter the test.
/// </para>
/// </summary>
public static class McNemar
{
    /// <summary>The exact test from the discordant counts b (right→wrong) and c (wrong→right).</summary>
    public static McNemarResult Exact(int rightToWrong, int wrongToRight)
    {
        CheckCount(rightToWrong, nameof(rightToWrong));
        CheckCount(wrongToRight, nameof(wrongToRight));
        long total = (long)rightToWrong + wrongToRight;
        if (total > int.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(wrongToRight),
                string.Create(CultureInfo.InvariantCulture, $"rightToWrong + wrongToRight must not exceed {int.MaxValue}; got {total}"));
        }

        int discordant = (int)total;
        double p = discordant == 0
            ? 1.0
            : Math.Min(1.0, 2.0 * Binomial.CDF(0.5, discordant, Math.Min(rightToWrong, wrongToRight)));
        return new McNemarResult(rightToWrong, wrongToRight, discordant, p);
    }

    /// <summary>The exact test from per-item correctness of the base and the tuned model (aligned arrays; an empty
    /// pair of arrays gives b = c = 0 and p = 1).</summary>
    public static McNemarResult Exact(bool[] baseCorrect, bool[] tunedCorrect)
    {
        PairedArguments.RequireSameLength(baseCorrect, tunedCorrect, nameof(baseCorrect), nameof(tunedCorrect));
        int rightToWrong = 0, wrongToRight = 0;
        for (int i = 0; i < baseCorrect.Length; i++)
        {
            if (baseCorrect[i] && !tunedCorrect[i])
            {
                rightToWrong++;
            }
            else if (!baseCorrect[i] && tunedCorrect[i])
            {
                wrongToRight++;
            }
        }
        return Exact(rightToWrong, wrongToRight);
    }

    private static void CheckCount(int count, string name)
    {
        if (count < 0)
        {
            throw new ArgumentOutOfRangeException(name,
                string.Create(CultureInfo.InvariantCulture, $"{name} is a count of items and must not be negative; got {count}"));
        }
    }
}
