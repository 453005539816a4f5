using System.Text;
using RegressionGuard.Diagnostics;

namespace RegressionGuard.Reports;

/// <summary>The forgetting diagnostics of the HTML report: weight-space diagnostics and the learning–forgetting frontier.</summary>
public static partial class HtmlReport
{
    /// <summary>Colours of the methods on the frontier chart, in method order (repeating past eight methods).</summary>
    static readonly string[] MethodColors = ["#0969da", "#cf222e", "#1a7f37", "#8250df", "#bc4c00", "#1b7c83", "#bf3989", "#6e7781"];

    static string DiagnosticsSection(WeightDiagnosticsReport d)
    {
        var h = new StringBuilder();
        h.Append("<section>\n<h2>Weight diagnostics</h2>\n<div class=\"stats\">")
         .Append(Stat("Update", d.Update == "lora" ? "LoRA factors" : "tuned \u2212 base"))
         .Append(Stat("Projections", d.Modules.Count.ToString(System.Globalization.CultureInfo.InvariantCulture)))
         .Append(Stat("\u2016\u0394W\u2016_F", ReportFormat.G(d.TotalFrobenius)))
         .Append(Stat("Mean stable rank", ReportFormat.G(d.MeanStableRank)))
         .Append(Stat($"Intruders (top {d.Options.TopK})", ReportFormat.Intruders(d)))
         .Append("</div>\n<p class=\"note\">Intruder dimensions (Shuttleworth et al. 2025): top singular vectors of a tuned weight whose best |cos| with every base singular vector is below \u03b5. Largest updates first.</p>\n");
        var largest = ReportFormat.LargestUpdates(d);
        if (largest.Count > 0)
        {
            h.Append("<table>\n<thead><tr><th>Projection</th><th class=\"num\">\u2016\u0394W\u2016_F</th><th class=\"num\">relative</th><th class=\"num\">spectral</th><th class=\"num\">stable rank</th><th class=\"num\">intruders (")
             .Append(H(string.Join(" / ", d.Options.Thresholds.Select(e => "\u03b5 " + ReportFormat.G(e))))).Append(")</th></tr></thead>\n<tbody>\n");
            foreach (var m in largest)
            {
                h.Append("<tr><td><code>").Append(H(m.Module)).Append("</code></td><td class=\"num\">").Append(ReportFormat.G(m.Frobenius)).Append("</td><td class=\"num\">").Append(ReportFormat.G(m.RelativeChange))
                 .Append("</td><td class=\"num\">").Append(ReportFormat.G(m.Spectral)).Append("</td><td class=\"num\">").Append(ReportFormat.G(m.StableRank))
                 .Append("</td><td class=\"num\">").Append(H(string.Join(" / ", m.Intruders))).Append("</td></tr>\n");
            }
            h.Append("</tbody>\n</table>\n");
        }
        return h.Append("</section>\n").ToString();
    }

    static string FrontierSection(FrontierReport frontier, double? lf)
    {
        var h = new StringBuilder();
        h.Append("<section>\n<h2>Learning\u2013forgetting frontier</h2>\n<p class=\"note\">Every checkpoint of the sweep ledger <code>").Append(H(frontier.Ledger))
         .Append("</code> on the plane of fine-tuning loss L_ft against forgetting L_f (lower left is better); lines join each method's Pareto-optimal checkpoints (Biderman et al. 2024)")
         .Append(lf is null ? "" : "; the dashed line is this run's L_f").Append(".</p>\n");
        if (frontier.Points.Count == 0)
        {
            return h.Append("<p class=\"muted\">The ledger has no checkpoint with both L_ft and L_f.</p>\n</section>\n").ToString();
        }

        const double width = 960, height = 380, left = 70, right = 28, top = 16, bottom = 52;
        double plotW = width - left - right, plotH = height - top - bottom;
        var xs = frontier.Points.Select(p => p.LFt).ToList();
        var ys = frontier.Points.Select(p => p.Lf).Concat(lf is { } run && double.IsFinite(run) ? [run] : []).ToList();
        var (xMin, xMax) = Padded(xs.Min(), xs.Max());
        var (yMin, yMax) = Padded(Math.Min(0, ys.Min()), ys.Max());
        double X(double v) => left + (v - xMin) / (xMax - xMin) * plotW;
        double Y(double v) => top + plotH - (v - yMin) / (yMax - yMin) * plotH;

        var svg = new StringBuilder();
        svg.Append("<svg class=\"chart law\" viewBox=\"0 0 ").Append(C(width)).Append(' ').Append(C(height)).Append("\" role=\"img\" aria-label=\"Learning-forgetting frontier\">\n");
        foreach (var t in Ticks(yMin, yMax, 5).Where(t => t >= yMin && t <= yMax))
        {
            svg.Append("<line x1=\"").Append(C(left)).Append("\" x2=\"").Append(C(left + plotW)).Append("\" y1=\"").Append(C(Y(t))).Append("\" y2=\"").Append(C(Y(t))).Append("\" stroke=\"#d0d7de\" stroke-width=\"0.6\"/>")
               .Append("<text x=\"").Append(C(left - 8)).Append("\" y=\"").Append(C(Y(t) + 4)).Append("\" text-anchor=\"end\" class=\"tick\">").Append(H(ReportFormat.G(t))).Append("</text>\n");
        }

        foreach (var t in Ticks(xMin, xMax, 6).Where(t => t >= xMin && t <= xMax))
        {
            svg.Append("<text x=\"").Append(C(X(t))).Append("\" y=\"").Append(C(top + plotH + 18)).Append("\" text-anchor=\"middle\" class=\"tick\">").Append(H(ReportFormat.G(t))).Append("</text>\n");
        }

        svg.Append("<rect x=\"").Append(C(left)).Append("\" y=\"").Append(C(top)).Append("\" width=\"").Append(C(plotW)).Append("\" height=\"").Append(C(plotH)).Append("\" fill=\"none\" stroke=\"#8c959f\" stroke-width=\"0.8\"/>\n");
        var legend = new StringBuilder();
        int index = 0;
        foreach (var method in frontier.Points.GroupBy(p => p.Method))
        {
            string color = MethodColors[index++ % MethodColors.Length];
            var line = method.Where(p => p.OnFrontier).OrderBy(p => p.LFt).ToList();
            if (line.Count > 1)
            {
                svg.Append("<polyline points=\"").Append(string.Join(' ', line.Select(p => $"{C(X(p.LFt))},{C(Y(p.Lf))}"))).Append("\" fill=\"none\" stroke=\"").Append(color).Append("\" stroke-width=\"1.8\"/>\n");
            }

            foreach (var p in method)
            {
                svg.Append("<circle cx=\"").Append(C(X(p.LFt))).Append("\" cy=\"").Append(C(Y(p.Lf))).Append("\" r=\"").Append(p.OnFrontier ? "5" : "3.5").Append("\" fill=\"").Append(p.OnFrontier ? color : "#fff")
                   .Append("\" stroke=\"").Append(color).Append("\" stroke-width=\"1.5\"><title>").Append(H($"{p.Cell}: L_ft {ReportFormat.G(p.LFt)}, L_f {ReportFormat.G(p.Lf)}")).Append("</title></circle>\n");
            }

            legend.Append("<span class=\"key\" style=\"background:").Append(color).Append("\"></span>").Append(H(method.Key)).Append(" (").Append(line.Count).Append(" of ").Append(method.Count()).Append(" on its frontier)");
        }

        if (lf is { } observed && double.IsFinite(observed))
        {
            svg.Append("<line x1=\"").Append(C(left)).Append("\" x2=\"").Append(C(left + plotW)).Append("\" y1=\"").Append(C(Y(observed))).Append("\" y2=\"").Append(C(Y(observed)))
               .Append("\" stroke=\"#0969da\" stroke-width=\"1.4\" stroke-dasharray=\"6 4\"/><text x=\"").Append(C(left + plotW - 6)).Append("\" y=\"").Append(C(Y(observed) - 6))
               .Append("\" text-anchor=\"end\" class=\"tick\">this run ").Append(H(ReportFormat.G(observed))).Append("</text>\n");
            legend.Append("<span class=\"key run\"></span>this run's L_f");
        }
        svg.Append("<text x=\"").Append(C(left + plotW / 2)).Append("\" y=\"").Append(C(height - 10)).Append("\" text-anchor=\"middle\" class=\"axis\">L_ft (fine-tuning loss, nats/token)</text>\n");
        svg.Append("<text transform=\"translate(16 ").Append(C(top + plotH / 2)).Append(") rotate(-90)\" text-anchor=\"middle\" class=\"axis\">L_f (nats/token)</text>\n</svg>\n");
        return h.Append(svg).Append("<p class=\"legend\">").Append(legend).Append("</p>\n</section>\n").ToString();
    }

    /// <summary>[min, max] widened by 5% each side, and to a unit span when every value is the same.</summary>
    static (double Min, double Max) Padded(double min, double max)
    {
        double span = max - min;
        if (!(span > 1e-12))
        {
            return (min - 0.5, max + 0.5);
        }

        return (min - span * 0.05, max + span * 0.05);
    }
}
