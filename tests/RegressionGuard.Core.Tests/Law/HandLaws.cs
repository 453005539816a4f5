using RegressionGuard.Law;

namespace RegressionGuard.Core.Tests.Law;

/// <summary>Laws with hand-picked parameters and no parameter uncertainty, so every prediction can be worked out by hand.</summary>
static class HandLaws
{
    /// <summary>
    /// Power law L_f = 1 + 0.1·P^0·N^0.5 = 1 + 0.1·√N, residual scatter σ = 0.05 in log space and zero covariance, so the
    /// 95% prediction interval is L̂·exp(±1.959964·0.05) = L̂·[0.9066, 1.1030].
    /// </summary>
    public static ForgettingLaw Power(double e = 1.0, double a = 0, double b = 0.5, double amplitude = 0.1, double sd = 0.05) =>
        Law(LawForm.Power, [("E", e), ("A", amplitude), ("a", a), ("b", b)], sd, referenceP: 1000, referenceN: 100, referenceLft: null);

    /// <summary>Saturating law L_f = 2 − 60·P^(−0.3)·N^(−0.5), L_ft = 1 + 100·P^(−0.3)·N^(−0.5).</summary>
    public static ForgettingLaw Saturating(double ef = 2, double af = 60, double b = 0.5) =>
        Law(LawForm.Saturating, [("E_f", ef), ("A_f", af), ("E_ft", 1), ("A_ft", 100), ("a", 0.3), ("b", b)], 0.05, referenceP: 1e4, referenceN: 80, referenceLft: null);

    /// <summary>Linear law L_f = 4.5 − L_ft.</summary>
    public static ForgettingLaw Linear() =>
        Law(LawForm.Linear, [("c0", 4.5), ("c1", -1)], 0.05, referenceP: null, referenceN: null, referenceLft: 2);

    static ForgettingLaw Law(LawForm form, (string Name, double Value)[] parameters, double sd, double? referenceP, double? referenceN, double? referenceLft)
    {
        int k = parameters.Length;
        var uncertainty = new LawUncertainty(0.95, 100, 0, 1, 1, referenceP, referenceN, referenceLft, LawForms.CentredNames(form), new double[k, k], sd);
        var fit = new LawFit(form, parameters.Select(p => new LawParameter(p.Name, p.Value, p.Value, p.Value)).ToList(), uncertainty,
            new LawDiagnostics(0.99, 0.01, 0.012, 25, 5), [], [], "explicit", null, null);
        return fit.ToLaw();
    }
}
