using System.Globalization;
using System.Net;
using System.Text;
using RegressionGuard.Law;

namespace RegressionGuard.Reports;

/// <summary>
/// A <see cref="GateReport"/> as one self-contained HTML page: inline CSS, inline SVG charts made here, no scripts and
/// no external assets. A verdict header, the reasons, the summary table, a Δ-with-CI chart per suite, the forgetting
/// law chart, and the flipped items of failing metrics in collapsible blocks. Every piece of text from suites, models
/// or the report (prompts, answers, names, reasons) is HTML-escaped.
/// </summary>
public static partial class HtmlReport
{
    const string Pass = "#1a7f37";
    const string Fail = "#cf222e";
    const string Warn = "#9a6700";
    const string Skip = "#6e7781";

    /// <summary>Flipped items shown per failing metric; the rest stay in report.json.</summary>
    public const int MaxFlips = 50;

    /// <summary>The report as an HTML document.</summary>
    public static string Render(GateReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        string outcome = ReportFormat.Outcome(report.Outcome);
        string css = report.Outcome switch { GateOutcome.Pass => "pass", GateOutcome.Fail => "fail", _ => "error" };
        var h = new StringBuilder();
        h.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
        h.Append("<title>RegressionGuard: ").Append(outcome).Append("</title>\n<style>").Append(Style).Append("</style>\n</head>\n<body>\n<main>\n");

        // header
        int regressions = ReportFormat.Regressions(report);
        string subtitle = report.Outcome switch
        {
            GateOutcome.Pass => report.Forgetting?.Verdict.Outcome == ForgettingOutcome.Warn ? "All gates passed \u2014 1 warning" : "All gates passed",
            GateOutcome.Fail => ReportFormat.Plural(regressions, "regression"),
            _ => ReportFormat.Plural(report.Errors.Count, "error"),
        };
        h.Append("<header class=\"verdict ").Append(css).Append("\">\n<div class=\"badge\">").Append(report.Outcome == GateOutcome.Pass ? "\u2713 " : report.Outcome == GateOutcome.Fail ? "\u2717 " : "! ")
         .Append(outcome).Append("</div>\n<div class=\"title\"><h1>RegressionGuard</h1><p>").Append(H(subtitle)).Append("</p></div>\n");
        h.Append("<dl class=\"meta\">")
         .Append("<dt>Base</dt><dd><code>").Append(H(report.Base.Path)).Append("</code> <span class=\"hash\">").Append(H(ReportFormat.ShortHash(report.Base.ContentHash))).Append("</span></dd>")
         .Append("<dt>Tuned</dt><dd><code>").Append(H(report.Tuned.Path)).Append("</code> <span class=\"hash\">").Append(H(ReportFormat.ShortHash(report.Tuned.ContentHash))).Append("</span></dd>")
         .Append("<dt>Generated</dt><dd>").Append(H(report.GeneratedUtc.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture)))
         .Append(" \u00b7 ").Append(H(report.DurationSeconds.ToString("0.#", CultureInfo.InvariantCulture))).Append(" s</dd>")
         .Append("</dl>\n</header>\n");

        if (report.Errors.Count > 0 || report.Reasons.Count > 0)
        {
            h.Append("<section>\n<h2>Reasons</h2>\n<ul class=\"reasons\">\n");
            foreach (var e in report.Errors)
            {
                h.Append("<li class=\"error\"><strong>error:</strong> ").Append(H(e)).Append("</li>\n");
            }

            foreach (var r in report.Reasons)
            {
                h.Append("<li>").Append(H(r)).Append("</li>\n");
            }

            h.Append("</ul>\n</section>\n");
        }

        if (report.Suites.Count > 0)
        {
            h.Append("<section>\n<h2>Summary</h2>\n<table>\n<thead><tr><th>Suite</th><th>Metric</th><th class=\"num\">Base</th><th class=\"num\">Tuned</th><th class=\"num\">\u0394 [95% CI]</th><th class=\"num\">p (Holm)</th><th>Threshold</th><th>Verdict</th></tr></thead>\n<tbody>\n");
            foreach (var suite in report.Suites)
            {
                foreach (var v in ReportFormat.SuiteLevel(suite))
                {
                    MetricRow(h, suite.Suite, v, withGroup: false);
                }
            }

            h.Append("</tbody>\n</table>\n</section>\n");
            var grouped = report.Suites.SelectMany(s => ReportFormat.PerGroup(s).Select(v => (s.Suite, v))).ToList();
            if (grouped.Count > 0)
            {
                h.Append("<section>\n<h2>Per group</h2>\n<table>\n<thead><tr><th>Suite</th><th>Group</th><th>Metric</th><th class=\"num\">Base</th><th class=\"num\">Tuned</th><th class=\"num\">\u0394 [95% CI]</th><th class=\"num\">p (Holm)</th><th>Threshold</th><th>Verdict</th></tr></thead>\n<tbody>\n");
                foreach (var (suite, v) in grouped)
                {
                    MetricRow(h, suite, v, withGroup: true);
                }

                h.Append("</tbody>\n</table>\n</section>\n");
            }

            h.Append("<section>\n<h2>Metric deltas</h2>\n<p class=\"note\">\u0394 oriented so that right is better (lower-is-better metrics are flipped), with 95% bootstrap CIs; the dashed red mark is \u2212threshold.</p>\n<div class=\"charts\">\n");
            foreach (var suite in report.Suites.Where(s => s.Metrics.Count > 0))
            {
                h.Append("<figure>\n<figcaption>").Append(H(suite.Suite)).Append(" <span class=\"muted\">v").Append(suite.Version).Append(" \u00b7 ").Append(H(suite.Task)).Append(" \u00b7 ")
                 .Append(suite.PairedItems).Append(" paired items").Append(suite.Lengths is { Skipped: > 0 } l ? $", {l.Skipped} skipped" : "").Append("</span></figcaption>\n").Append(DeltaChart(suite)).Append("</figure>\n");
            }

            h.Append("</div>\n</section>\n");
        }

        if (report.Forgetting is { } f)
        {
            var v = f.Verdict;
            string fcls = v.Outcome switch { ForgettingOutcome.Pass => "pass", ForgettingOutcome.Warn => "warn", _ => "fail" };
            h.Append("<section>\n<h2>Forgetting <span class=\"pill ").Append(fcls).Append("\">").Append(ReportFormat.Outcome(v.Outcome)).Append("</span></h2>\n<div class=\"stats\">")
             .Append(Stat("Observed L_f", ReportFormat.G(v.Observed) + " nats/token"));
            if (v.Predicted is { } predicted)
            {
                h.Append(Stat("Law prediction" + (f.LawForm is { } form ? $" ({form})" : ""),
                    $"{ReportFormat.G(predicted)} [{ReportFormat.G(v.Lower)}, {ReportFormat.G(v.Upper)}]" + (v.Level is { } level ? " at " + ReportFormat.Percent(level) : "")));
            }

            h.Append(Stat("Budget", ReportFormat.G(v.Budget))).Append(Stat("Corpus", f.Corpus)).Append(Stat("N (steps)", ReportFormat.Int(v.N)))
             .Append(Stat("KL \u00b7 top-1 agreement", $"{ReportFormat.G(f.Kl)} \u00b7 {ReportFormat.Percent(f.TopOneAgreement)}"))
             .Append("</div>\n<p class=\"reason\">").Append(H(v.Reason)).Append("</p>\n");
            h.Append(LawChart(f));
            h.Append("</section>\n");
        }

        if (report.Diagnostics is { } diagnostics)
        {
            h.Append(DiagnosticsSection(diagnostics));
        }

        if (report.Frontier is { } frontier)
        {
            h.Append(FrontierSection(frontier, report.Forgetting?.Lf));
        }

        var failing = report.Suites.SelectMany(s => s.Metrics.Where(ReportFormat.IsFail).Select(v => (Suite: s, Verdict: v))).ToList();
        if (failing.Count > 0)
        {
            h.Append("<section>\n<h2>Flipped items</h2>\n");
            foreach (var (suite, v) in failing)
            {
                var (label, items, total) = ReportFormat.WorstFlips(suite, v.Comparison.Metric, MaxFlips, v.Comparison.Group);
                h.Append("<details class=\"flips\">\n<summary><strong>").Append(H(suite.Suite)).Append(" \u00b7 ").Append(H(v.Comparison.QualifiedName())).Append("</strong> <span class=\"muted\">")
                 .Append(H(label)).Append(": ").Append(total).Append("</span></summary>\n");
                if (items.Count == 0)
                {
                    h.Append("<p class=\"muted\">No flipped items recorded.</p>\n");
                }

                foreach (var item in items)
                {
                    h.Append("<article class=\"flip\">\n<div class=\"flip-head\"><code>").Append(H(item.Id)).Append("</code>");
                    if (!string.IsNullOrEmpty(item.Source))
                    {
                        h.Append(" <span class=\"muted\">").Append(H(item.Source)).Append("</span>");
                    }

                    h.Append("</div>\n<pre class=\"prompt\">").Append(H(item.Prompt)).Append("</pre>\n<div class=\"answers\">")
                     .Append("<div class=\"answer base\"><h4>Base</h4><pre>").Append(H(item.BaseAnswer ?? "(none)")).Append("</pre></div>")
                     .Append("<div class=\"answer tuned\"><h4>Tuned</h4><pre>").Append(H(item.TunedAnswer ?? "(none)")).Append("</pre></div></div>\n");
                    if (item.Expected is { } expected)
                    {
                        h.Append("<p class=\"expected\"><span class=\"muted\">Expected:</span> ").Append(H(expected)).Append("</p>\n");
                    }

                    h.Append("</article>\n");
                }
                if (total > items.Count)
                {
                    h.Append("<p class=\"more muted\">\u2026 and ").Append(total - items.Count).Append(" more in report.json</p>\n");
                }

                h.Append("</details>\n");
            }
            h.Append("</section>\n");
        }

        h.Append("<footer>RegressionGuard ").Append(H(report.ToolVersion)).Append(" \u00b7 report schema ").Append(report.SchemaVersion).Append("</footer>\n</main>\n</body>\n</html>\n");
        return h.ToString();
    }

    static string H(string? text) => WebUtility.HtmlEncode(text ?? "");

    static string Stat(string label, string value) => $"<div class=\"stat\"><span>{H(label)}</span><strong>{H(value)}</strong></div>";

    static string OutcomeClass(MetricVerdict v) => ReportFormat.IsFail(v) ? "fail" : ReportFormat.IsSkip(v) ? "skip" : "pass";

    static string Color(MetricVerdict v) => ReportFormat.IsFail(v) ? Fail : ReportFormat.IsSkip(v) ? Skip : Pass;

    static string C(double value) => ReportFormat.Coord(value);

    /// <summary>One summary row: the suite, the group (per-group rows), the metric's numbers and its verdict.</summary>
    static void MetricRow(StringBuilder h, string suite, MetricVerdict v, bool withGroup)
    {
        var m = v.Comparison;
        string cls = OutcomeClass(v);
        h.Append("<tr class=\"").Append(cls).Append("\"><td>").Append(H(suite)).Append("</td>").Append(withGroup ? "<td>" + H(m.Group) + "</td>" : "").Append("<td>").Append(H(m.Metric))
         .Append(" <span class=\"dir\" title=\"").Append(m.HigherIsBetter ? "higher is better" : "lower is better").Append("\">").Append(m.HigherIsBetter ? "\u2191" : "\u2193").Append("</span></td>")
         .Append("<td class=\"num\">").Append(ReportFormat.Value(m.Base)).Append("</td><td class=\"num\">").Append(ReportFormat.Value(m.Tuned)).Append("</td>")
         .Append("<td class=\"num\">").Append(H(ReportFormat.DeltaWithCi(m))).Append("</td><td class=\"num\">").Append(H(ReportFormat.P(m.PHolm))).Append("</td>")
         .Append("<td>").Append(H(ReportFormat.Threshold(v))).Append("</td><td><span class=\"pill ").Append(cls).Append("\" title=\"").Append(H(v.Reason)).Append("\">").Append(H(v.Outcome)).Append("</span></td></tr>\n");
    }

    /// <summary>Rows of Δ (oriented: positive = better) with CI whiskers, the zero line and each metric's −threshold.</summary>
    static string DeltaChart(SuiteReport suite)
    {
        const double width = 960, left = 170, right = 28, top = 12, row = 34, axis = 36;
        var rows = ReportFormat.SuiteLevel(suite).Select(v =>
        {
            var m = v.Comparison;
            double s = m.HigherIsBetter ? 1 : -1;
            double lo = Math.Min(s * m.CiLower, s * m.CiUpper), hi = Math.Max(s * m.CiLower, s * m.CiUpper);
            return (Verdict: v, Delta: s * m.Delta, Lo: lo, Hi: hi, Threshold: v.Threshold is { } t ? -t : (double?)null);
        }).ToList();
        var values = rows.SelectMany(r => new[] { r.Delta, r.Lo, r.Hi, r.Threshold ?? 0 }).Where(double.IsFinite).Append(0).ToList();
        double min = values.Min(), max = values.Max();
        if (max - min < 1e-9) { min -= 0.01; max += 0.01; }
        double pad = (max - min) * 0.08;
        var ticks = Ticks(min - pad, max + pad, 6);
        min = Math.Min(min - pad, ticks[0]);
        max = Math.Max(max + pad, ticks[^1]);
        double plotW = width - left - right;
        double height = top + rows.Count * row + axis;
        double X(double value) => left + (value - min) / (max - min) * plotW;

        var svg = new StringBuilder();
        svg.Append("<svg class=\"chart\" viewBox=\"0 0 ").Append(C(width)).Append(' ').Append(C(height)).Append("\" role=\"img\" aria-label=\"").Append(H($"Delta with 95% CI per metric of {suite.Suite}")).Append("\">\n");
        double bottom = top + rows.Count * row;
        for (int i = 0; i < rows.Count; i++)
        {
            if (i % 2 == 0)
            {
                svg.Append("<rect x=\"").Append(C(left)).Append("\" y=\"").Append(C(top + i * row)).Append("\" width=\"").Append(C(plotW)).Append("\" height=\"").Append(C(row)).Append("\" fill=\"#f6f8fa\"/>\n");
            }
        }

        foreach (var t in ticks)
        {
            svg.Append("<line x1=\"").Append(C(X(t))).Append("\" x2=\"").Append(C(X(t))).Append("\" y1=\"").Append(C(top)).Append("\" y2=\"").Append(C(bottom)).Append("\" stroke=\"#d0d7de\" stroke-width=\"0.6\"/>\n");
            svg.Append("<text x=\"").Append(C(X(t))).Append("\" y=\"").Append(C(bottom + 18)).Append("\" text-anchor=\"middle\" class=\"tick\">").Append(H(ReportFormat.Signed(t))).Append("</text>\n");
        }
        svg.Append("<line x1=\"").Append(C(X(0))).Append("\" x2=\"").Append(C(X(0))).Append("\" y1=\"").Append(C(top)).Append("\" y2=\"").Append(C(bottom)).Append("\" stroke=\"#57606a\" stroke-width=\"1.5\"/>\n");
        for (int i = 0; i < rows.Count; i++)
        {
            var r = rows[i];
            double y = top + i * row + row / 2;
            string color = Color(r.Verdict);
            svg.Append("<text x=\"").Append(C(left - 10)).Append("\" y=\"").Append(C(y + 4)).Append("\" text-anchor=\"end\" class=\"label\">").Append(H(ReportFormat.Truncate(r.Verdict.Comparison.Metric, 24))).Append("</text>\n");
            if (r.Threshold is { } thr)
            {
                svg.Append("<line x1=\"").Append(C(X(thr))).Append("\" x2=\"").Append(C(X(thr))).Append("\" y1=\"").Append(C(y - row / 2 + 3)).Append("\" y2=\"").Append(C(y + row / 2 - 3))
                   .Append("\" stroke=\"").Append(Fail).Append("\" stroke-width=\"2\" stroke-dasharray=\"4 3\"><title>").Append(H("\u2212threshold " + ReportFormat.Signed(thr))).Append("</title></line>\n");
            }

            double x0 = Math.Min(X(0), X(r.Delta)), x1 = Math.Max(X(0), X(r.Delta));
            svg.Append("<rect x=\"").Append(C(x0)).Append("\" y=\"").Append(C(y - 7)).Append("\" width=\"").Append(C(Math.Max(x1 - x0, 0.5))).Append("\" height=\"14\" rx=\"2\" fill=\"").Append(color).Append("\" fill-opacity=\"0.22\"/>\n");
            svg.Append("<g stroke=\"").Append(color).Append("\" stroke-width=\"2\"><line x1=\"").Append(C(X(r.Lo))).Append("\" x2=\"").Append(C(X(r.Hi))).Append("\" y1=\"").Append(C(y)).Append("\" y2=\"").Append(C(y)).Append("\"/>")
               .Append("<line x1=\"").Append(C(X(r.Lo))).Append("\" x2=\"").Append(C(X(r.Lo))).Append("\" y1=\"").Append(C(y - 6)).Append("\" y2=\"").Append(C(y + 6)).Append("\"/>")
               .Append("<line x1=\"").Append(C(X(r.Hi))).Append("\" x2=\"").Append(C(X(r.Hi))).Append("\" y1=\"").Append(C(y - 6)).Append("\" y2=\"").Append(C(y + 6)).Append("\"/></g>\n");
            svg.Append("<circle cx=\"").Append(C(X(r.Delta))).Append("\" cy=\"").Append(C(y)).Append("\" r=\"5\" fill=\"").Append(color).Append("\"><title>")
               .Append(H($"{r.Verdict.Comparison.Metric}: \u0394 {ReportFormat.DeltaWithCi(r.Verdict.Comparison)} ({r.Verdict.Outcome})")).Append("</title></circle>\n");
        }
        svg.Append("<text x=\"").Append(C(left + plotW / 2)).Append("\" y=\"").Append(C(height - 2)).Append("\" text-anchor=\"middle\" class=\"axis\">\u0394 tuned \u2212 base (\u2192 better)</text>\n");
        svg.Append("</svg>\n");
        return svg.ToString();
    }

    /// <summary>The law's predicted L_f against N with its interval band, the budget line and the observed checkpoint.</summary>
    static string LawChart(ForgettingReport f)
    {
        var v = f.Verdict;
        var curve = f.Curve.Where(p => double.IsFinite(p.N) && double.IsFinite(p.Predicted) && double.IsFinite(p.Lower) && double.IsFinite(p.Upper)).OrderBy(p => p.N).ToList();
        const double width = 960, height = 380, left = 70, right = 28, top = 16, bottom = 52;
        var xs = curve.Select(p => p.N).Append(v.N).Where(n => n > 0).ToList();
        if (xs.Count == 0)
        {
            return "";
        }

        double xMin = xs.Min(), xMax = xs.Max();
        bool log = xMin > 0 && xMax / xMin > 30;
        if (!log)
        {
            xMin = Math.Min(0, xMin); if (xMax - xMin < 1e-9)
            {
                xMax = xMin + 1;
            }
        }
        // Scale to what matters (observed, budget, predicted); a very wide prediction band is clipped at the top.
        double focus = curve.Select(p => p.Predicted).Append(v.Observed).Append(v.Budget).Where(double.IsFinite).Max();
        double yMax = Math.Min(curve.Select(p => p.Upper).Append(v.Observed).Append(v.Budget).Append(v.Upper ?? 0).Where(double.IsFinite).Max(), focus * 1.6) * 1.12;
        if (yMax <= 0)
        {
            yMax = 1;
        }

        var yTicks = Ticks(0, yMax, 5);
        yMax = Math.Max(yMax, yTicks[^1]);
        double plotW = width - left - right, plotH = height - top - bottom;
        double X(double n) => log
            ? left + (Math.Log10(n) - Math.Log10(xMin)) / (Math.Log10(xMax) - Math.Log10(xMin)) * plotW
            : left + (n - xMin) / (xMax - xMin) * plotW;
        double Y(double lf) => top + plotH - Math.Clamp(lf, 0, yMax) / yMax * plotH;

        var svg = new StringBuilder();
        svg.Append("<svg class=\"chart law\" viewBox=\"0 0 ").Append(C(width)).Append(' ').Append(C(height)).Append("\" role=\"img\" aria-label=\"Forgetting law curve\">\n");
        foreach (var t in yTicks)
        {
            svg.Append("<line x1=\"").Append(C(left)).Append("\" x2=\"").Append(C(left + plotW)).Append("\" y1=\"").Append(C(Y(t))).Append("\" y2=\"").Append(C(Y(t))).Append("\" stroke=\"#d0d7de\" stroke-width=\"0.6\"/>")
               .Append("<text x=\"").Append(C(left - 8)).Append("\" y=\"").Append(C(Y(t) + 4)).Append("\" text-anchor=\"end\" class=\"tick\">").Append(H(ReportFormat.G(t))).Append("</text>\n");
        }

        var xTicks = log ? LogTicks(xMin, xMax) : Ticks(xMin, xMax, 6).Where(t => t >= xMin && t <= xMax).ToList();
        foreach (var t in xTicks)
        {
            svg.Append("<line x1=\"").Append(C(X(t))).Append("\" x2=\"").Append(C(X(t))).Append("\" y1=\"").Append(C(top)).Append("\" y2=\"").Append(C(top + plotH)).Append("\" stroke=\"#eaeef2\" stroke-width=\"0.6\"/>")
               .Append("<text x=\"").Append(C(X(t))).Append("\" y=\"").Append(C(top + plotH + 18)).Append("\" text-anchor=\"middle\" class=\"tick\">").Append(H(Compact(t))).Append("</text>\n");
        }

        svg.Append("<rect x=\"").Append(C(left)).Append("\" y=\"").Append(C(top)).Append("\" width=\"").Append(C(plotW)).Append("\" height=\"").Append(C(plotH)).Append("\" fill=\"none\" stroke=\"#8c959f\" stroke-width=\"0.8\"/>\n");
        if (curve.Count > 1)
        {
            var band = curve.Select(p => $"{C(X(p.N))},{C(Y(p.Upper))}").Concat(curve.AsEnumerable().Reverse().Select(p => $"{C(X(p.N))},{C(Y(p.Lower))}"));
            svg.Append("<polygon points=\"").Append(string.Join(' ', band)).Append("\" fill=\"#0969da\" fill-opacity=\"0.14\" stroke=\"none\"/>\n");
            svg.Append("<polyline points=\"").Append(string.Join(' ', curve.Select(p => $"{C(X(p.N))},{C(Y(p.Predicted))}"))).Append("\" fill=\"none\" stroke=\"#0969da\" stroke-width=\"2.2\"/>\n");
        }
        svg.Append("<line x1=\"").Append(C(left)).Append("\" x2=\"").Append(C(left + plotW)).Append("\" y1=\"").Append(C(Y(v.Budget))).Append("\" y2=\"").Append(C(Y(v.Budget)))
           .Append("\" stroke=\"").Append(Fail).Append("\" stroke-width=\"1.6\" stroke-dasharray=\"6 4\"/>")
           .Append("<text x=\"").Append(C(left + plotW - 6)).Append("\" y=\"").Append(C(Y(v.Budget) - 6)).Append("\" text-anchor=\"end\" class=\"tick\" fill=\"").Append(Fail).Append("\">budget ").Append(H(ReportFormat.G(v.Budget))).Append("</text>\n");
        if (v.N > 0)
        {
            if (v.Lower is { } lo && v.Upper is { } up)
            {
                svg.Append("<line x1=\"").Append(C(X(v.N))).Append("\" x2=\"").Append(C(X(v.N))).Append("\" y1=\"").Append(C(Y(lo))).Append("\" y2=\"").Append(C(Y(up))).Append("\" stroke=\"#0969da\" stroke-width=\"2\"/>\n");
            }

            string color = v.Outcome switch { ForgettingOutcome.Pass => Pass, ForgettingOutcome.Warn => Warn, _ => Fail };
            svg.Append("<circle cx=\"").Append(C(X(v.N))).Append("\" cy=\"").Append(C(Y(v.Observed))).Append("\" r=\"6\" fill=\"").Append(color).Append("\" stroke=\"#fff\" stroke-width=\"1.5\"><title>")
               .Append(H($"observed L_f {ReportFormat.G(v.Observed)} at N = {ReportFormat.Int(v.N)}")).Append("</title></circle>\n");
            bool leftSide = X(v.N) > left + plotW * 0.7;
            svg.Append("<text x=\"").Append(C(X(v.N) + (leftSide ? -10 : 10))).Append("\" y=\"").Append(C(Y(v.Observed) - 8)).Append("\" text-anchor=\"").Append(leftSide ? "end" : "start").Append("\" class=\"label\" fill=\"").Append(color).Append("\">")
               .Append(H($"observed {ReportFormat.G(v.Observed)} @ N={ReportFormat.Int(v.N)}")).Append("</text>\n");
        }
        svg.Append("<text x=\"").Append(C(left + plotW / 2)).Append("\" y=\"").Append(C(height - 10)).Append("\" text-anchor=\"middle\" class=\"axis\">N (optimizer steps").Append(log ? ", log scale" : "").Append(")</text>\n");
        svg.Append("<text transform=\"translate(16 ").Append(C(top + plotH / 2)).Append(") rotate(-90)\" text-anchor=\"middle\" class=\"axis\">L_f (nats/token)</text>\n");
        svg.Append("</svg>\n<p class=\"legend\"><span class=\"key band\"></span>law prediction").Append(v.Level is { } level ? " (" + ReportFormat.Percent(level) + " interval)" : "")
           .Append(" <span class=\"key budget\"></span>budget <span class=\"key observed\"></span>observed checkpoint</p>\n");
        return svg.ToString();
    }

    /// <summary>Round tick values (1, 2, 5 × 10^k steps) covering [min, max].</summary>
    static List<double> Ticks(double min, double max, int target)
    {
        double span = max - min;
        if (!(span > 0) || !double.IsFinite(span))
        {
            return [min];
        }

        double raw = span / target, magnitude = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        double step = new[] { 1.0, 2, 5, 10 }.Select(k => k * magnitude).First(s => s >= raw);
        var ticks = new List<double>();
        for (double t = Math.Floor(min / step) * step; t <= max + step * 0.999; t += step)
        {
            ticks.Add(Math.Abs(t) < step * 1e-9 ? 0 : Math.Round(t, 12));
        }

        return ticks;
    }

    static List<double> LogTicks(double min, double max)
    {
        var ticks = new List<double>();
        for (double d = Math.Pow(10, Math.Floor(Math.Log10(min))); d <= max * 1.0001; d *= 10)
        {
            foreach (var k in new[] { 1.0, 2, 5 })
            {
                if (k * d >= min * 0.9999 && k * d <= max * 1.0001)
                {
                    ticks.Add(k * d);
                }
            }
        }

        return ticks;
    }

    static string Compact(double n) => Math.Abs(n) switch
    {
        >= 1e6 => (n / 1e6).ToString("0.##", CultureInfo.InvariantCulture) + "M",
        >= 1e3 => (n / 1e3).ToString("0.##", CultureInfo.InvariantCulture) + "k",
        _ => n.ToString("0.##", CultureInfo.InvariantCulture),
    };

    const string Style = """

:root{--pass:#1a7f37;--fail:#cf222e;--warn:#9a6700;--skip:#6e7781;--fg:#1f2328;--muted:#656d76;--line:#d0d7de;--bg:#ffffff;--soft:#f6f8fa}
*{box-sizing:border-box}
body{margin:0;background:#eef1f4;color:var(--fg);font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,"Noto Sans",sans-serif}
main{max-width:1040px;margin:24px auto;padding:0 20px 32px}
section{background:var(--bg);border:1px solid var(--line);border-radius:10px;padding:18px 22px;margin:16px 0}
h1{margin:0;font-size:22px;letter-spacing:-.01em}
h2{margin:0 0 12px;font-size:17px;display:flex;align-items:center;gap:10px}
h4{margin:0 0 4px;font-size:12px;text-transform:uppercase;letter-spacing:.04em;color:var(--muted)}
code,pre,.hash{font-family:ui-monospace,SFMono-Regular,"SF Mono",Menlo,Consolas,"Liberation Mono",monospace;font-size:12.5px}
.verdict{display:flex;align-items:center;gap:20px;flex-wrap:wrap;background:var(--bg);border:1px solid var(--line);border-left:8px solid var(--skip);border-radius:10px;padding:18px 22px}
.verdict.pass{border-left-color:var(--pass)}.verdict.fail{border-left-color:var(--fail)}.verdict.error{border-left-color:var(--warn)}
.badge{font-weight:700;font-size:20px;color:#fff;padding:8px 18px;border-radius:8px;background:var(--skip);letter-spacing:.04em}
.pass .badge{background:var(--pass)}.fail .badge{background:var(--fail)}.error .badge{background:var(--warn)}
.title p{margin:2px 0 0;color:var(--muted);font-size:15px}
.meta{margin:0 0 0 auto;display:grid;grid-template-columns:auto auto;gap:2px 12px;font-size:13px}
.meta dt{color:var(--muted)}.meta dd{margin:0}
.hash{color:var(--muted)}
.reasons{margin:0;padding-left:20px}.reasons li{margin:4px 0}.reasons li.error{color:var(--warn)}
table{width:100%;border-collapse:collapse;font-size:13px}
th,td{padding:7px 10px;border-bottom:1px solid var(--line);text-align:left;white-space:nowrap}
th{background:var(--soft);font-weight:600;color:#424a53}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
tr.fail td{background:#ffebe9}
.dir{color:var(--muted)}
.pill{display:inline-block;font-size:12px;font-weight:600;padding:1px 10px;border-radius:999px;color:#fff;background:var(--skip);text-transform:uppercase;letter-spacing:.03em}
.pill.pass{background:var(--pass)}.pill.fail{background:var(--fail)}.pill.warn{background:var(--warn)}
.note,.muted,.legend{color:var(--muted)}.note{margin:-6px 0 10px;font-size:13px}
.charts{display:grid;gap:12px}
figure{margin:0}figcaption{font-weight:600;margin-bottom:4px}
.chart{width:100%;height:auto;display:block}
.chart text{font-family:inherit}.chart .tick{font-size:11px;fill:#57606a}.chart .label{font-size:12.5px;fill:#1f2328}.chart .axis{font-size:12px;fill:#57606a}
.stats{display:grid;grid-template-columns:repeat(auto-fit,minmax(150px,1fr));gap:10px;margin-bottom:10px}
.stat strong{overflow-wrap:anywhere}
.stat{background:var(--soft);border-radius:8px;padding:8px 12px}.stat span{display:block;color:var(--muted);font-size:12px}.stat strong{font-size:14px;font-variant-numeric:tabular-nums}
.reason{margin:6px 0 12px}
.legend{font-size:12.5px;margin:6px 0 0}
.key{display:inline-block;width:18px;height:10px;margin:0 6px 0 14px;vertical-align:middle;border-radius:2px}
.key.run{height:0;border-top:2px dashed #0969da}
.key.band{background:rgba(9,105,218,.25);border-top:2px solid #0969da;margin-left:0}.key.budget{border-top:2px dashed var(--fail);height:0}.key.observed{width:10px;border-radius:50%;background:var(--fail)}
details.flips{border:1px solid var(--line);border-radius:8px;margin:10px 0;background:var(--bg)}
details.flips>summary{cursor:pointer;padding:10px 14px;background:var(--soft);border-radius:8px}
details.flips[open]>summary{border-bottom:1px solid var(--line);border-radius:8px 8px 0 0}
.flip{padding:12px 14px;border-bottom:1px solid #eaeef2}.flip:last-child{border-bottom:none}
.flip-head{margin-bottom:6px}
pre{margin:0;white-space:pre-wrap;word-break:break-word;background:var(--soft);border-radius:6px;padding:8px 10px;max-height:16em;overflow:auto}
.answers{display:grid;grid-template-columns:1fr 1fr;gap:10px;margin-top:8px}
.answer.base pre{border-left:3px solid var(--pass)}.answer.tuned pre{border-left:3px solid var(--fail)}
.expected{margin:8px 0 0;font-size:13px}
.more{padding:10px 14px;margin:0}
footer{color:var(--muted);font-size:12px;text-align:center;margin-top:20px}

""";
}
