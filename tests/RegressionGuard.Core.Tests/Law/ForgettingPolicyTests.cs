using RegressionGuard.Law;

namespace RegressionGuard.Core.Tests.Law;

/// <summary>
/// With <see cref="HandLaws.Power"/> (L_f = 1 + 0.1·√N, 95% interval L̂·[0.9066, 1.1030]) at P = 1000, N = 100:
/// L̂_f = 2, interval [1.8132, 2.2061], and N* = ((budget − 1)/0.1)².
/// </summary>
public sealed class ForgettingPolicyTests
{
    const double Z = 1.959963984540054;
    static readonly double Upper = 2 * Math.Exp(Z * 0.05);
    static readonly double Lower = 2 * Math.Exp(-Z * 0.05);

    [Test]
    public void More_forgetting_than_the_budget_fails_beyond_budget()
    {
        var verdict = ForgettingPolicy.Decide(2.5, HandLaws.Power(), budget: 2.4, tolerance: 0.05, p: 1000, n: 100);

        Assert.That((verdict.Outcome, verdict.Rule), Is.EqualTo((ForgettingOutcome.Fail, ForgettingRule.BeyondBudget)));
        Assert.That(verdict.Reason, Is.EqualTo("beyond budget: L_f 2.5 > budget 2.4 nats/token at P = 1,000, N = 100; the law predicts 2 [1.813, 2.206] at 95%"));
        AssertNumbers(verdict, observed: 2.5, budget: 2.4, steps: 196);
    }

    [Test]
    public void More_forgetting_than_the_law_explains_fails_as_anomalous()
    {
        // limit = 2.2061 × 1.05 = 2.3164 < 2.35 ≤ budget 3
        var verdict = ForgettingPolicy.Decide(2.35, HandLaws.Power(), budget: 3, tolerance: 0.05, p: 1000, n: 100);

        Assert.That((verdict.Outcome, verdict.Rule), Is.EqualTo((ForgettingOutcome.Fail, ForgettingRule.AnomalousForgetting)));
        Assert.That(verdict.AnomalyLimit, Is.EqualTo(Upper * 1.05).Within(1e-12));
        Assert.That(verdict.Reason, Is.EqualTo("anomalous forgetting: L_f 2.35 > 2.316 = upper bound 2.206 × (1 + 0.05) of the law's 95% prediction 2 at P = 1,000, N = 100: more forgetting than the scaling law explains"));
        AssertNumbers(verdict, observed: 2.35, budget: 3, steps: 400);
    }

    [Test]
    public void Forgetting_just_under_the_tolerated_bound_is_not_anomalous()
    {
        var verdict = ForgettingPolicy.Decide(2.31, HandLaws.Power(), budget: 3, tolerance: 0.05, p: 1000, n: 100);

        Assert.That(verdict.Outcome, Is.EqualTo(ForgettingOutcome.Pass));
    }

    [Test]
    public void A_budget_the_law_crosses_within_twice_the_current_N_warns_with_N_star()
    {
        // N* = ((2.4 − 1)/0.1)² = 196 ≤ 2 × 100
        var verdict = ForgettingPolicy.Decide(1.95, HandLaws.Power(), budget: 2.4, tolerance: 0.05, p: 1000, n: 100);

        Assert.That((verdict.Outcome, verdict.Rule), Is.EqualTo((ForgettingOutcome.Warn, ForgettingRule.BudgetCrossingSoon)));
        Assert.That(verdict.Reason, Is.EqualTo("budget crossing soon: the law reaches the budget 2.4 at N* = 196 ≤ 2 × N = 200 (L_f 1.95 now at P = 1,000, N = 100)"));
        AssertNumbers(verdict, observed: 1.95, budget: 2.4, steps: 196);
    }

    [Test]
    public void Forgetting_within_budget_and_law_with_a_distant_crossing_passes()
    {
        // N* = ((2.5 − 1)/0.1)² = 225 > 200
        var verdict = ForgettingPolicy.Decide(1.95, HandLaws.Power(), budget: 2.5, tolerance: 0.05, p: 1000, n: 100);

        Assert.That((verdict.Outcome, verdict.Rule), Is.EqualTo((ForgettingOutcome.Pass, ForgettingRule.WithinBudget)));
        Assert.That(verdict.Reason, Is.EqualTo("within budget: L_f 1.95 ≤ budget 2.5 and the law's bound 2.206 × (1 + 0.05) at P = 1,000, N = 100; budget reached at N* = 225 > 2 × N"));
        AssertNumbers(verdict, observed: 1.95, budget: 2.5, steps: 225);
    }

    [Test]
    public void A_law_that_never_reaches_the_budget_passes_and_says_why()
    {
        var verdict = ForgettingPolicy.Decide(1.2, HandLaws.Saturating(), budget: 2.5, tolerance: 0.05, p: 1000, n: 100);

        Assert.That(verdict.Outcome, Is.EqualTo(ForgettingOutcome.Pass));
        Assert.That(verdict.StepsToBudget, Is.Null);
        Assert.That(verdict.Crossing!.Never, Is.True);
        Assert.That(verdict.Reason, Does.EndWith("; the law's asymptote E_f = 2 is at or below the budget 2.5: L_f rises towards E_f and never reaches the budget"));
    }

    [Test]
    public void Without_a_law_only_the_budget_is_checked()
    {
        var pass = ForgettingPolicy.Decide(2.0, null, budget: 2.4, tolerance: 0.05, p: 1000, n: 100);
        var fail = ForgettingPolicy.Decide(2.41, null, budget: 2.4, tolerance: 0.05, p: 1000, n: 100);

        Assert.That((pass.Outcome, pass.Predicted, pass.Upper, pass.StepsToBudget, pass.Crossing), Is.EqualTo((ForgettingOutcome.Pass, (double?)null, (double?)null, (double?)null, (BudgetCrossing?)null)));
        Assert.That(pass.Reason, Is.EqualTo("within budget: L_f 2 ≤ budget 2.4 at P = 1,000, N = 100"));
        Assert.That((fail.Outcome, fail.Rule), Is.EqualTo((ForgettingOutcome.Fail, ForgettingRule.BeyondBudget)));
    }

    [Test]
    public void A_linear_law_judges_from_the_checkpoints_L_ft()
    {
        // L̂_f = 4.5 − 2.5 = 2, upper 2.2061, limit 2.3164
        var anomalous = ForgettingPolicy.Decide(2.35, HandLaws.Linear(), budget: 3, tolerance: 0.05, p: 1000, n: 100, observedLft: 2.5);
        var missing = Assert.Throws<ArgumentException>(() => ForgettingPolicy.Decide(2.35, HandLaws.Linear(), 3, 0.05, 1000, 100));

        Assert.That((anomalous.Outcome, anomalous.Rule, anomalous.Predicted, anomalous.StepsToBudget), Is.EqualTo((ForgettingOutcome.Fail, ForgettingRule.AnomalousForgetting, (double?)2.0, (double?)null)));
        Assert.That(missing!.Message, Does.StartWith("a linear law predicts L_f from L_ft: pass the checkpoint's observed L_ft (observedLft)"));
    }

    [Test]
    public void Invalid_inputs_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ForgettingPolicy.Decide(double.NaN, null, 2, 0.05, 1, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => ForgettingPolicy.Decide(1, null, 0, 0.05, 1, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => ForgettingPolicy.Decide(1, null, 2, -0.1, 1, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => ForgettingPolicy.Decide(1, null, 2, 0.05, 0, 1));
    }

    static void AssertNumbers(ForgettingVerdict verdict, double observed, double budget, double steps)
    {
        Assert.That(verdict.Observed, Is.EqualTo(observed));
        Assert.That(verdict.Predicted, Is.EqualTo(2).Within(1e-12));
        Assert.That(verdict.Lower, Is.EqualTo(Lower).Within(1e-12));
        Assert.That(verdict.Upper, Is.EqualTo(Upper).Within(1e-12));
        Assert.That(verdict.Level, Is.EqualTo(0.95));
        Assert.That((verdict.Budget, verdict.Tolerance, verdict.P, verdict.N), Is.EqualTo((budget, 0.05, 1000.0, 100.0)));
        Assert.That(verdict.StepsToBudget, Is.EqualTo(steps).Within(1e-9));
    }
}
