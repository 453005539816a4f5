using System.Globalization;

namespace RegressionGuard.Comparison;

/// <summary>
/// Holm–Bonferroni step-down adjustment (Holm 1979), which controls the family-wise error rate when several
/// suites or metrics gate at once.
/// <para>
/// Of the m p-values that are not NaN, sorted ascending p₍₁₎ ≤ … ≤ p₍ₘ₎, the adjusted value of the i-th smallest is
/// p̃₍ᵢ₎ = min(1, max_{j ≤ i} (m − j + 1)·p₍ⱼ₎), so adjusted values never decrease along the sorted order and never
/// exceed 1. Rejecting every hypothesis with p̃ ≤ α is exactly Holm's procedure: reject H₍₁₎, H₍₂₎, … while
/// p₍ⱼ₎ ≤ α/(m − j + 1) and stop at the first that fails. Ties give equal adjusted values, whatever their order.
/// </para>
/// <para>
/// NaN marks a test that could not be run: it stays NaN in the output, is never rejected, and is not counted in m.
/// Outputs are in the order of the inputs.
/// </para>
/// </summary>
public static class Holm
{
    /// <summary>The Holm-adjusted p-values, in input order (NaN stays NaN and is excluded from m).</summary>
    /// <param name="pValues">Raw p-values, each in [0, 1] or NaN.</param>
    public static double[] Adjust(IReadOnlyList<double> pValues)
    {
        ArgumentNullException.ThrowIfNull(pValues);
        var order = new List<int>(pValues.Count);
        for (int i = 0; i < pValues.Count; i++)
        {
            double p = pValues[i];
            if (double.IsNaN(p))
            {
                continue;
            }

            if (p < 0 || p > 1)
            {
                throw new ArgumentException(
                    string.Create(CultureInfo.InvariantCulture, $"pValues[{i}] is {p}; a p-value must lie in [0, 1] (NaN marks a missing test)"),
                    nameof(pValues));
            }

            order.Add(i);
        }
        order.Sort((x, y) => pValues[x] != pValues[y] ? pValues[x].CompareTo(pValues[y]) : x.CompareTo(y));

        var adjusted = new double[pValues.Count];
        Array.Fill(adjusted, double.NaN);
        int m = order.Count;
        double runningMax = 0;
        for (int j = 0; j < m; j++) // j is 0-based here: the multiplier m − (j + 1) + 1 = m − j
        {
            int index = order[j];
            runningMax = Math.Max(runningMax, (m - j) * pValues[index]);
            adjusted[index] = Math.Min(1.0, runningMax);
        }
        return adjusted;
    }

    /// <summary>Which hypotheses Holm's procedure rejects at family-wise level <paramref name="alpha"/>: those with
    /// adjusted p ≤ α, in input order (a NaN p-value is never rejected).</summary>
    /// <param name="pValues">Raw p-values, each in [0, 1] or NaN.</param>
    /// <param name="alpha">Family-wise error rate, strictly between 0 and 1, e.g. 0.05.</param>
    public static bool[] Rejected(IReadOnlyList<double> pValues, double alpha)
    {
        if (!(alpha > 0 && alpha < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(alpha),
                string.Create(CultureInfo.InvariantCulture, $"alpha must be strictly between 0 and 1 (e.g. 0.05); got {alpha}"));
        }

        double[] adjusted = Adjust(pValues);
        var rejected = new bool[adjusted.Length];
        for (int i = 0; i < adjusted.Length; i++)
        {
            rejected[i] = adjusted[i] <= alpha; // false for NaN
        }

        return rejected;
    }
}
