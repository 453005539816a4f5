using MathNet.Numerics;
using RegressionGuard.Law;
using RegressionGuard.Ledger;
using ScottPlot;

namespace RegressionGuard.Plots;

/// <summary>
/// PNG plots of a fitted forgetting law (ScottPlot, headless): L_f against N per run (log N axis) with the fitted
/// curves, L_f against L_ft with the least-squares line, the learning–forgetting frontier per method, and predicted
/// against observed L_f.
/// </summary>
public static class LawPlots
{
    const int Width = 900, Height = 600;

    public static IReadOnlyList<string> Write(LawFit fit, IReadOnlyList<LedgerRow> rows, string folder)
    {
        Directory.CreateDirectory(folder);
        var law = fit.ToLaw();
        var written = new List<string>();
        if (fit.Form != LawForm.Linear)
        {
            written.Add(LfAgainstN(law, rows, Path.Combine(folder, "lf_vs_n.png")));
        }

        written.Add(LfAgainstLft(rows, Path.Combine(folder, "lf_vs_lft.png")));
        written.Add(Frontier(rows, Path.Combine(folder, "frontier.png")));
        written.Add(PredictedAgainstObserved(fit, Path.Combine(folder, "predicted_vs_observed.png")));
        return written;
    }

    static string LfAgainstN(ForgettingLaw law, IReadOnlyList<LedgerRow> rows, string path)
    {
        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        int k = 0;
        foreach (var run in rows.GroupBy(r => r.Run).OrderBy(g => g.First().P))
        {
            var color = palette.GetColor(k++);
            var ordered = run.OrderBy(r => r.N).ToList();
            var points = plot.Add.ScatterPoints(ordered.Select(r => Math.Log10(r.N)).ToArray(), ordered.Select(r => r.Lf).ToArray());
            points.Color = color;
            points.MarkerSize = 8;
            points.LegendText = $"{run.Key} (P = {run.First().P:N0})";
            double p = ordered[0].P;
            double lo = Math.Log10(ordered.Min(r => r.N)), hi = Math.Log10(ordered.Max(r => r.N));
            var xs = Enumerable.Range(0, 60).Select(i => lo + (hi - lo) * i / 59).ToArray();
            var curve = plot.Add.ScatterLine(xs, xs.Select(x => law.Predict(p, Math.Pow(10, x)).Value).ToArray());
            curve.Color = color;
            curve.LineWidth = 2;
        }
        LogAxis(plot.Axes.Bottom);
        plot.Axes.Bottom.Label.Text = "N (optimizer steps, log scale)";
        plot.Axes.Left.Label.Text = "L_f (nats per token)";
        plot.Title($"Forgetting against steps: {law.Form.ToString().ToLowerInvariant()} law");
        plot.ShowLegend(Alignment.UpperLeft);
        plot.SavePng(path, Width, Height);
        return path;
    }

    /// <summary>Every checkpoint on the L_ft–L_f plane, coloured by method, with each method's Pareto frontier as a step line.</summary>
    public static string Frontier(IReadOnlyList<LedgerRow> rows, string path)
    {
        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        int k = 0;
        foreach (var (method, frontier) in LearningForgettingFrontier.ByMethod(rows))
        {
            var color = palette.GetColor(k++);
            var all = rows.Where(r => r.Method == method).ToList();
            var points = plot.Add.ScatterPoints(all.Select(r => r.LFt).ToArray(), all.Select(r => r.Lf).ToArray());
            points.Color = color.WithAlpha(0.45);
            points.MarkerSize = 7;
            var line = plot.Add.Scatter(frontier.Select(r => r.LFt).ToArray(), frontier.Select(r => r.Lf).ToArray());
            line.Color = color;
            line.LineWidth = 2;
            line.MarkerSize = 9;
            line.ConnectStyle = ConnectStyle.StepHorizontal;
            line.LegendText = $"{method} ({frontier.Count} of {all.Count} on its frontier)";
        }
        plot.Axes.Bottom.Label.Text = "L_ft: fine-tuning loss (lower = learned more)";
        plot.Axes.Left.Label.Text = "L_f: forgetting (lower = forgot less)";
        plot.Title("Learning–forgetting frontier per method (lower left is better)");
        plot.ShowLegend(Alignment.UpperRight);
        plot.SavePng(path, Width, Height);
        return path;
    }

    static string LfAgainstLft(IReadOnlyList<LedgerRow> rows, string path)
    {
        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        int k = 0;
        foreach (var method in rows.GroupBy(r => r.Method).OrderBy(g => g.Key))
        {
            var points = plot.Add.ScatterPoints(method.Select(r => r.LFt).ToArray(), method.Select(r => r.Lf).ToArray());
            points.Color = palette.GetColor(k++);
            points.MarkerSize = 8;
            points.LegendText = method.Key;
        }
        var x = rows.Select(r => r.LFt).ToArray();
        var y = rows.Select(r => r.Lf).ToArray();
        if (x.Length >= 2)
        {
            var (c0, c1) = Fit.Line(x, y);
            double r2 = GoodnessOfFit.RSquared(x.Select(v => c0 + c1 * v), y);
            var line = plot.Add.Line(x.Min(), c0 + c1 * x.Min(), x.Max(), c0 + c1 * x.Max());
            line.LineWidth = 2;
            line.LineColor = Colors.Black;
            line.LegendText = FormattableString.Invariant($"L_f = {c0:F3} {(c1 < 0 ? "-" : "+")} {Math.Abs(c1):F3}·L_ft (R² = {r2:F3})");
        }
        plot.Axes.Bottom.Label.Text = "L_ft (held-out fine-tuning loss, nats per token)";
        plot.Axes.Left.Label.Text = "L_f (nats per token)";
        plot.Title("Forgetting against fine-tuning loss");
        plot.ShowLegend(Alignment.UpperRight);
        plot.SavePng(path, Width, Height);
        return path;
    }

    static string PredictedAgainstObserved(LawFit fit, string path)
    {
        var plot = new Plot();
        var observed = fit.Residuals.Select(r => r.ObservedLf).ToArray();
        var predicted = fit.Residuals.Select(r => r.PredictedLf).ToArray();
        var points = plot.Add.ScatterPoints(observed, predicted);
        points.MarkerSize = 8;
        double lo = Math.Min(observed.Min(), predicted.Min()), hi = Math.Max(observed.Max(), predicted.Max());
        var diagonal = plot.Add.Line(lo, lo, hi, hi);
        diagonal.LinePattern = LinePattern.Dashed;
        diagonal.LineColor = Colors.Gray;
        plot.Axes.Bottom.Label.Text = "observed L_f";
        plot.Axes.Left.Label.Text = "predicted L_f";
        plot.Title(FormattableString.Invariant($"{fit.Form.ToString().ToLowerInvariant()} law: R² = {fit.Diagnostics.R2:F3}, LOO RMSE = {fit.Diagnostics.LooRmse:F3}"));
        plot.SavePng(path, Width, Height);
        return path;
    }

    static void LogAxis(IAxis axis)
    {
        axis.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic
        {
            LabelFormatter = v => Math.Pow(10, v).ToString("0", System.Globalization.CultureInfo.InvariantCulture),
        };
    }
}
