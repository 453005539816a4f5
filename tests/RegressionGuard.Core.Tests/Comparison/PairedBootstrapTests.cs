using MathNet.Numerics.Distributions;
using RegressionGuard.Comparison;

namespace RegressionGuard.Core.Tests.Comparison;

public sealed class PairedBootstrapTests
{
    [Test]
    public void The_same_seed_gives_the_identical_interval()
    {
        var (baseValues, tunedValues) = NormalPairs(n: 300, trueDelta: -0.05, seed: 1);

        var first = PairedBootstrap.MeanDifference(baseValues, tunedValues, seed: 42);
        var second = PairedBootstrap.MeanDifference(baseValues, tunedValues, seed: 42);
        var other = PairedBootstrap.MeanDifference(baseValues, tunedValues, seed: 43);

        Assert.That(second, Is.EqualTo(first));
        Assert.That(first, Is.EqualTo(new BootstrapInterval(first.Delta, first.Lower, first.Upper, 0.95, 10_000, 42)));
        Assert.That(other.Lower, Is.Not.EqualTo(first.Lower));
    }

    [Test]
    public void Delta_is_the_mean_of_the_tuned_values_minus_the_mean_of_the_base_values()
    {
        double[] baseValues = [0.2, 0.9, 0.4, 0.7];
        double[] tunedValues = [0.1, 0.8, 0.6, 0.3];

        var interval = PairedBootstrap.MeanDifference(baseValues, tunedValues, seed: 0);

        Assert.That(interval.Delta, Is.EqualTo(tunedValues.Average() - baseValues.Average()).Within(1e-15));
        Assert.That(interval.Lower, Is.LessThanOrEqualTo(interval.Delta));
        Assert.That(interval.Upper, Is.GreaterThanOrEqualTo(interval.Delta));
        Assert.That((interval.IsAboveZero, interval.IsBelowZero), Is.EqualTo((false, false)));
    }

    [Test]
    public void Equal_differences_collapse_the_interval_to_that_difference()
    {
        // Every difference is exactly 0.25 (dyadic values), so every resampled mean is exactly 0.25 too.
        double[] baseValues = [0, 0.125, 0.5, 0.75, 1, 0.375];
        double[] tunedValues = baseValues.Select(v => v + 0.25).ToArray();

        var interval = PairedBootstrap.MeanDifference(baseValues, tunedValues, seed: 5);

        Assert.That((interval.Delta, interval.Lower, interval.Upper), Is.EqualTo((0.25, 0.25, 0.25)));
        Assert.That((interval.IsAboveZero, interval.IsBelowZero), Is.EqualTo((true, false)));
    }

    [Test]
    public void A_single_item_gives_a_zero_width_interval_at_its_difference()
    {
        var interval = PairedBootstrap.MeanDifference([0.5], [0.25], seed: 1, resamples: 100);

        Assert.That((interval.Delta, interval.Lower, interval.Upper), Is.EqualTo((-0.25, -0.25, -0.25)));
        Assert.That((interval.IsAboveZero, interval.IsBelowZero), Is.EqualTo((false, true)));
    }

    [Test]
    public void Each_resample_draws_the_item_indices_a_seeded_System_Random_draws()
    {
        var (baseValues, tunedValues) = NormalPairs(n: 37, trueDelta: 0.1, seed: 5);
        var differences = PairedBootstrap.Differences(baseValues, tunedValues);
        var random = new Random(11);
        var expected = Enumerable.Range(0, 500).Select(_ =>
        {
            double sum = 0;
            for (int k = 0; k < differences.Length; k++)
            {
                sum += differences[random.Next(differences.Length)];
            }

            return sum / differences.Length;
        }).ToArray();

        Assert.That(PairedBootstrap.ResampleMeans(differences, 500, seed: 11), Is.EqualTo(expected));
    }

    [Test]
    public void The_bounds_are_type_7_quantiles_of_the_resampled_means()
    {
        var (baseValues, tunedValues) = NormalPairs(n: 50, trueDelta: 0.1, seed: 8);
        double[] means = PairedBootstrap.ResampleMeans(PairedBootstrap.Differences(baseValues, tunedValues), 999, seed: 3);
        Array.Sort(means);

        var interval = PairedBootstrap.MeanDifference(baseValues, tunedValues, seed: 3, level: 0.9, resamples: 999);

        // R type 7 by hand: h = (R - 1) p, Q = x[floor h] + (h - floor h) (x[floor h + 1] - x[floor h]).
        Assert.That(interval.Lower, Is.EqualTo(Type7(means, 0.05)).Within(1e-15));
        Assert.That(interval.Upper, Is.EqualTo(Type7(means, 0.95)).Within(1e-15));
    }

    [Test]
    public void On_a_large_normal_sample_the_interval_matches_delta_plus_minus_1_96_standard_errors_within_5_percent()
    {
        var (baseValues, tunedValues) = NormalPairs(n: 10_000, trueDelta: -0.02, seed: 2);
        double[] d = tunedValues.Zip(baseValues, (t, b) => t - b).ToArray();
        double mean = d.Average();
        double sd = Math.Sqrt(d.Sum(x => (x - mean) * (x - mean)) / (d.Length - 1));
        double halfWidth = 1.96 * sd / Math.Sqrt(d.Length);

        var interval = PairedBootstrap.MeanDifference(baseValues, tunedValues, seed: 9);

        Assert.That(interval.Delta, Is.EqualTo(mean).Within(1e-12));
        Assert.That(interval.Delta - interval.Lower, Is.EqualTo(halfWidth).Within(5).Percent);
        Assert.That(interval.Upper - interval.Delta, Is.EqualTo(halfWidth).Within(5).Percent);
    }

    [Test]
    public void Over_200_simulated_datasets_the_95_percent_interval_covers_the_true_delta_90_to_99_percent_of_the_time()
    {
        // Kept fast: n = 50 items and 2,000 resamples per dataset (instead of the default 10,000); the Monte Carlo
        // error this adds to the bounds is small next to the sampling spread over 200 datasets.
        const double trueDelta = -0.3;
        int covered = 0;
        for (int dataset = 0; dataset < 200; dataset++)
        {
            var (baseValues, tunedValues) = NormalPairs(n: 50, trueDelta, seed: 1000 + dataset);
            var interval = PairedBootstrap.MeanDifference(baseValues, tunedValues, seed: dataset, resamples: 2_000);
            if (interval.Lower <= trueDelta && trueDelta <= interval.Upper)
            {
                covered++;
            }
        }

        Assert.That(covered / 200.0, Is.InRange(0.90, 0.99));
    }

    [Test]
    public void Inputs_of_different_lengths_are_rejected()
    {
        Assert.That(() => PairedBootstrap.MeanDifference([1, 2, 3], [1, 2], seed: 0),
            Throws.ArgumentException.With.Message.EqualTo(
                "baseValues and tunedValues must have the same length (one entry per item, aligned); got 3 and 2 (Parameter 'tunedValues')"));
    }

    [Test]
    public void Empty_inputs_are_rejected()
    {
        Assert.That(() => PairedBootstrap.MeanDifference([], [], seed: 0),
            Throws.ArgumentException.With.Message.EqualTo(
                "at least one paired item is required; got 0 items (Parameter 'baseValues')"));
    }

    [Test]
    public void A_value_that_is_not_finite_is_rejected()
    {
        Assert.That(() => PairedBootstrap.MeanDifference([1, 2], [1, double.NaN], seed: 0),
            Throws.ArgumentException.With.Message.EqualTo(
                "tunedValues[1] is NaN; every value must be a finite number (Parameter 'tunedValues')"));
    }

    [TestCase(0.0, "0")]
    [TestCase(1.0, "1")]
    [TestCase(1.5, "1.5")]
    [TestCase(-0.95, "-0.95")]
    [TestCase(double.NaN, "NaN")]
    public void A_level_outside_the_open_unit_interval_is_rejected(double level, string shown)
    {
        Assert.That(() => PairedBootstrap.MeanDifference([1, 2], [2, 3], seed: 0, level: level),
            Throws.TypeOf<ArgumentOutOfRangeException>().With.Message.EqualTo(
                $"level must be strictly between 0 and 1 (e.g. 0.95); got {shown} (Parameter 'level')"));
    }

    [Test]
    public void Fewer_than_one_resample_is_rejected()
    {
        Assert.That(() => PairedBootstrap.MeanDifference([1, 2], [2, 3], seed: 0, resamples: 0),
            Throws.TypeOf<ArgumentOutOfRangeException>().With.Message.EqualTo(
                "resamples must be at least 1 (10000 recommended); got 0 (Parameter 'resamples')"));
    }

    /// <summary>base ~ N(0.6, 0.2²) per item; tuned = base + trueDelta + N(0, 0.3²) noise, so E[d] = trueDelta.</summary>
    private static (double[] Base, double[] Tuned) NormalPairs(int n, double trueDelta, int seed)
    {
        var random = new Random(seed);
        var baseValues = new double[n];
        var tunedValues = new double[n];
        for (int i = 0; i < n; i++)
        {
            baseValues[i] = Normal.Sample(random, 0.6, 0.2);
            tunedValues[i] = baseValues[i] + trueDelta + Normal.Sample(random, 0, 0.3);
        }
        return (baseValues, tunedValues);
    }

    private static double Type7(double[] sorted, double p)
    {
        double h = (sorted.Length - 1) * p;
        int low = (int)Math.Floor(h);
        int high = Math.Min(low + 1, sorted.Length - 1);
        return sorted[low] + (h - low) * (sorted[high] - sorted[low]);
    }
}
