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
                foreach (var v in suite.Metrics)
                {
                    var m = v.Comparison;
                    md.Append("| ").Append(Text(suite.Suite)).Append(" | ").Append(Text(m.Metric)).Append(m.HigherIsBetter ? " \u2191" : " \u2193")
                      .Append(" | ").Append(ReportFormat.Value(m.Base)).Append(" | ").Append(ReportFormat.Value(m.Tuned))
                      .Append(" | ").Append(ReportFormat.DeltaWithCi(m)).Append(" | ").Append(ReportFormat.P(m.PHolm))
                      .Append(" | ").Append(Text(ReportFormat.Threshold(v))).Append(" | ").Append(Verdict(v)).Append(" |\n");
                }
            }

            md.Append('\n');
        }

        if (report.Forgetting is { } f)
        {
            md.Append(ForgettingLine(f)).Append("\n\n");
        }

        var failing = report.Suites.SelectMany(s => s.Metrics.Where(ReportFormat.IsFail).Select(v => (Suite: s, Verdict: v))).ToList();
        if (failing.Count > 0)
        {
            md.Append("<details>\n<summary><b>Top regressions</b> (").Append(ReportFormat.Plural(failing.Count, "failing metric")).Append(")</summary>\n\n");
            foreach (var (suite, v) in failing)
            {
                var (label, items, total) = ReportFormat.WorstFlips(suite, v.Comparison.Metric);
                md.Append("#### ").Append(Text(suite.Suite)).Append(" \u00b7 ").Append(Text(v.Comparison.Metric));
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
}
