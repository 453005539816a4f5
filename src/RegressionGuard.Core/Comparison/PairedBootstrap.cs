using System.Globalization;
using System.Runtime.CompilerServices;
using MathNet.Numerics.Statistics;

namespace RegressionGuard.Comparison;

/// <summary>
/// Paired percentile bootstrap of the mean difference between a tuned and a base model scored on the same items.
/// <para>
/// With per-item differences dᵢ = tunedᵢ − baseᵢ (i = 0 … n − 1), Δ = (1/n) Σ dᵢ = mean(tuned) − mean(base).
/// Each resample r draws n item indices j₁ … jₙ uniformly with replacement and records Δ*ᵣ = (1/n) Σₖ d_{jₖ}; drawing
/// indices keeps each item's base and tuned values together (the pairing). The interval at level L is
/// [Q((1 − L)/2), Q((1 + L)/2)] over the sorted Δ*₁ … Δ*_R, with Q the R type 7 quantile (Hyndman and Fan 1996;
/// the default of R's <c>quantile</c> and NumPy's <c>percentile</c>): for sorted x₀ ≤ … ≤ x_{R−1} and probability
/// p, h = (R − 1)·p and Q(p) = x_{⌊h⌋} + (h − ⌊h⌋)·(x_{⌊h⌋+1} − x_{⌊h⌋}), computed by MathNet's
/// <see cref="SortedArrayStatistics.QuantileCustom(double[], double, QuantileDefinition)"/> with
/// <see cref="QuantileDefinition.R7"/>.
/// </para>
/// <para>
/// Random numbers: the indices <c>new System.Random(seed)</c> would draw with <c>Next(n)</c>, resample by resample and
/// item by item, drawn by <see cref="SeededDraws"/> (the same legacy subtractive generator (Knuth) that .NET has kept
/// unchanged for seeded instances, equal draw for draw, without a virtual call per draw). Microsoft does not formally
/// promise that generator across major versions, so the promise here is: the same inputs, level, resample count and
/// seed give the identical interval. It was chosen over MathNet's generators because it is several times faster for
/// this loop.
/// </para>
/// </summary>
public static class PairedBootstrap
{
    /// <summary>The default number of bootstrap resamples.</summary>
    public const int DefaultResamples = 10_000;

    /// <summary>The default two-sided confidence level.</summary>
    public const double DefaultLevel = 0.95;

    /// <summary>
    /// The mean difference Δ = mean(tuned) − mean(base) and its paired percentile-bootstrap interval at
    /// <paramref name="level"/>.
    /// </summary>
    /// <param name="baseValues">Per-item metric values of the base model; finite, at least one item.</param>
    /// <param name="tunedValues">Per-item metric values of the tuned model, aligned with <paramref name="baseValues"/>.</param>
    /// <param name="seed">Seed of the <see cref="System.Random"/> that draws the item indices.</param>
    /// <param name="level">Two-sided confidence level, strictly between 0 and 1.</param>
    /// <param name="resamples">Number of bootstrap resamples R, at least 1; 10,000 (the default) keeps the Monte Carlo
    /// error of a 95% bound to a few percent of its distance from Δ.</param>
    public static BootstrapInterval MeanDifference(
        double[] baseValues, double[] tunedValues, int seed, double level = DefaultLevel, int resamples = DefaultResamples)
    {
        double[] differences = Differences(baseValues, tunedValues);
        CheckLevel(level);
        CheckResamples(resamples);

        double delta = Mean(differences);
        double[] means = ResampleMeans(differences, resamples, seed);
        Array.Sort(means);
        double lower = SortedArrayStatistics.QuantileCustom(means, (1 - level) / 2, QuantileDefinition.R7);
        double upper = SortedArrayStatistics.QuantileCustom(means, (1 + level) / 2, QuantileDefinition.R7);
        return new BootstrapInterval(delta, lower, upper, level, resamples, seed);
    }

    /// <summary>dᵢ = tunedᵢ − baseᵢ, after checking the inputs.</summary>
    internal static double[] Differences(double[] baseValues, double[] tunedValues)
    {
        PairedArguments.RequireSameLength(baseValues, tunedValues, nameof(baseValues), nameof(tunedValues));
        if (baseValues.Length == 0)
        {
            throw new ArgumentException("at least one paired item is required; got 0 items", nameof(baseValues));
        }

        var differences = new double[baseValues.Length];
        for (int i = 0; i < differences.Length; i++)
        {
            CheckFinite(baseValues[i], i, nameof(baseValues));
            CheckFinite(tunedValues[i], i, nameof(tunedValues));
            differences[i] = tunedValues[i] - baseValues[i];
        }
        return differences;
    }

    /// <summary>The R resampled means Δ*₁ … Δ*_R in the order drawn (unsorted), as described on the class.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // a hot loop in a seconds-long process: optimized from its first call
    internal static double[] ResampleMeans(double[] differences, int resamples, int seed)
    {
        int n = differences.Length;
        var random = new SeededDraws(seed);
        var means = new double[resamples];
        for (int r = 0; r < means.Length; r++)
        {
            double sum = 0;
            for (int k = 0; k < n; k++)
            {
                sum += differences[random.Next(n)];
            }

            means[r] = sum / n;
        }
        return means;
    }

    private static double Mean(double[] values)
    {
        double sum = 0;
        foreach (double v in values)
        {
            sum += v;
        }

        return sum / values.Length;
    }

    private static void CheckFinite(double value, int index, string name)
    {
        if (!double.IsFinite(value))
        {
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture, $"{name}[{index}] is {value}; every value must be a finite number"), name);
        }
    }

    internal static void CheckLevel(double level)
    {
        if (!(level > 0 && level < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(level),
                string.Create(CultureInfo.InvariantCulture, $"level must be strictly between 0 and 1 (e.g. 0.95); got {level}"));
        }
    }

    private static void CheckResamples(int resamples)
    {
        if (resamples < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(resamples),
                string.Create(CultureInfo.InvariantCulture, $"resamples must be at least 1 ({DefaultResamples} recommended); got {resamples}"));
        }
    }
}
