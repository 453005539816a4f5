using System.Globalization;

namespace RegressionGuard.Law;

/// <summary>The gate's verdict on forgetting.</summary>
public enum ForgettingOutcome
{
    /// <summary>Within budget and within what the law explains.</summary>
    Pass,

    /// <summary>Within budget now, but the law predicts the budget is crossed within 2× the current N.</summary>
    Warn,

    /// <summary>Beyond budget, or more forgetting than the law explains.</summary>
    Fail,
}

/// <summary>Which rule produced a <see cref="ForgettingVerdict"/>.</summary>
public enum ForgettingRule
{
    /// <summary>No rule fired: <see cref="ForgettingOutcome.Pass"/>.</summary>
    WithinBudget,

    /// <summary>Observed L_f &gt; budget: <see cref="ForgettingOutcome.Fail"/>.</summary>
    BeyondBudget,

    /// <summary>Observed L_f &gt; the law's upper prediction bound × (1 + tolerance): <see cref="ForgettingOutcome.Fail"/>.</summary>
    AnomalousForgetting,

    /// <summary>The law's N* ≤ 2·N: <see cref="ForgettingOutcome.Warn"/>.</summary>
    BudgetCrossingSoon,
}

/// <summary>
/// A forgetting verdict and every number that produced it.
/// </summary>
/// <param name="Outcome">Pass, warn or fail.</param>
/// <param name="Rule">The rule that decided it.</param>
/// <param name="Reason">One line for people, with the numbers.</param>
/// <param name="Observed">The checkpoint's measured L_f, nats per token.</param>
/// <param name="Predicted">The law's L̂_f for this checkpoint; null without a law.</param>
/// <param name="Lower">Lower end of the law's prediction interval; null without a law.</param>
/// <param name="Upper">Upper end of the law's prediction interval; null without a law.</param>
/// <param name="Level">Level of the prediction interval; null without a law.</param>
/// <param name="Budget">The L_f budget.</param>
/// <param name="Tolerance">Relative tolerance on the upper bound: the anomaly limit is Upper·(1 + Tolerance).</param>
/// <param name="StepsToBudget">N* at which the law reaches the budget; null without a law, for a linear law, or when
/// the law never reaches it (see <see cref="Crossing"/>).</param>
/// <param name="Crossing">The law's answer to "when is the budget reached" with its reason; null without a law or
/// for a linear law.</param>
/// <param name="P">Trainable parameters of the checkpoint.</param>
/// <param name="N">Optimizer steps of the checkpoint.</param>
public sealed record ForgettingVerdict(
    ForgettingOutcome Outcome,
    ForgettingRule Rule,
    string Reason,
    double Observed,
    double? Predicted,
    double? Lower,
    double? Upper,
    double? Level,
    double Budget,
    double Tolerance,
    double? StepsToBudget,
    BudgetCrossing? Crossing,
    double P,
    double N)
{
    /// <summary>The anomaly limit Upper·(1 + Tolerance), or null without a law.</summary>
    public double? AnomalyLimit => Upper * (1 + Tolerance);
}

/// <summary>
/// Turns an observed L_f, a budget and (optionally) a fitted law into a gate verdict. Rules, first match wins:
/// <list type="number">
/// <item>FAIL "beyond budget": observed L_f &gt; budget.</item>
/// <item>FAIL "anomalous forgetting": observed L_f &gt; U·(1 + tolerance), with U the upper end of the law's prediction
/// interval for this (P, N) (or this L_ft for a linear law): more forgetting than the law explains.</item>
/// <item>WARN: the law reaches the budget at N* ≤ <see cref="Horizon"/>·N (saturating and power laws).</item>
/// <item>PASS otherwise.</item>
/// </list>
/// </summary>
public static class ForgettingPolicy
{
    /// <summary>The warn horizon as a multiple of the current N: warn when N* ≤ 2·N.</summary>
    public const double Horizon = 2;

    /// <summary>The verdict for a checkpoint with <paramref name="p"/> trainable parameters after <paramref name="n"/> steps.</summary>
    /// <param name="observedLf">Measured L_f, nats per token (finite, ≥ 0).</param>
    /// <param name="law">The fitted law, or null to check the budget only.</param>
    /// <param name="budget">Largest acceptable L_f (positive).</param>
    /// <param name="tolerance">Relative slack on the law's upper bound, ≥ 0 (e.g. 0.05).</param>
    /// <param name="p">Trainable non-embedding parameters (positive).</param>
    /// <param name="n">Optimizer steps (positive).</param>
    /// <param name="observedLft">The checkpoint's L_ft; required with a linear law, ignored otherwise.</param>
    public static ForgettingVerdict Decide(double observedLf, ForgettingLaw? law, double budget, double tolerance, double p, double n, double? observedLft = null)
    {
        if (!double.IsFinite(observedLf) || observedLf < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(observedLf), observedLf, "observed L_f must be a finite number ≥ 0");
        }

        if (!double.IsFinite(budget) || budget <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(budget), budget, "the budget must be a positive finite L_f");
        }

        if (!double.IsFinite(tolerance) || tolerance < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(tolerance), tolerance, "the tolerance must be a finite number ≥ 0, e.g. 0.05 for 5%");
        }

        if (!double.IsFinite(p) || p <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(p), p, "P must be positive: the checkpoint's trainable non-embedding parameters");
        }

        if (!double.IsFinite(n) || n <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(n), n, "N must be positive: the checkpoint's optimizer steps");
        }

        LawPrediction? prediction = null;
        BudgetCrossing? crossing = null;
        if (law is not null)
        {
            if (LawForms.UsesScale(law.Form))
            {
                prediction = law.Predict(p, n);
                crossing = law.StepsToBudget(p, budget);
            }
            else
            {
                if (observedLft is not { } lft)
                {
                    throw new ArgumentException("a linear law predicts L_f from L_ft: pass the checkpoint's observed L_ft (observedLft)", nameof(observedLft));
                }

                prediction = law.PredictFromLft(lft);
            }
        }

        string where = $"P = {Int(p)}, N = {Int(n)}";
        string lawPart = prediction is { } pr
            ? $"; the law predicts {F(pr.Value)} [{F(pr.Lower)}, {F(pr.Upper)}] at {Percent(pr.Level)}"
            : "";
        ForgettingVerdict Verdict(ForgettingOutcome outcome, ForgettingRule rule, string reason) =>
            new(outcome, rule, reason, observedLf, prediction?.Value, prediction?.Lower, prediction?.Upper, prediction?.Level,
                budget, tolerance, crossing?.Steps, crossing, p, n);

        if (observedLf > budget)
        {
            return Verdict(ForgettingOutcome.Fail, ForgettingRule.BeyondBudget,
                $"beyond budget: L_f {F(observedLf)} > budget {F(budget)} nats/token at {where}{lawPart}");
        }

        if (prediction is { } q)
        {
            double limit = q.Upper * (1 + tolerance);
            if (observedLf > limit)
            {
                return Verdict(ForgettingOutcome.Fail, ForgettingRule.AnomalousForgetting,
                    $"anomalous forgetting: L_f {F(observedLf)} > {F(limit)} = upper bound {F(q.Upper)} × (1 + {F(tolerance)}) of the law's {Percent(q.Level)} prediction {F(q.Value)} at {where}: more forgetting than the scaling law explains");
            }
        }

        if (crossing?.Steps is { } steps && steps <= Horizon * n)
        {
            return Verdict(ForgettingOutcome.Warn, ForgettingRule.BudgetCrossingSoon,
                $"budget crossing soon: the law reaches the budget {F(budget)} at N* = {Int(steps)} ≤ {F(Horizon)} × N = {Int(Horizon * n)} (L_f {F(observedLf)} now at {where})");
        }

        string crossingPart = crossing switch
        {
            null => "",
            { Steps: { } s } => $"; budget reached at N* = {Int(s)} > {F(Horizon)} × N",
            { } c => $"; {c.Reason}",
        };
        string anomalyPart = prediction is { } u ? $" and the law's bound {F(u.Upper)} × (1 + {F(tolerance)})" : "";
        return Verdict(ForgettingOutcome.Pass, ForgettingRule.WithinBudget,
            $"within budget: L_f {F(observedLf)} ≤ budget {F(budget)}{anomalyPart} at {where}{crossingPart}");
    }

    static string F(double value) => value.ToString("G4", CultureInfo.InvariantCulture);

    static string Int(double value) => Math.Round(value).ToString("#,0", CultureInfo.InvariantCulture);

    static string Percent(double level) => (level * 100).ToString("0.##", CultureInfo.InvariantCulture) + "%";
}
