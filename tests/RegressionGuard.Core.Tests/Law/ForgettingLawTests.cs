using RegressionGuard.Law;
using static RegressionGuard.Core.Tests.Law.SyntheticLedgers;

namespace RegressionGuard.Core.Tests.Law;

public sealed class ForgettingLawTests
{
    static readonly LawForm[] ScaleForms = [LawForm.Saturating, LawForm.Power];

    static LawFit FitOf(LawForm form, int seed = 2) => LawFitter.Fit(Synthetic(form, seed, sigma: 0.01), form, new FitOptions { Resamples = 60 });

    [TestCaseSource(nameof(ScaleForms))]
    public void Predict_on_the_ledgers_own_rows_matches_the_fitted_curve(LawForm form)
    {
        var fit = FitOf(form);
        var law = fit.ToLaw();

        foreach (var row in fit.Residuals)
        {
            Assert.That(law.Predict(row.P, row.N).Value, Is.EqualTo(row.PredictedLf).Within(1e-9).Percent, row.Cell);
        }
    }

    [Test]
    public void PredictFromLft_on_the_ledgers_own_rows_matches_the_fitted_line()
    {
        var fit = FitOf(LawForm.Linear);
        var law = fit.ToLaw();

        foreach (var row in fit.Residuals)
        {
            Assert.That(law.PredictFromLft(row.ObservedLft).Value, Is.EqualTo(row.PredictedLf).Within(1e-9).Percent, row.Cell);
        }

        Assert.That(law.PredictFromLft(2).Value, Is.EqualTo(law["c0"] + 2 * law["c1"]).Within(1e-12));
    }

    [Test]
    public void The_reported_parameters_reproduce_the_curve_by_hand()
    {
        var saturating = FitOf(LawForm.Saturating).ToLaw();
        var power = FitOf(LawForm.Power).ToLaw();

        double x = Math.Pow(3e4, -saturating["a"]) * Math.Pow(160, -saturating["b"]);
        Assert.That(saturating.Predict(3e4, 160).Value, Is.EqualTo(saturating["E_f"] - saturating["A_f"] * x).Within(1e-12));
        Assert.That(power.Predict(3e4, 160).Value, Is.EqualTo(power["E"] + power["A"] * Math.Pow(3e4, power["a"]) * Math.Pow(160, power["b"])).Within(1e-12));
    }

    [TestCaseSource(nameof(ScaleForms))]
    public void The_prediction_interval_combines_residual_scatter_with_parameter_uncertainty(LawForm form)
    {
        var fit = FitOf(form);
        var law = fit.ToLaw();
        double sigma = fit.Uncertainty.ResidualSdLog;

        var centre = law.Predict(fit.Uncertainty.ReferenceP!.Value, fit.Uncertainty.ReferenceN!.Value);
        // Far from the rows: a power law keeps growing; a saturating law flattens at large P·N, so go small there.
        var far = form == LawForm.Power ? law.Predict(1e7, 5000) : law.Predict(1000, 16);
        int inside = fit.Residuals.Count(r => law.Predict(r.P, r.N) is var p && r.ObservedLf >= p.Lower && r.ObservedLf <= p.Upper);

        Assert.That(centre.Lower, Is.LessThan(centre.Value));
        Assert.That(centre.Upper, Is.GreaterThan(centre.Value));
        Assert.That(Math.Log(centre.Upper / centre.Value), Is.EqualTo(1.959964 * centre.SdLog).Within(1e-6));
        Assert.That(Math.Log(centre.Value / centre.Lower), Is.EqualTo(1.959964 * centre.SdLog).Within(1e-6));
        Assert.That(centre.SdLog, Is.GreaterThan(sigma));
        Assert.That(far.SdLog, Is.GreaterThan(2 * centre.SdLog), "extrapolating far from the rows widens the interval");
        Assert.That(inside, Is.GreaterThanOrEqualTo(23), "rows inside their own 95% prediction interval, of 25");
    }

    [Test]
    public void A_law_without_parameter_uncertainty_has_the_residual_scatter_alone()
    {
        var law = HandLaws.Power();

        var prediction = law.Predict(5000, 400);

        Assert.That(prediction.Value, Is.EqualTo(3.0).Within(1e-12));
        Assert.That(prediction.SdLog, Is.EqualTo(0.05));
        Assert.That(prediction.Lower, Is.EqualTo(3 * Math.Exp(-1.959963984540054 * 0.05)).Within(1e-12));
        Assert.That(prediction.Upper, Is.EqualTo(3 * Math.Exp(1.959963984540054 * 0.05)).Within(1e-12));
    }

    [TestCaseSource(nameof(ScaleForms))]
    public void Steps_to_budget_solve_the_law_for_the_budget_to_1e_6_relative(LawForm form)
    {
        var law = FitOf(form).ToLaw();

        foreach (double p in new[] { 1e3, 2e4, 1e5 })
        {
            double budget = law.Predict(p, 250).Value;
            var crossing = law.StepsToBudget(p, budget);

            Assert.That(crossing.Steps, Is.Not.Null, crossing.Reason);
            Assert.That(crossing.Steps!.Value, Is.EqualTo(250).Within(1e-6).Percent);
            Assert.That(law.Predict(p, crossing.Steps.Value).Value, Is.EqualTo(budget).Within(1e-6 * budget));
            Assert.That(crossing.Reason, Does.StartWith("L_f reaches the budget"));
        }
    }

    [Test]
    public void Steps_to_budget_by_hand()
    {
        // 1 + 0.1·√N = 2.4 ⇔ N = 14² = 196; 2 − 60·1000^(−0.3)·N^(−0.5) = 1.5 ⇔ N = (60·1000^(−0.3)/0.5)²
        Assert.That(HandLaws.Power().StepsToBudget(1000, 2.4).Steps, Is.EqualTo(196).Within(1e-9));
        Assert.That(HandLaws.Saturating().StepsToBudget(1000, 1.5).Steps, Is.EqualTo(Math.Pow(60 * Math.Pow(1000, -0.3) / 0.5, 2)).Within(1e-9));
    }

    [Test]
    public void A_saturating_law_whose_asymptote_is_below_the_budget_never_reaches_it()
    {
        var crossing = HandLaws.Saturating().StepsToBudget(1000, 2.5);

        Assert.That(crossing.Never, Is.True);
        Assert.That(crossing.Reason, Is.EqualTo("the law's asymptote E_f = 2 is at or below the budget 2.5: L_f rises towards E_f and never reaches the budget"));
    }

    [Test]
    public void A_law_in_which_forgetting_falls_with_N_never_reaches_the_budget()
    {
        var falling = HandLaws.Power(b: -0.5).StepsToBudget(1000, 2.4);
        var flat = HandLaws.Saturating(b: 0).StepsToBudget(1000, 1.5);

        Assert.That((falling.Steps, falling.Reason), Is.EqualTo(((double?)null, "L_f does not rise with N under this law (A·b = -0.05 ≤ 0), so it never reaches the budget 2.4")));
        Assert.That((flat.Steps, flat.Reason), Is.EqualTo(((double?)null, "L_f does not rise with N under this law (A_f = 60, b = 0), so it never reaches the budget 1.5")));
    }

    [Test]
    public void A_rising_power_law_that_starts_above_the_budget_reaches_it_at_N_zero()
    {
        var crossing = HandLaws.Power(e: 3).StepsToBudget(1000, 2.4);

        Assert.That((crossing.Steps, crossing.Reason), Is.EqualTo(((double?)0, "the law puts L_f above the budget 2.4 at every N: its floor E = 3 is at or above the budget")));
    }

    [Test]
    public void A_linear_law_predicts_from_L_ft_only()
    {
        var law = HandLaws.Linear();

        var fromScale = Assert.Throws<LawException>(() => law.Predict(1000, 100));
        var steps = Assert.Throws<LawException>(() => law.StepsToBudget(1000, 2));
        var fromLft = Assert.Throws<LawException>(() => HandLaws.Power().PredictFromLft(2));

        Assert.That(law.PredictFromLft(2.5).Value, Is.EqualTo(2).Within(1e-12));
        Assert.That(fromScale!.Message, Is.EqualTo("the linear law predicts L_f from L_ft (L_f = c0 + c1 * L_ft) and cannot predict from P and N; use PredictFromLft(L_ft), or fit a saturating or power law"));
        Assert.That(steps!.Message, Is.EqualTo("the linear law predicts L_f from L_ft and has no N: StepsToBudget needs a saturating or power law"));
        Assert.That(fromLft!.Message, Is.EqualTo("the power law predicts L_f from P and N; use Predict(P, N) (PredictFromLft needs a linear law)"));
    }

    [Test]
    public void A_prediction_below_zero_is_an_error_rather_than_a_loss()
    {
        var error = Assert.Throws<LawException>(() => HandLaws.Saturating().Predict(1, 1));

        Assert.That(error!.Message, Is.EqualTo("the saturating law predicts L_f = -58 at P = 1, N = 1, which is not a positive loss: the point is too far outside the fitted rows for the law to hold"));
    }
}
