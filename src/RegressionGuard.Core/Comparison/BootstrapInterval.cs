namespace RegressionGuard.Comparison;

/// <summary>
/// A paired percentile-bootstrap confidence interval of the mean difference Δ = mean(tuned) − mean(base).
/// </summary>
/// <param name="Delta">The observed mean difference Δ = (1/n) Σ dᵢ with dᵢ = tunedᵢ − baseᵢ; negative means the tuned
/// model scored lower on average.</param>
/// <param name="Lower">The (1 − Level)/2 quantile of the resampled mean differences (R type 7).</param>
/// <param name="Upper">The (1 + Level)/2 quantile of the resampled mean differences (R type 7).</param>
/// <param name="Level">The two-sided confidence level, in (0, 1), e.g. 0.95.</param>
/// <param name="Resamples">How many bootstrap resamples the quantiles were taken over.</param>
/// <param name="Seed">The seed of the <see cref="System.Random"/> that drew the resampled item indices; the same
/// inputs, level, resample count and seed give the identical interval.</param>
public sealed record BootstrapInterval(double Delta, double Lower, double Upper, double Level, int Resamples, int Seed)
{
    /// <summary>True when the whole interval lies below zero (Lower ≤ Upper &lt; 0): the tuned model is lower.</summary>
    public bool IsBelowZero => Upper < 0;

    /// <summary>True when the whole interval lies above zero (0 &lt; Lower ≤ Upper): the tuned model is higher.</summary>
    public bool IsAboveZero => Lower > 0;
}
