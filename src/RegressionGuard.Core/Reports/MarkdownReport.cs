using System.Text;
using RegressionGuard.Law;

namespace RegressionGuard.Reports;

/// <summary>
/// A <see cref="GateReport"/> as GitHub-flavoured Markdown for a pull-request comment or a job summary: the verdict,
/// the reasons, one table of every metric, the forgetting line, and the top regressions in a collapsible block.
/// Text from suites and models (prompts, answers, names) is escaped, so it cannot inject HTML or break the table.
/// </summary>
public static class MarkdownReport
{
    /// <summary>The report as Markdown (LF line endings).</summary>
    public static string Render(GateReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var md = new StringBuilder();
        md.Append("## ").Append(Headline(report)).Append('\n').Append('\n');
        md.Append("Base `").Append(Code(report.Base.Path)).Append("` (`").Append(Code(ReportFormat.ShortHash(report.Base.ContentHash)))
          .Append("`) \u2192 tuned `").Append(Code(report.Tuned.Path)).Append("` (`").Append(Code(ReportFormat.ShortHash(report.Tuned.ContentHash))).Append("`)\n\n");

        if (report.Reasons.Count > 0 || report.Errors.Count > 0)
        {
            foreach (var error in report.Errors)
            {
                md.Append("- **error:** ").Append(Text(error)).Append('\n');
            }

            foreach (var reason in report.Reasons)
            {
                md.Append("- ").Append(Text(reason)).Append('\n');
            }

            md.Append('\n');
        }

        if (report.Suites.Count > 0)
        {
            md.Append("| Suite | Metric | Base | Tuned | \u0394 [95% CI] | p (Holm) | Threshold | Verdict |\n");
            md.Append("|---|---|--:|--:|--:|--:|---|---|\n");
            foreach (var suite in report.Suites)
            {
                foreach (var v in ReportFormat.SuiteLevel(suite))
                {
                    MetricRow(md, suite.Suite, v);
                }
            }

            md.Append('\n');
            var grouped = report.Suites.SelectMany(s => ReportFormat.PerGroup(s).Select(v => (s.Suite, v))).ToList();
            if (grouped.Count > 0)
            {
                md.Append("**Per group** (`group_by`)\n\n");
                md.Append("| Suite | Group | Metric | Base | Tuned | \u0394 [95% CI] | p (Holm) | Threshold | Verdict |\n");
                md.Append("|---|---|---|--:|--:|--:|--:|---|---|\n");
                foreach (var (suite, v) in grouped)
                {
                    MetricRow(md, suite, v, withGroup: true);
                }

                md.Append('\n');
            }
        }

        if (report.Forgetting is { } f)
        {
            md.Append(ForgettingLine(f)).Append("\n\n");
        }

        if (report.Diagnostics is { } d)
        {
            md.Append(DiagnosticsBlock(d));
        }

        if (report.Frontier is { } frontier)
        {
            md.Append(FrontierBlock(frontier, report.Forgetting?.Lf));
        }

        var failing = report.Suites.SelectMany(s => s.Metrics.Where(ReportFormat.IsFail).Select(v => (Suite: s, Verdict: v))).ToList();
        if (failing.Count > 0)
        {
            md.Append("<details>\n<summary><b>Top regressions</b> (").Append(ReportFormat.Plural(failing.Count, "failing metric")).Append(")</summary>\n\n");
            foreach (var (suite, v) in failing)
            {
                var (label, items, total) = ReportFormat.WorstFlips(suite, v.Comparison.Metric, ReportFormat.TopFlips, v.Comparison.Group);
                md.Append("#### ").Append(Text(suite.Suite)).Append(" \u00b7 ").Append(Text(v.Comparison.QualifiedName()));
                if (total > 0)
                {
                    md.Append(" \u2014 ").Append(Text(label)).Append(": ").Append(total).Append(total > items.Count ? $" (top {items.Count})" : "");
                }

                md.Append("\n\n");
                if (items.Count == 0)
                {
                    md.Append("_No flipped items recorded._\n\n");
                }

                foreach (var item in items)
                {
                    md.Append("- `").Append(Code(item.Id)).Append("` ").Append(Text(ReportFormat.Truncate(item.Prompt))).Append("<br>")
                      .Append(Text(ReportFormat.Truncate(item.BaseAnswer ?? "(none)"))).Append(" \u2192 **")
                      .Append(Text(ReportFormat.Truncate(item.TunedAnswer ?? "(none)"))).Append("**");
                    if (item.Expected is { } expected)
                    {
                        md.Append(" (expected: ").Append(Text(ReportFormat.Truncate(expected, 60))).Append(')');
                    }

                    md.Append('\n');
                }
                md.Append('\n');
            }
            md.Append("</details>\n\n");
        }

        md.Append("<sub>RegressionGuard ").Append(Text(report.ToolVersion)).Append(" \u00b7 report schema ").Append(report.SchemaVersion).Append("</sub>\n");
        return md.ToString();
    }

    /// <summary>"❌ RegressionGuard: FAIL — 2 regressions", "✅ RegressionGuard: PASS" or "⚠️ RegressionGuard: ERROR — …".</summary>
    public static string Headline(GateReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        int regressions = ReportFormat.Regressions(report);
        return report.Outcome switch
        {
            GateOutcome.Pass => "\u2705 RegressionGuard: PASS" + (report.Forgetting?.Verdict.Outcome == ForgettingOutcome.Warn ? " \u2014 1 warning" : ""),
            GateOutcome.Fail => "\u274c RegressionGuard: FAIL \u2014 " + ReportFormat.Plural(regressions, "regression"),
            _ => "\u26a0\ufe0f RegressionGuard: ERROR \u2014 " + ReportFormat.Plural(report.Errors.Count, "error"),
        };
    }

    static string Verdict(MetricVerdict v) =>
        ReportFormat.IsFail(v) ? "\u274c fail" : ReportFormat.IsSkip(v) ? "\u23ed\ufe0f skip" : "\u2705 pass";

    static string DiagnosticsBlock(Diagnostics.WeightDiagnosticsReport d)
    {
        var md = new StringBuilder();
        md.Append("**Weight diagnostics** (").Append(d.Update == "lora" ? "from the adapter's factors" : "tuned \u2212 base").Append(", ").Append(ReportFormat.Plural(d.Modules.Count, "projection"))
          .Append("): \u2016\u0394W\u2016_F ").Append(ReportFormat.G(d.TotalFrobenius)).Append(" \u00b7 mean stable rank ").Append(ReportFormat.G(d.MeanStableRank))
          .Append(" \u00b7 intruder dimensions among the top ").Append(d.Options.TopK).Append(": ").Append(ReportFormat.Intruders(d)).Append("\n\n");
        var largest = ReportFormat.LargestUpdates(d);
        if (largest.Count > 0)
        {
            md.Append("<details>\n<summary>Largest updates</summary>\n\n| Projection | \u2016\u0394W\u2016_F | relative | spectral | stable rank | intruders (").Append(string.Join(" / ", d.Options.Thresholds.Select(e => "\u03b5 " + ReportFormat.G(e)))).Append(") |\n|---|---:|---:|---:|---:|---:|\n");
            foreach (var m in largest)
            {
                md.Append("| `").Append(Code(m.Module)).Append("` | ").Append(ReportFormat.G(m.Frobenius)).Append(" | ").Append(ReportFormat.G(m.RelativeChange)).Append(" | ")
                  .Append(ReportFormat.G(m.Spectral)).Append(" | ").Append(ReportFormat.G(m.StableRank)).Append(" | ").Append(string.Join(" / ", m.Intruders)).Append(" |\n");
            }
            md.Append("\n</details>\n\n");
        }
        return md.ToString();
    }

    static string FrontierBlock(FrontierReport frontier, double? lf)
    {
        var md = new StringBuilder();
        md.Append("**Learning\u2013forgetting frontier** (").Append(Text(frontier.Ledger)).Append(')');
        if (lf is { } observed)
        {
            md.Append(": this run's L_f ").Append(ReportFormat.G(observed));
        }

        md.Append("\n\n| Method | checkpoints | on its frontier | L_ft range | lowest L_f |\n|---|---:|---:|---|---:|\n");
        foreach (var method in frontier.Points.GroupBy(p => p.Method))
        {
            md.Append("| ").Append(Text(method.Key)).Append(" | ").Append(method.Count()).Append(" | ").Append(method.Count(p => p.OnFrontier)).Append(" | ")
              .Append(ReportFormat.G(method.Min(p => p.LFt))).Append('\u2013').Append(ReportFormat.G(method.Max(p => p.LFt))).Append(" | ")
              .Append(ReportFormat.G(method.Min(p => p.Lf))).Append(" |\n");
        }
        return md.Append('\n').ToString();
    }

    static string ForgettingLine(ForgettingReport f)
    {
        var v = f.Verdict;
        string icon = v.Outcome switch { ForgettingOutcome.Pass => "\u2705", ForgettingOutcome.Warn => "\u26a0\ufe0f", _ => "\u274c" };
        var line = new StringBuilder();
        line.Append("**Forgetting** (L_f on ").Append(Text(f.Corpus)).Append("): observed **").Append(ReportFormat.G(v.Observed)).Append("** nats/token");
        if (f.Bounds is { } bounds)
        {
            line.Append(" \u00b7 **bounded, not exact**: ").Append(ReportFormat.G(f.LfLower)).Append(" \u2264 L_f \u2264 ").Append(ReportFormat.G(f.LfUpper)).Append(" (").Append(Text(bounds)).Append(')');
        }
        if (v.Predicted is { } predicted)
        {
            line.Append(" \u00b7 law");
            if (f.LawForm is { } form)
            {
                line.Append(" (").Append(Text(form)).Append(')');
            }

            line.Append(' ').Append(ReportFormat.G(predicted)).Append(" [").Append(ReportFormat.G(v.Lower)).Append(", ").Append(ReportFormat.G(v.Upper)).Append(']');
            if (v.Level is { } level)
            {
                line.Append(" at ").Append(ReportFormat.Percent(level));
            }
        }
        line.Append(" \u00b7 budget ").Append(ReportFormat.G(v.Budget)).Append(" \u00b7 ").Append(icon).Append(' ').Append(ReportFormat.Outcome(v.Outcome))
            .Append(" \u2014 ").Append(Text(v.Reason));
        return line.ToString();
    }

    /// <summary>User text for Markdown: one line, HTML-escaped, Markdown punctuation and table pipes backslash-escaped.</summary>
    internal static string Text(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return "";
        }

        var sb = new StringBuilder(text.Length + 8);
        foreach (char c in text)
        {
            switch (c)
            {
                case '\r' or '\n' or '\t': sb.Append(' '); break;
                case '<': sb.Append("&lt;"); break;
                case '>': sb.Append("&gt;"); break;
                case '&': sb.Append("&amp;"); break;
                case '\\' or '`' or '*' or '_' or '[' or ']' or '|' or '#' or '~' or '!': sb.Append('\\').Append(c); break;
                default: sb.Append(c); break;
            }
        }
        return sb.ToString();
    }

    /// <summary>Text inside an inline code span: backticks and line breaks cannot end it; HTML stays inert in code.</summary>
    static string Code(string? text) => string.IsNullOrEmpty(text) ? "" :
        string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries)).Replace('`', '\'');

    /// <summary>One table row: the suite, the group (per-group rows), then the metric's numbers and verdict.</summary>
    static void MetricRow(StringBuilder md, string suite, MetricVerdict v, bool withGroup = false)
    {
        var m = v.Comparison;
        md.Append("| ").Append(Text(suite)).Append(withGroup ? " | " + Text(m.Group) : "").Append(" | ").Append(Text(m.Metric)).Append(m.HigherIsBetter ? " \u2191" : " \u2193")
          .Append(" | ").Append(ReportFormat.Value(m.Base)).Append(" | ").Append(ReportFormat.Value(m.Tuned))
          .Append(" | ").Append(ReportFormat.DeltaWithCi(m)).Append(" | ").Append(ReportFormat.P(m.PHolm))
          .Append(" | ").Append(Text(ReportFormat.Threshold(v))).Append(" | ").Append(Verdict(v)).Append(" |\n");
    }
}
