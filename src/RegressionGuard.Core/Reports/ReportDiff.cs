using System.Text;
using RegressionGuard.Comparison;

namespace RegressionGuard.Reports;

/// <summary>What changed between two gate runs, as Markdown, for trend tracking across checkpoints or commits.</summary>
public static class ReportDiff
{
    /// <summary>
    /// The overall verdict old → new, one table row per suite/metric in either report (old Δ → new Δ, the change, the
    /// verdict change), and L_f old → new. Metrics only in one report show as added or removed.
    /// </summary>
    public static string Markdown(GateReport old, GateReport @new)
    {
        ArgumentNullException.ThrowIfNull(old);
        ArgumentNullException.ThrowIfNull(@new);
        var md = new StringBuilder();
        md.Append("## RegressionGuard: ").Append(ReportFormat.Outcome(old.Outcome)).Append(" \u2192 ").Append(ReportFormat.Outcome(@new.Outcome)).Append("\n\n");
        md.Append("Tuned `").Append(Code(old.Tuned.Path)).Append("` (`").Append(ReportFormat.ShortHash(old.Tuned.ContentHash)).Append("`) \u2192 `")
          .Append(Code(@new.Tuned.Path)).Append("` (`").Append(ReportFormat.ShortHash(@new.Tuned.ContentHash)).Append("`)\n\n");

        var oldRows = Rows(old);
        var newRows = Rows(@new);
        var keys = oldRows.Keys.Concat(newRows.Keys.Where(k => !oldRows.ContainsKey(k))).ToList();
        if (keys.Count > 0)
        {
            md.Append("| Suite | Metric | Old \u0394 | New \u0394 | Change | Verdict |\n|---|---|--:|--:|--:|---|\n");
            foreach (var key in keys)
            {
                oldRows.TryGetValue(key, out var o);
                newRows.TryGetValue(key, out var n);
                md.Append("| ").Append(MarkdownReport.Text(key.Suite)).Append(" | ").Append(MarkdownReport.Text(key.Metric))
                  .Append(" | ").Append(o is null ? "\u2014" : ReportFormat.Signed(o.Comparison.Delta))
                  .Append(" | ").Append(n is null ? "\u2014" : ReportFormat.Signed(n.Comparison.Delta))
                  .Append(" | ").Append(o is null || n is null ? "\u2014" : Change(o.Comparison, n.Comparison))
                  .Append(" | ").Append(VerdictChange(o, n)).Append(" |\n");
            }
            md.Append('\n');
        }

        if (old.Forgetting is not null || @new.Forgetting is not null)
        {
            md.Append("**L_f**: ").Append(ReportFormat.G(old.Forgetting?.Verdict.Observed)).Append(" \u2192 ").Append(ReportFormat.G(@new.Forgetting?.Verdict.Observed));
            if (old.Forgetting is { } of && @new.Forgetting is { } nf)
            {
                double change = nf.Verdict.Observed - of.Verdict.Observed;
                md.Append(" (").Append(change >= 0 ? "+" : "\u2212").Append(ReportFormat.G(Math.Abs(change))).Append(')');
            }
            md.Append(" \u00b7 verdict ").Append(old.Forgetting is { } a ? ReportFormat.Outcome(a.Verdict.Outcome) : "\u2014")
              .Append(" \u2192 ").Append(@new.Forgetting is { } b ? ReportFormat.Outcome(b.Verdict.Outcome) : "\u2014").Append('\n');
        }
        return md.ToString();
    }

    static Dictionary<(string Suite, string Metric), MetricVerdict> Rows(GateReport report)
    {
        var rows = new Dictionary<(string, string), MetricVerdict>();
        foreach (var suite in report.Suites)
        {
            foreach (var v in suite.Metrics)
            {
                rows.TryAdd((suite.Suite, v.Comparison.QualifiedName()), v);
            }
        }

        return rows;
    }

    /// <summary>New Δ − old Δ, with ▲ when the metric got better and ▼ when it got worse (in its own direction).</summary>
    static string Change(MetricComparison o, MetricComparison n)
    {
        double change = n.Delta - o.Delta;
        double better = n.HigherIsBetter ? change : -change;
        string arrow = better > 0 ? " \u25b2" : better < 0 ? " \u25bc" : "";
        return ReportFormat.Signed(change) + arrow;
    }

    static string VerdictChange(MetricVerdict? o, MetricVerdict? n) => (o, n) switch
    {
        (null, { } b) => $"added ({MarkdownReport.Text(b.Outcome)})",
        ({ } a, null) => $"removed (was {MarkdownReport.Text(a.Outcome)})",
        ({ } a, { } b) when !string.Equals(a.Outcome, b.Outcome, StringComparison.OrdinalIgnoreCase) => $"**{MarkdownReport.Text(a.Outcome)} \u2192 {MarkdownReport.Text(b.Outcome)}**",
        ({ } a, _) => MarkdownReport.Text(a.Outcome),
        _ => "",
    };

    static string Code(string text) => text.Replace('`', '\'').Replace('\n', ' ');
}
