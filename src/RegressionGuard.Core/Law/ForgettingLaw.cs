using System.Globalization;
using MathNet.Numerics.Distributions;

namespace RegressionGuard.Law;

/// <summary>
/// A forgetting law ready to predict: from a fit (<see cref="LawFit.ToLaw"/>) or a law file (<see cref="LawFile.Load"/>);
/// both give the same numbers for the same parameters.
/// <list type="bullet">
/// <item><see cref="Predict"/>(P, N): L̂_f with a prediction interval (saturating and power forms).</item>
/// <item><see cref="PredictFromLft"/>(L_ft): the same from the fine-tuning loss (linear form).</item>
/// <item><see cref="StepsToBudget"/>(P, budget): the N at which L̂_f reaches a budget, in closed form.</item>
/// </list>
/// The prediction interval is described on <see cref="LawUncertainty"/>: multiplicative, <c>L̂·exp(±z·s)</c> with
/// <c>s² = σ² + gᵀΣg</c>, combining the residual scatter σ (log space) with the parameter uncertainty Σ (bootstrap
/// covariance of the centred parameters) by the delta method.
/// </summary>
public sealed class ForgettingLaw
{
    readonly LawModel _model;
    readonly double[] _centred;
    readonly double _z;

    ForgettingLaw(LawForm form, IReadOnlyList<LawParameter> parameters, LawUncertainty uncertainty, LawDiagnostics diagnostics,
        IReadOnlyList<LawCandidate> candidates, string selection, string? corpusHash, string? modelHash, LawProvenance? provenance)
    {
        Form = form;
        Parameters = parameters;
        Uncertainty = uncertainty;
        Diagnostics = diagnostics;
        Candidates = candidates;
        Selection = selection;
        CorpusHash = corpusHash;
        ModelHash = modelHash;
        Provenance = provenance;
        _model = LawModel.Create(form, uncertainty.ReferenceP, uncertainty.ReferenceN, uncertainty.ReferenceLft);
        _centred = _model.Centred(parameters.Select(p => p.Value).ToArray());
        _z = Normal.InvCDF(0, 1, (1 + uncertainty.Level) / 2);
    }

    /// <summary>The law's form.</summary>
    public LawForm Form { get; }

    /// <summary>The parameters with their confidence intervals, in the order of <see cref="LawForms.ParameterNames"/>.</summary>
    public IReadOnlyList<LawParameter> Parameters { get; }

    /// <summary>What the prediction intervals are made of.</summary>
    public LawUncertainty Uncertainty { get; }

    /// <summary>Fit quality on L_f.</summary>
    public LawDiagnostics Diagnostics { get; }

    /// <summary>Every form that was tried when the law was fitted.</summary>
    public IReadOnlyList<LawCandidate> Candidates { get; }

    /// <summary><c>explicit</c> or <c>auto</c>.</summary>
    public string Selection { get; }

    /// <summary>The L_f corpus hash of the fitted rows, or null when not recorded.</summary>
    public string? CorpusHash { get; }

    /// <summary>The base model hash of the fitted rows, or null when not recorded.</summary>
    public string? ModelHash { get; }

    /// <summary>Ledger hash, fit date and tool version from the law file; null for a law made from a fit in memory.</summary>
    public LawProvenance? Provenance { get; }

    /// <summary>The value of the parameter named <paramref name="name"/>.</summary>
    public double this[string name] =>
        (Parameters.FirstOrDefault(p => p.Name == name)
         ?? throw new ArgumentException($"the {LawForms.Name(Form)} law has no parameter '{name}'; its parameters: {string.Join(", ", Parameters.Select(p => p.Name))}", nameof(name))).Value;

    /// <summary>The law of a fit.</summary>
    public static ForgettingLaw From(LawFit fit)
    {
        ArgumentNullException.ThrowIfNull(fit);
        return new(fit.Form, fit.Parameters, fit.Uncertainty, fit.Diagnostics, fit.Candidates, fit.Selection, fit.CorpusHash, fit.ModelHash, null);
    }

    internal static ForgettingLaw Create(LawForm form, IReadOnlyList<LawParameter> parameters, LawUncertainty uncertainty, LawDiagnostics diagnostics,
        IReadOnlyList<LawCandidate> candidates, string selection, string? corpusHash, string? modelHash, LawProvenance provenance) =>
        new(form, parameters, uncertainty, diagnostics, candidates, selection, corpusHash, modelHash, provenance);

    /// <summary>
    /// L̂_f(P, N) with its prediction interval at <see cref="LawUncertainty.Level"/>: where a new checkpoint with these
    /// P and N is expected to land, parameter uncertainty and checkpoint-to-checkpoint scatter included.
    /// </summary>
    /// <exception cref="LawException">The law is linear (it needs L_ft), or it predicts a non-positive L_f here.</exception>
    public LawPrediction Predict(double p, double n)
    {
        if (!LawForms.UsesScale(Form))
        {
            throw new LawException($"the linear law predicts L_f from L_ft ({LawForms.Equation(Form)}) and cannot predict from P and N; use PredictFromLft(L_ft), or fit a saturating or power law");
        }

        Positive(p, nameof(p));
        Positive(n, nameof(n));
        return PredictAt(Math.Log(p / Uncertainty.ReferenceP!.Value), Math.Log(n / Uncertainty.ReferenceN!.Value), 0,
            FormattableString.Invariant($"P = {p}, N = {n}"));
    }

    /// <summary>L̂_f from the fine-tuning loss, with its prediction interval (linear form only).</summary>
    /// <exception cref="LawException">The law is not linear.</exception>
    public LawPrediction PredictFromLft(double lft)
    {
        if (Form != LawForm.Linear)
        {
            throw new LawException($"the {LawForms.Name(Form)} law predicts L_f from P and N; use Predict(P, N) (PredictFromLft needs a linear law)");
        }

        if (!double.IsFinite(lft))
        {
            throw new ArgumentOutOfRangeException(nameof(lft), lft, "L_ft must be a finite number");
        }

        return PredictAt(0, 0, lft, FormattableString.Invariant($"L_ft = {lft}"));
    }

    LawPrediction PredictAt(double logP, double logN, double lft, string where)
    {
        double value = _model.Lf(_centred, logP, logN, lft);
        if (!(value > 0) || !double.IsFinite(value))
        {
            throw new LawException($"the {LawForms.Name(Form)} law predicts L_f = {Fmt(value)} at {where}, which is not a positive loss: the point is too far outside the fitted rows for the law to hold");
        }

        int k = _centred.Length;
        Span<double> g = stackalloc double[k];
        _model.LfGradient(_centred, logP, logN, lft, g);
        double variance = 0;
        for (int i = 0; i < k; i++)
        {
            for (int j = 0; j < k; j++)
            {
                variance += g[i] * Uncertainty.Covariance[i, j] * g[j];
            }
        }

        double sd = Math.Sqrt(Math.Max(0, variance) + Uncertainty.ResidualSdLog * Uncertainty.ResidualSdLog);
        return new LawPrediction(value, value * Math.Exp(-_z * sd), value * Math.Exp(_z * sd), Uncertainty.Level, sd);
    }

    /// <summary>
    /// N* with L̂_f(P, N*) = <paramref name="budget"/>, in closed form:
    /// saturating <c>N* = (A_f·P^(−a) / (E_f − budget))^(1/b)</c>; power <c>N* = ((budget − E) / (A·P^a))^(1/b)</c>.
    /// Null (never) when L̂_f does not rise with N (A_f·b ≤ 0, or A·b ≤ 0), or when it rises towards an asymptote at or
    /// below the budget (saturating E_f ≤ budget; power with A, b &lt; 0 and E ≤ budget). Zero when a rising power law
    /// starts above the budget (E ≥ budget with A, b &gt; 0).
    /// </summary>
    /// <exception cref="LawException">The law is linear: it has no N.</exception>
    public BudgetCrossing StepsToBudget(double p, double budget)
    {
        Positive(p, nameof(p));
        Positive(budget, nameof(budget));
        string at = Fmt(budget);
        switch (Form)
        {
            case LawForm.Saturating:
                {
                    double ef = this["E_f"], af = this["A_f"], a = this["a"], b = this["b"];
                    if (af <= 0 || b <= 0)
                    {
                        return new BudgetCrossing(null, $"L_f does not rise with N under this law (A_f = {Fmt(af)}, b = {Fmt(b)}), so it never reaches the budget {at}");
                    }

                    if (ef <= budget)
                    {
                        return new BudgetCrossing(null, $"the law's asymptote E_f = {Fmt(ef)} is at or below the budget {at}: L_f rises towards E_f and never reaches the budget");
                    }

                    double steps = Math.Exp((Math.Log(af) - a * Math.Log(p) - Math.Log(ef - budget)) / b);
                    return new BudgetCrossing(steps, $"L_f reaches the budget {at} at N* = {Fmt(steps)} for P = {Fmt(p)}");
                }
            case LawForm.Power:
                {
                    double e = this["E"], amplitude = this["A"], a = this["a"], b = this["b"];
                    if (amplitude * b <= 0)
                    {
                        return new BudgetCrossing(null, $"L_f does not rise with N under this law (A·b = {Fmt(amplitude * b)} ≤ 0), so it never reaches the budget {at}");
                    }

                    double ratio = (budget - e) / (amplitude * Math.Pow(p, a));
                    if (ratio <= 0 && amplitude > 0)
                    {
                        return new BudgetCrossing(0, $"the law puts L_f above the budget {at} at every N: its floor E = {Fmt(e)} is at or above the budget");
                    }

                    if (ratio <= 0)
                    {
                        return new BudgetCrossing(null, $"the law's asymptote E = {Fmt(e)} is at or below the budget {at}: L_f rises towards E and never reaches the budget");
                    }

                    double steps = Math.Exp(Math.Log(ratio) / b);
                    return new BudgetCrossing(steps, $"L_f reaches the budget {at} at N* = {Fmt(steps)} for P = {Fmt(p)}");
                }
            default:
                throw new LawException("the linear law predicts L_f from L_ft and has no N: StepsToBudget needs a saturating or power law");
        }
    }

    static void Positive(double value, string name)
    {
        if (!(value > 0) || !double.IsFinite(value))
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be a positive finite number");
        }
    }

    internal static string Fmt(double value) => value.ToString("G6", CultureInfo.InvariantCulture);
}

/// <summary>A predicted L_f and its prediction interval [<paramref name="Lower"/>, <paramref name="Upper"/>] at <paramref name="Level"/>.</summary>
/// <param name="Value">L̂_f, nats per token (the fitted curve).</param>
/// <param name="SdLog">s, the standard deviation of log L_f around log L̂_f that the interval uses.</param>
public sealed record LawPrediction(double Value, double Lower, double Upper, double Level, double SdLog);

/// <summary>When the law reaches a budget: <paramref name="Steps"/> = N*, or null for never, and why.</summary>
public sealed record BudgetCrossing(double? Steps, string Reason)
{
    /// <summary>Whether the law never reaches the budget.</summary>
    public bool Never => Steps is null;
}
