namespace RegressionGuard.Law;

/// <summary>
/// A fitted forgetting law: the form, its parameters with bootstrap confidence intervals, what the prediction
/// intervals need (<see cref="Uncertainty"/>), fit quality, per-row residuals for plots, and for <c>auto</c> every
/// candidate form's numbers. Made by <see cref="LawFitter.Fit"/>; saved by <see cref="LawFile.Save"/>; turned into a
/// predicting <see cref="ForgettingLaw"/> by <see cref="ToLaw"/>.
/// </summary>
/// <param name="Form">The law's form.</param>
/// <param name="Parameters">The form's parameters in the order of <see cref="LawForms.ParameterNames"/>.</param>
/// <param name="Uncertainty">Bootstrap covariance, reference point and residual scatter for prediction intervals.</param>
/// <param name="Diagnostics">R², RMSE and leave-one-out RMSE of L_f, rows and runs.</param>
/// <param name="Residuals">Observed and fitted values of every row, in ledger order.</param>
/// <param name="Candidates">Every form that was tried: one entry for an explicit form, three for <c>auto</c>.</param>
/// <param name="Selection">How the form was chosen: <c>explicit</c> or <c>auto</c> (lowest leave-one-out RMSE of L_f).</param>
/// <param name="CorpusHash">The rows' L_f corpus hash (<see cref="Ledger.LedgerRow.Corpus"/>), or null when not recorded.</param>
/// <param name="ModelHash">The rows' base model hash (<see cref="Ledger.LedgerRow.Model"/>), or null when not recorded.</param>
public sealed record LawFit(
    LawForm Form,
    IReadOnlyList<LawParameter> Parameters,
    LawUncertainty Uncertainty,
    LawDiagnostics Diagnostics,
    IReadOnlyList<LawResidual> Residuals,
    IReadOnlyList<LawCandidate> Candidates,
    string Selection,
    string? CorpusHash,
    string? ModelHash)
{
    /// <summary>The value of the parameter named <paramref name="name"/>, e.g. <c>fit["a"]</c>.</summary>
    public double this[string name] => Parameter(name).Value;

    /// <summary>The parameter named <paramref name="name"/>; the error lists the form's names.</summary>
    public LawParameter Parameter(string name) =>
        Parameters.FirstOrDefault(p => p.Name == name)
        ?? throw new ArgumentException($"the {LawForms.Name(Form)} law has no parameter '{name}'; its parameters: {string.Join(", ", Parameters.Select(p => p.Name))}", nameof(name));

    /// <summary>The fitted law as a <see cref="ForgettingLaw"/> that predicts, with the same numbers a saved law file holds.</summary>
    public ForgettingLaw ToLaw() => ForgettingLaw.From(this);
}

/// <summary>One parameter of a law with its bootstrap percentile confidence interval [<paramref name="Lower"/>, <paramref name="Upper"/>].</summary>
public sealed record LawParameter(string Name, double Value, double Lower, double Upper)
{
    /// <summary>Whether <paramref name="value"/> lies in the interval (bounds included).</summary>
    public bool Covers(double value) => value >= Lower && value <= Upper;
}

/// <summary>
/// Fit quality, all on L_f in nats per token (the saturating form's L_ft residuals are in <see cref="LawFit.Residuals"/>
/// but not in these numbers).
/// </summary>
/// <param name="R2">R² = 1 − Σ(L_f − L̂_f)² / Σ(L_f − mean L_f)² over the rows.</param>
/// <param name="Rmse">RMSE = √(Σ(L_f − L̂_f)² / n).</param>
/// <param name="LooRmse">Leave-one-out RMSE: √(Σ(L_f,i − L̂_f,(−i))² / n), each row predicted by the law refitted without it.</param>
/// <param name="Rows">Rows the law was fitted to (n).</param>
/// <param name="Runs">Distinct runs among them (the bootstrap's resampling units).</param>
public sealed record LawDiagnostics(double R2, double Rmse, double LooRmse, int Rows, int Runs);

/// <summary>One row's observed and fitted values, for residual plots.</summary>
/// <param name="PredictedLft">The fitted L_ft for the saturating form (which models L_ft too); null for the others.</param>
public sealed record LawResidual(string Cell, string Run, long P, long N, double ObservedLft, double ObservedLf, double PredictedLf, double? PredictedLft)
{
    /// <summary>L_f − L̂_f.</summary>
    public double Residual => ObservedLf - PredictedLf;
}

/// <summary>
/// One form tried by <see cref="LawFitter.Fit"/>: its fit quality, or why the ledger cannot support it
/// (<paramref name="Refusal"/>; the numbers are null then).
/// </summary>
public sealed record LawCandidate(LawForm Form, int ParameterCount, double? R2, double? Rmse, double? LooRmse, string? Refusal, bool Chosen);

/// <summary>
/// What a law needs to put a prediction interval around L̂_f, and how its confidence intervals were made.
/// <para>
/// Centred parameters: the fit works with P and N divided by a reference point (<see cref="ReferenceP"/>,
/// <see cref="ReferenceN"/>: the geometric means of the rows' P and N), so amplitudes are those at the reference:
/// <c>A_ref = A·P_ref^(−a)·N_ref^(−b)</c> for the power form and <c>A_ref = A·P_ref^a·N_ref^b</c> for the saturating
/// form's (P^a·N^b)^(−1) terms; the linear form uses <c>c0_ref = c0 + c1·L_ft,ref</c> with
/// <see cref="ReferenceLft"/> the mean L_ft. In these coordinates the parameters are close to uncorrelated and the
/// amplitude–exponent relation is linear, so a covariance describes their bootstrap spread well.
/// </para>
/// <para>
/// Prediction interval (<see cref="ForgettingLaw.Predict"/>): the fit is in log space, so the interval is
/// multiplicative: <c>L̂·exp(±z·s)</c> with z the standard normal quantile at (1 + <see cref="Level"/>)/2 and
/// <c>s² = σ² + gᵀ·Σ·g</c>, where σ = <see cref="ResidualSdLog"/> (residual scatter), Σ = <see cref="Covariance"/>
/// (parameter uncertainty) and g = ∂ log L̂_f / ∂θ over the centred parameters θ (delta method).
/// </para>
/// </summary>
/// <param name="Level">Level of the parameter CIs and the prediction intervals, e.g. 0.95.</param>
/// <param name="Resamples">Bootstrap resamples R that entered the CIs and Σ.</param>
/// <param name="Redrawn">Resamples drawn in addition because a draw could not be fitted (e.g. all its runs had the
/// same P); 0 when every draw could be fitted.</param>
/// <param name="Seed">Seed of the bootstrap's <see cref="System.Random"/>.</param>
/// <param name="Widening">The factor c the percentile intervals' distances from the estimates were multiplied by, and
/// the covariance by c² (<see cref="FitOptions.FewRunsCorrection"/>); 1 when not corrected.</param>
/// <param name="ReferenceP">P_ref (forms in P and N); null for the linear form.</param>
/// <param name="ReferenceN">N_ref (forms in P and N); null for the linear form.</param>
/// <param name="ReferenceLft">L_ft,ref (linear form); null otherwise.</param>
/// <param name="CentredNames">Names of the centred parameters, the order of <see cref="Covariance"/>'s rows and columns
/// (<see cref="LawForms.CentredNames"/>).</param>
/// <param name="Covariance">Σ: the sample covariance (divisor R − 1) of the centred parameters over the resamples,
/// times <paramref name="Widening"/>².</param>
/// <param name="ResidualSdLog">σ = √(Σᵢ (log L_f,i − log L̂_f,i)² / (n − k)) with k the number of parameters L_f depends
/// on (4 for the saturating and power forms, 2 for the linear form).</param>
public sealed record LawUncertainty(
    double Level,
    int Resamples,
    int Redrawn,
    int Seed,
    double Widening,
    double? ReferenceP,
    double? ReferenceN,
    double? ReferenceLft,
    IReadOnlyList<string> CentredNames,
    double[,] Covariance,
    double ResidualSdLog);
