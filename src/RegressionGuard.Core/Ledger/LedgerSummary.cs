using System.Globalization;
using System.Text;
using MathNet.Numerics;
using MathNet.Numerics.Statistics;

namespace RegressionGuard.Ledger;

/// <summary>
/// A Markdown summary of a ledger for write-ups: per run, L_ft and L_f against N; the linear relation L_f = c0 + c1·L_ft
/// over all rows (least squares, MathNet) with R²; how well each cheap signal tracks L_f; and the rows by L_ft.
/// </summary>
public static class LedgerSummary
{
    /// <summary>The signals <see cref="SignalCorrelations"/> tries, by ledger column name: each a stand-in for L_f that is cheaper to get.</summary>
    public static IReadOnlyList<(string Name, Func<LedgerRow, double?> Value)> Signals { get; } =
    [
        ("kl_train", r => r.KlTrain),
        ("dw_frobenius", r => r.DeltaFrobenius),
        ("dw_stable_rank", r => r.DeltaStableRank),
        ("intruders", r => r.Intruders),
        ("L_ft", r => r.LFt),
        ("N", r => r.N),
    ];

    /// <summary>
    /// For every signal recorded on at least 3 rows: Spearman's rank correlation ρ with L_f and the R² of the
    /// least-squares line L_f = a + b·signal (Pearson r²), over those rows. Signals constant over the rows are left out.
    /// </summary>
    public static IReadOnlyList<SignalCorrelation> SignalCorrelations(IReadOnlyList<LedgerRow> rows)
    {
        var result = new List<SignalCorrelation>();
        foreach (var (name, value) in Signals)
        {
            var pairs = rows.Where(r => value(r) is not null && double.IsFinite(r.Lf)).Select(r => (X: value(r)!.Value, Y: r.Lf)).ToArray();
            if (pairs.Length < 3 || pairs.All(p => p.X == pairs[0].X) || pairs.All(p => p.Y == pairs[0].Y))
            {
                continue;
            }

            var x = pairs.Select(p => p.X).ToArray();
            var y = pairs.Select(p => p.Y).ToArray();
            double pearson = Correlation.Pearson(x, y);
            result.Add(new SignalCorrelation(name, pairs.Length, Correlation.Spearman(x, y), pearson * pearson));
        }
        return result;
    }

    public static string Markdown(IReadOnlyList<LedgerRow> rows)
    {
        var md = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        var steps = rows.Select(r => r.N).Distinct().Order().ToList();
        md.AppendLine("| run | method | P | " + string.Join(" | ", steps.Select(n => $"N={n}")) + " |");
        md.AppendLine("|---|---|---|" + string.Concat(steps.Select(_ => "---|")));
        foreach (var run in rows.GroupBy(r => r.Run).OrderBy(g => g.First().P))
        {
            var byN = run.ToDictionary(r => r.N);
            md.Append(inv, $"| {run.Key} | {run.First().Method} | {run.First().P:N0} |");
            foreach (var n in steps)
            {
                md.Append(byN.TryGetValue(n, out var r) ? string.Create(inv, $" {r.LFt:F3} / {r.Lf:F3} |") : " — |");
            }

            md.AppendLine();
        }
        md.AppendLine();
        md.AppendLine("Cells are L_ft / L_f (nats per token).");
        md.AppendLine();

        var x = rows.Select(r => r.LFt).ToArray();
        var y = rows.Select(r => r.Lf).ToArray();
        if (x.Length >= 3)
        {
            var (c0, c1) = Fit.Line(x, y);
            double r2 = GoodnessOfFit.RSquared(x.Select(v => c0 + c1 * v), y);
            md.AppendLine(string.Create(inv, $"Linear fit over all {x.Length} rows: L_f = {c0:F3} {(c1 < 0 ? "−" : "+")} {Math.Abs(c1):F3} · L_ft, R² = {r2:F3}."));
            foreach (var method in rows.GroupBy(r => r.Method).OrderBy(g => g.Key))
            {
                if (method.Count() < 3)
                {
                    continue;
                }

                var mx = method.Select(r => r.LFt).ToArray();
                var my = method.Select(r => r.Lf).ToArray();
                var (m0, m1) = Fit.Line(mx, my);
                md.AppendLine(string.Create(inv, $"- {method.Key}: L_f = {m0:F3} {(m1 < 0 ? "−" : "+")} {Math.Abs(m1):F3} · L_ft, R² = {GoodnessOfFit.RSquared(mx.Select(v => m0 + m1 * v), my):F3} ({method.Count()} rows)"));
            }
        }
        md.AppendLine();
        var correlations = SignalCorrelations(rows);
        if (correlations.Count > 0)
        {
            md.AppendLine("Which cheap signal tracks L_f across these rows (Spearman ρ: same order; R²: linear fit):");
            md.AppendLine();
            md.AppendLine("| signal | rows | Spearman ρ | R² |");
            md.AppendLine("|---|---|---|---|");
            foreach (var c in correlations.OrderByDescending(c => Math.Abs(c.Spearman)))
            {
                md.AppendLine(string.Create(inv, $"| {c.Signal} | {c.Rows} | {c.Spearman:F3} | {c.RSquared:F3} |"));
            }

            md.AppendLine();
        }
        md.AppendLine("| run | method | P | N | L_ft | L_f | KL | s/step |");
        md.AppendLine("|---|---|---|---|---|---|---|---|");
        foreach (var r in rows.OrderBy(r => r.LFt))
        {
            md.AppendLine(string.Create(inv, $"| {r.Run} | {r.Method} | {r.P:N0} | {r.N} | {r.LFt:F3} | {r.Lf:F3} | {r.Kl:F3} | {r.SecondsPerStep:F3} |"));
        }

        return md.ToString();
    }
}

/// <summary>How one signal tracks L_f over the ledger rows that record it.</summary>
public sealed record SignalCorrelation(string Signal, int Rows, double Spearman, double RSquared);
