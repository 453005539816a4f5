using RegressionGuard.Comparison;

namespace RegressionGuard.Core.Tests.Comparison;

public sealed class HolmTests
{
    [Test]
    public void The_worked_example_gives_the_step_down_adjusted_values_in_input_order()
    {
        // Holm (1979), Scand. J. Statist. 6, 65-70: step-down with multipliers m, m-1, ..., 1. By hand, m = 4:
        //   sorted 0.005 (#3) x 4 = 0.02 -> running max 0.02
        //          0.01  (#0) x 3 = 0.03 -> 0.03
        //          0.03  (#2) x 2 = 0.06 -> 0.06
        //          0.04  (#1) x 1 = 0.04 -> max(0.06, 0.04) = 0.06
        // In input order: [0.03, 0.06, 0.06, 0.02].
        double[] adjusted = Holm.Adjust([0.01, 0.04, 0.03, 0.005]);

        Assert.That(adjusted, Is.EqualTo(new[] { 0.03, 0.06, 0.06, 0.02 }).Within(1e-15));
    }

    [Test]
    public void The_worked_example_rejects_the_two_smallest_at_five_percent()
    {
        // Step-down by hand: 0.005 <= 0.05/4 reject; 0.01 <= 0.05/3 reject; 0.03 > 0.05/2 stop.
        Assert.That(Holm.Rejected([0.01, 0.04, 0.03, 0.005], 0.05), Is.EqualTo(new[] { true, false, false, true }));
    }

    [Test]
    public void Adjusted_values_are_capped_at_one()
    {
        Assert.That(Holm.Adjust([0.5, 0.6, 0.7]), Is.EqualTo(new[] { 1.0, 1.0, 1.0 }));
    }

    [Test]
    public void NaN_stays_NaN_and_is_not_counted_among_the_tests()
    {
        // m = 2 (the NaN is excluded): 0.01 x 2 = 0.02; 0.04 x 1 = 0.04.
        double[] adjusted = Holm.Adjust([0.01, double.NaN, 0.04]);

        Assert.That(adjusted[0], Is.EqualTo(0.02).Within(1e-15));
        Assert.That(adjusted[1], Is.NaN);
        Assert.That(adjusted[2], Is.EqualTo(0.04).Within(1e-15));
        Assert.That(Holm.Rejected([0.01, double.NaN, 0.04], 0.05), Is.EqualTo(new[] { true, false, true }));
    }

    [Test]
    public void Adjusted_values_are_at_least_the_raw_values_and_never_decrease_in_raw_order()
    {
        var random = new Random(7);
        for (int trial = 0; trial < 100; trial++)
        {
            double[] raw = new double[random.Next(1, 30)];
            for (int i = 0; i < raw.Length; i++)
            {
                raw[i] = Math.Pow(random.NextDouble(), 3);
            }

            double[] adjusted = Holm.Adjust(raw);

            int[] order = Enumerable.Range(0, raw.Length).OrderBy(i => raw[i]).ToArray();
            for (int k = 0; k < order.Length; k++)
            {
                Assert.That(adjusted[order[k]], Is.GreaterThanOrEqualTo(raw[order[k]]).And.LessThanOrEqualTo(1.0));
                if (k > 0)
                {
                    Assert.That(adjusted[order[k]], Is.GreaterThanOrEqualTo(adjusted[order[k - 1]]));
                }
            }
        }
    }

    [Test]
    public void Rejections_match_the_sequential_step_down_procedure()
    {
        var random = new Random(11);
        for (int trial = 0; trial < 200; trial++)
        {
            double[] raw = new double[random.Next(1, 12)];
            for (int i = 0; i < raw.Length; i++)
            {
                raw[i] = Math.Pow(random.NextDouble(), 4);
            }

            Assert.That(Holm.Rejected(raw, 0.05), Is.EqualTo(StepDown(raw, 0.05)), string.Join(", ", raw));
        }
    }

    [Test]
    public void Ties_get_equal_adjusted_values()
    {
        double[] adjusted = Holm.Adjust([0.02, 0.02, 0.5]);

        Assert.That(adjusted[0], Is.EqualTo(adjusted[1]));
        Assert.That(adjusted[0], Is.EqualTo(0.06).Within(1e-15));
    }

    [Test]
    public void No_p_values_give_no_adjusted_values()
    {
        Assert.That(Holm.Adjust([]), Is.Empty);
    }

    [Test]
    public void A_p_value_outside_zero_to_one_is_rejected()
    {
        Assert.That(() => Holm.Adjust([0.2, 1.5]),
            Throws.ArgumentException.With.Message.EqualTo(
                "pValues[1] is 1.5; a p-value must lie in [0, 1] (NaN marks a missing test) (Parameter 'pValues')"));
    }

    [TestCase(0.0)]
    [TestCase(1.0)]
    [TestCase(double.NaN)]
    public void An_alpha_outside_the_open_unit_interval_is_rejected(double alpha)
    {
        Assert.That(() => Holm.Rejected([0.01], alpha),
            Throws.TypeOf<ArgumentOutOfRangeException>().With.Message.EqualTo(
                $"alpha must be strictly between 0 and 1 (e.g. 0.05); got {alpha.ToString(System.Globalization.CultureInfo.InvariantCulture)} (Parameter 'alpha')"));
    }

    /// <summary>Holm's procedure as stated: walk the sorted p-values, reject while p₍ⱼ₎ ≤ α/(m − j + 1).</summary>
    private static bool[] StepDown(double[] raw, double alpha)
    {
        int m = raw.Length;
        int[] order = Enumerable.Range(0, m).OrderBy(i => raw[i]).ToArray();
        var rejected = new bool[m];
        for (int j = 1; j <= m; j++)
        {
            if (raw[order[j - 1]] > alpha / (m - j + 1))
            {
                break;
            }

            rejected[order[j - 1]] = true;
        }
        return rejected;
    }
}
