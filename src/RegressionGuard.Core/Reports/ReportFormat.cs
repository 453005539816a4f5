using System.Globalization;
using RegressionGuard.Comparison;
using RegressionGuard.Law;

namespace RegressionGuard.Reports;

/// <summary>Number formatting and report facts shared by every rendering (invariant culture throughout).</summary>
static class ReportFormat
{
    public const int TopFlips = 5;
    public const int PromptChars = 120;

    static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>A metric value: 4 significant digits at most, 3 decimals for values in [0, 10).</summary>
    public static string Value(double value) =>
        double.IsFinite(value) ? (Math.Abs(value) < 10 ? value.ToString("0.000", Inv) : value.ToString("G4", Inv)) : value.ToString(Inv);

    /// <summary>A signed difference (+0.012 / −0.050, with a real minus sign).</summary>
    public static string Signed(double value)
    {
        if (!double.IsFinite(value))
        {
            return value.ToString(Inv);
        }

        string text = Value(Math.Abs(value));
        return value > 0 ? "+" + text : value < 0 && text.Any(c => c is >= '1' and <= '9') ? "\u2212" + text : text;
    }

    /// <summary>A p-value: "&lt;0.0001" when tiny, otherwise 2 significant digits.</summary>
    public static string P(double? p) => p switch
    {
        null => "\u2014",
        < 0.0001 => "<0.0001",
        { } v => v.ToString("0.####", Inv) is var s && s.Length <= 6 ? s : v.ToString("G2", Inv),
    };

    /// <summary>An L_f or other general number with 4 significant digits.</summary>
    public static string G(double? value) => value is { } v ? v.ToString("G4", Inv) : "\u2014";

    /// <summary>A step count with thousands separators.</summary>
    public static string Int(double value) => Math.Round(value).ToString("#,0", Inv);

    /// <summary>Percent with up to 2 decimals.</summary>
    public static string Percent(double level) => (level * 100).ToString("0.##", Inv) + "%";

    /// <summary>Plain invariant number for SVG coordinates.</summary>
    public static string Coord(double value) => Math.Round(value, 2).ToString("0.##", Inv);

    /// <summary>"Δ [lo, hi]" with signs.</summary>
    public static string DeltaWithCi(MetricComparison m) => $"{Signed(m.Delta)} [{Signed(m.CiLower)}, {Signed(m.CiUpper)}]";

    /// <summary>"drop ≤ 0.020" (higher is better) or "rise ≤ 0.050" (lower is better), or "—" without a threshold.</summary>
    public static string Threshold(MetricVerdict v) => v.Threshold is { } t
        ? (v.Comparison.HigherIsBetter ? "drop \u2264 " : "rise \u2264 ") + Value(t) + (v.RequireSignificance ? $" (p<{v.Alpha.ToString("0.###", Inv)})" : "")
        : "\u2014";

    public static bool IsFail(MetricVerdict v) => string.Equals(v.Outcome, "fail", StringComparison.OrdinalIgnoreCase);

    public static bool IsSkip(MetricVerdict v) => string.Equals(v.Outcome, "skip", StringComparison.OrdinalIgnoreCase);

    public static string Outcome(GateOutcome outcome) => outcome switch
    {
        GateOutcome.Pass => "PASS",
        GateOutcome.Fail => "FAIL",
        _ => "ERROR",
    };

    public static string Outcome(ForgettingOutcome outcome) => outcome switch
    {
        ForgettingOutcome.Pass => "pass",
        ForgettingOutcome.Warn => "warn",
        _ => "fail",
    };

    /// <summary>Failing metrics plus a failing forgetting verdict.</summary>
    public static int Regressions(GateReport report) =>
        report.Suites.Sum(s => s.Metrics.Count(IsFail)) + (report.Forgetting?.Verdict.Outcome == ForgettingOutcome.Fail ? 1 : 0);

    /// <summary>"3 at ε 0.3, 7 at ε 0.5": intruder totals per threshold.</summary>
    public static string Intruders(Diagnostics.WeightDiagnosticsReport d) =>
        string.Join(", ", d.Options.Thresholds.Select((e, i) => $"{d.TotalIntruders[i]} at \u03b5 {G(e)}"));

    /// <summary>Projections with the largest ‖ΔW‖_F first (ordinal name order on ties).</summary>
    public static IReadOnlyList<Diagnostics.ModuleDiagnostics> LargestUpdates(Diagnostics.WeightDiagnosticsReport d, int limit = 10) =>
        d.Modules.OrderByDescending(m => m.Frobenius).ThenBy(m => m.Module, StringComparer.Ordinal).Take(limit).ToList();

    public static string Plural(int count, string noun) => $"{count} {noun}{(count == 1 ? "" : "s")}";

    /// <summary>
    /// The flips that made a metric worse: the first flip list of that metric (the comparer lists the worsening
    /// direction first), at most <paramref name="limit"/> items.
    /// </summary>
    /// <param name="group">a group's metric (<c>group_by</c>): only that group's flipped items.</param>
    public static (string Label, IReadOnlyList<FlippedItem> Items, int Total) WorstFlips(SuiteReport suite, string metric, int limit = TopFlips, string? group = null)
    {
        var list = suite.Flips.FirstOrDefault(f => f.Metric == metric);
        if (list is null)
        {
            return ("", Array.Empty<FlippedItem>(), 0);
        }

        var items = group is null ? list.Items : list.Items.Where(i => i.Group == group).ToList();
        return (list.Label, items.Take(limit).ToList(), items.Count);
    }

    /// <summary>The suite's whole-suite verdicts (the summary rows).</summary>
    public static IEnumerable<MetricVerdict> SuiteLevel(SuiteReport suite) => suite.Metrics.Where(v => v.Comparison.Group is null);

    /// <summary>The suite's per-group verdicts (<c>group_by</c>), in report order.</summary>
    public static IEnumerable<MetricVerdict> PerGroup(SuiteReport suite) => suite.Metrics.Where(v => v.Comparison.Group is not null);

    /// <summary>Whitespace collapsed to single spaces, cut at <paramref name="max"/> characters with an ellipsis.</summary>
    public static string Truncate(string? text, int max = PromptChars)
    {
        if (string.IsNullOrEmpty(text))
        {
            return "";
        }

        var collapsed = string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        if (collapsed.Length <= max)
        {
            return collapsed;
        }

        int cut = max;
        if (char.IsHighSurrogate(collapsed[cut - 1]))
        {
            cut--;
        }

        return collapsed[..cut].TrimEnd() + "\u2026";
    }

    /// <summary>The first 12 characters of a content hash, without an algorithm prefix such as "sha256:".</summary>
    public static string ShortHash(string hash)
    {
        int colon = hash.IndexOf(':', StringComparison.Ordinal);
        string digest = colon >= 0 && colon < hash.Length - 1 ? hash[(colon + 1)..] : hash;
        return digest.Length > 12 ? digest[..12] : digest;
    }
}
