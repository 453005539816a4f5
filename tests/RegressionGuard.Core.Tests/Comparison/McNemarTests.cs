using System.Numerics;
using RegressionGuard.Comparison;

namespace RegressionGuard.Core.Tests.Comparison;

public sealed class McNemarTests
{
    [Test]
    public void One_against_nine_discordant_pairs_gives_the_exact_two_sided_p_of_22_over_1024()
    {
        // By hand: X ~ Binomial(10, 1/2); P[X <= 1] = (C(10,0) + C(10,1)) / 2^10 = (1 + 10) / 1024,
        // so the two-sided exact p = 2 * 11 / 1024 = 0.021484375 (exactly representable in binary).
        var result = McNemar.Exact(rightToWrong: 1, wrongToRight: 9);

        Assert.That(result, Is.EqualTo(new McNemarResult(1, 9, 10, result.PValue)));
        Assert.That(result.PValue, Is.EqualTo(0.021484375).Within(1e-15));
    }

    [Test]
    public void The_p_value_does_not_depend_on_the_direction_of_the_change()
    {
        Assert.That(McNemar.Exact(9, 1).PValue, Is.EqualTo(McNemar.Exact(1, 9).PValue));
    }

    [TestCase(1, 1)]
    [TestCase(5, 5)]
    [TestCase(250, 250)]
    public void Equal_counts_in_both_directions_give_p_of_one(int b, int c)
    {
        Assert.That(McNemar.Exact(b, c).PValue, Is.EqualTo(1.0));
    }

    [Test]
    public void No_discordant_pairs_give_p_of_one()
    {
        Assert.That(McNemar.Exact(0, 0), Is.EqualTo(new McNemarResult(0, 0, 0, 1.0)));
    }

    [Test]
    public void The_presidential_approval_table_matches_exact_summation_to_1e_12_relative()
    {
        // Agresti, Categorical Data Analysis (Wiley), chapter on matched-pairs data: 1600 people rated the
        // president's performance in two surveys a month apart: approve/approve 794, approve/disapprove 150,
        // disapprove/approve 86, disapprove/disapprove 570. The discordant counts are b = 150, c = 86; the
        // large-sample McNemar statistic there is z = (86 - 150)/sqrt(236) = -4.17. Here the exact binomial
        // version is checked against an independent exact summation with BigInteger binomial coefficients.
        var result = McNemar.Exact(150, 86);
        double expected = ExactTwoSidedP(150, 86);

        Assert.That(result.Discordant, Is.EqualTo(236));
        Assert.That(expected, Is.EqualTo(3.7e-5).Within(0.1e-5));
        Assert.That(result.PValue, Is.EqualTo(expected).Within(1e-12 * expected));
    }

    [Test]
    public void Every_small_table_matches_exact_summation_to_1e_12_relative()
    {
        for (int b = 0; b <= 40; b++)
        {
            for (int c = 0; c <= 40; c++)
            {
                double expected = ExactTwoSidedP(b, c);
                Assert.That(McNemar.Exact(b, c).PValue, Is.EqualTo(expected).Within(1e-12 * expected), $"b = {b}, c = {c}");
            }
        }
    }

    [Test]
    public void Outcome_arrays_count_only_the_discordant_items()
    {
        bool[] baseCorrect = [true, true, false, false, true, false, true];
        bool[] tunedCorrect = [true, false, true, false, false, true, true];

        var result = McNemar.Exact(baseCorrect, tunedCorrect);

        Assert.That(result, Is.EqualTo(McNemar.Exact(rightToWrong: 2, wrongToRight: 2)));
    }

    [Test]
    public void Outcome_arrays_of_different_lengths_are_rejected()
    {
        Assert.That(() => McNemar.Exact(new bool[3], new bool[2]),
            Throws.ArgumentException.With.Message.EqualTo(
                "baseCorrect and tunedCorrect must have the same length (one entry per item, aligned); got 3 and 2 (Parameter 'tunedCorrect')"));
    }

    [Test]
    public void A_negative_count_is_rejected()
    {
        Assert.That(() => McNemar.Exact(-1, 3),
            Throws.TypeOf<ArgumentOutOfRangeException>().With.Message.EqualTo(
                "rightToWrong is a count of items and must not be negative; got -1 (Parameter 'rightToWrong')"));
    }

    /// <summary>min(1, 2·Σ_{k ≤ min(b,c)} C(b+c, k) / 2^(b+c)), summed exactly in integers and rounded once.</summary>
    private static double ExactTwoSidedP(int b, int c)
    {
        int n = b + c;
        if (n == 0)
        {
            return 1.0;
        }

        BigInteger coefficient = BigInteger.One, tail = BigInteger.Zero;
        for (int k = 0; k <= Math.Min(b, c); k++)
        {
            tail += coefficient;
            coefficient = coefficient * (n - k) / (k + 1);
        }
        BigInteger numerator = 2 * tail;
        return numerator >= BigInteger.Pow(2, n) ? 1.0 : Math.ScaleB((double)numerator, -n);
    }
}
