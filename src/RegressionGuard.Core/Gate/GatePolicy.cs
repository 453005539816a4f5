using System.Globalization;
using RegressionGuard.Comparison;
using RegressionGuard.Reports;

namespace RegressionGuard.Gate;

/// <summary>Default thresholds and significance settings; per-metric thresholds in suite files take precedence.</summary>
/// <param name="MaxDrop">largest allowed drop of a higher-is-better metric (absolute, metric units); null = not gated.</param>
/// <param name="MaxRise">largest allowed rise of a lower-is-better metric; null = not gated.</param>
/// <param name="Alpha">significance level for the (Holm-adjusted) p-value.</param>
/// <param name="RequireSignificance">a drop beyond the threshold fails only when it is also significant.</param>
/// <param name="MinItems">metrics measured on fewer paired items are reported but not gated.</param>
public sealed record GateThresholds(double? MaxDrop = null, double? MaxRise = null, double Alpha = 0.05, bool RequireSignificance = true, int MinItems = 1);

/// <summary>
/// The decision rule per metric, stated once: a metric FAILS when the tuned model is worse by more than its threshold
/// (drop for higher-is-better, rise for lower-is-better) AND, if significance is required, the change is significant:
/// Holm-adjusted exact McNemar p &lt; α for 0/1 metrics, or the paired bootstrap CI excluding zero otherwise.
/// Metrics without a threshold or with fewer than MinItems paired items are SKIPPED (reported, not gated).
/// </summary>
public static class GatePolicy
{
    /// <summary>The threshold that gates <paramref name="m"/>: its own, else (whole-suite metrics only) the config's
    /// default; a group (<c>group_by</c>) is gated only by a threshold of its own or of its suite's group_by block.</summary>
    public static double? ThresholdOf(MetricComparison m, GateThresholds defaults)
    {
        ArgumentNullException.ThrowIfNull(m);
        ArgumentNullException.ThrowIfNull(defaults);
        return m.HigherIsBetter
            ? m.MaxDrop ?? (m.Group is null ? defaults.MaxDrop : null)
            : m.MaxRise ?? (m.Group is null ? defaults.MaxRise : null);
    }

    /// <summary>Whether the gate tests <paramref name="m"/> (a threshold applies and enough items are paired): the
    /// comparisons that form the Holm family.</summary>
    public static bool IsGated(MetricComparison m, GateThresholds defaults) =>
        ThresholdOf(m, defaults) is not null && m.Items >= defaults.MinItems;

    public static MetricVerdict Decide(MetricComparison m, GateThresholds defaults)
    {
        double? threshold = ThresholdOf(m, defaults);
        string direction = m.HigherIsBetter ? "drop" : "rise";
        var inv = CultureInfo.InvariantCulture;
        if (threshold is null)
        {
            return new MetricVerdict(m, "skip", m.Group is null ? $"no max_{direction} threshold: reported, not gated" : $"group '{m.Group}' has no max_{direction} threshold (group_by): reported, not gated", null, defaults.RequireSignificance, defaults.Alpha);
        }

        if (m.Items < defaults.MinItems)
        {
            return new MetricVerdict(m, "skip", $"only {m.Items} paired items (min_items {defaults.MinItems}): reported, not gated", threshold, defaults.RequireSignificance, defaults.Alpha);
        }

        double regression = m.Regression;
        bool beyond = regression > threshold.Value;
        double? p = m.PHolm ?? m.PValue;
        bool significant = p is double pv ? pv < defaults.Alpha : m.HigherIsBetter ? m.CiUpper < 0 : m.CiLower > 0;
        string evidence = p is double pp ? string.Create(inv, $"p (Holm) {pp:G3} {(significant ? "<" : "≥")} α {defaults.Alpha:G3}")
                                         : string.Create(inv, $"95% CI [{m.CiLower:+0.0000;-0.0000}, {m.CiUpper:+0.0000;-0.0000}] {(significant ? "excludes" : "includes")} 0");
        string change = string.Create(inv, $"{m.Base:F4} → {m.Tuned:F4} (Δ {m.Delta:+0.0000;-0.0000})");
        if (beyond && (significant || !defaults.RequireSignificance))
        {
            return new MetricVerdict(m, "fail", string.Create(inv, $"{direction} of {regression:F4} exceeds max_{direction} {threshold:F4}: {change}, {evidence}"), threshold, defaults.RequireSignificance, defaults.Alpha);
        }

        string why = beyond
            ? string.Create(inv, $"{direction} of {regression:F4} exceeds max_{direction} {threshold:F4} but is not significant ({evidence})")
            : string.Create(inv, $"{change} within max_{direction} {threshold:F4}");
        return new MetricVerdict(m, "pass", why, threshold, defaults.RequireSignificance, defaults.Alpha);
    }
}
