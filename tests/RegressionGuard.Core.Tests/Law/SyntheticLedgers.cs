using MathNet.Numerics.Distributions;
using RegressionGuard.Law;
using RegressionGuard.Ledger;

namespace RegressionGuard.Core.Tests.Law;

/// <summary>
/// Ledgers generated from known laws with multiplicative noise: one run per P ∈ {10³, 3·10³, 10⁴, 3·10⁴, 10⁵}, a
/// checkpoint at each N ∈ {20, 40, 80, 160, 320}, every loss multiplied by exp(σ·z) with z standard normal
/// (σ = 1.5% unless given), seeded.
/// </summary>
static class SyntheticLedgers
{
    public static readonly long[] Ps = [1_000, 3_000, 10_000, 30_000, 100_000];
    public static readonly long[] Ns = [20, 40, 80, 160, 320];

    /// <summary>Saturating truth: E_f = 2, A_f = 35, E_ft = 1.5, A_ft = 50, a = 0.3, b = 0.5 (L_f 1.0–1.9, L_ft 1.6–2.9).</summary>
    public static readonly Dictionary<string, double> Saturating = new() { ["E_f"] = 2.0, ["A_f"] = 60, ["E_ft"] = 1.0, ["A_ft"] = 100, ["a"] = 0.3, ["b"] = 0.5 };

    /// <summary>Power truth: E = 0.5, A = 0.01, a = 0.25, b = 0.5 (L_f 0.75–3.7).</summary>
    public static readonly Dictionary<string, double> Power = new() { ["E"] = 1.0, ["A"] = 0.001, ["a"] = 0.4, ["b"] = 0.5 };

    /// <summary>Linear truth: c0 = 4, c1 = −1.2 (L_f 0.5–2.1 over the saturating L_ft).</summary>
    public static readonly Dictionary<string, double> Linear = new() { ["c0"] = 4.5, ["c1"] = -1.0 };

    public static Dictionary<string, double> Truth(LawForm form) => form switch
    {
        LawForm.Saturating => Saturating,
        LawForm.Power => Power,
        _ => Linear,
    };

    public static double X(Dictionary<string, double> t, double p, double n) => Math.Pow(p, -t["a"]) * Math.Pow(n, -t["b"]);

    /// <summary>A ledger of <paramref name="form"/>'s truth; the linear form's L_ft is the saturating truth's (noisy) L_ft.</summary>
    public static List<LedgerRow> Synthetic(LawForm form, int seed, double sigma = 0.015)
    {
        var random = new Random(seed);
        double Noise() => Math.Exp(sigma * Normal.Sample(random, 0, 1));
        var s = Saturating;
        var rows = new List<LedgerRow>();
        foreach (long p in Ps)
        {
            foreach (long n in Ns)
            {
                double x = X(s, p, n);
                double lft = (s["E_ft"] + s["A_ft"] * x) * Noise();
                double lf = form switch
                {
                    LawForm.Saturating => (s["E_f"] - s["A_f"] * x) * Noise(),
                    LawForm.Power => (Power["E"] + Power["A"] * Math.Pow(p, Power["a"]) * Math.Pow(n, Power["b"])) * Noise(),
                    _ => (Linear["c0"] + Linear["c1"] * lft) * Noise(),
                };
                rows.Add(Row($"p{p}", p, n, lft, lf));
            }
        }

        return rows;
    }

    public static LedgerRow Row(string run, long p, long n, double lft, double lf) => new()
    {
        Run = run,
        Cell = LedgerRow.DefaultCell(run, n),
        Method = "lora",
        P = p,
        N = n,
        LFt = lft,
        Lf = lf,
        Corpus = "c0ffee",
        Model = "base1234",
    };
}
