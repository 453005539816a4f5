using RegressionGuard.Law;
using RegressionGuard.Ledger;
using static RegressionGuard.Core.Tests.Law.SyntheticLedgers;

namespace RegressionGuard.Core.Tests.Law;

public sealed class LawFitterTests
{
    static readonly LawForm[] Forms = [LawForm.Saturating, LawForm.Power, LawForm.Linear];

    /// <summary>
    /// 100 seeded ledgers per form at 1% multiplicative noise. Each fit uses 100 bootstrap resamples instead of the
    /// default 300 to keep the test at a few seconds: the percentile bounds are then noisier but not biased. Exponents
    /// (and the linear slope c1) must be within 5% and offsets within 2% of the truth in at least 90 of the 100 fits,
    /// and every parameter's 95% interval must cover its true value in at least 90 of them.
    /// </summary>
    [TestCaseSource(nameof(Forms))]
    public void Fits_of_noisy_synthetic_ledgers_recover_the_true_law_and_their_intervals_cover_it(LawForm form)
    {
        const int repetitions = 100;
        var truth = Truth(form);
        var names = LawForms.ParameterNames(form);
        var covered = names.ToDictionary(n => n, _ => 0);
        int recovered = 0;
        for (int seed = 0; seed < repetitions; seed++)
        {
            var fit = LawFitter.Fit(Synthetic(form, 1000 + seed, sigma: 0.01), form, new FitOptions { Resamples = 100, Seed = seed });
            if (fit.Parameters.All(p => Close(p, truth[p.Name])))
            {
                recovered++;
            }

            foreach (var p in fit.Parameters)
            {
                if (p.Covers(truth[p.Name]))
                {
                    covered[p.Name]++;
                }
            }
        }

        Assert.Multiple(() =>
        {
            Assert.That(recovered, Is.GreaterThanOrEqualTo(90), "fits with exponents within 5% and offsets within 2%");
            foreach (var name in names)
            {
                Assert.That(covered[name], Is.GreaterThanOrEqualTo(90), $"95% intervals covering the true {name}");
            }
        });
    }

    /// <summary>Exponents and the linear slope within 5%, offsets within 2%; amplitudes are not checked.</summary>
    static bool Close(LawParameter p, double truth) => p.Name switch
    {
        "a" or "b" or "c1" => Math.Abs(p.Value / truth - 1) <= 0.05,
        "E" or "E_f" or "E_ft" or "c0" => Math.Abs(p.Value / truth - 1) <= 0.02,
        _ => true,
    };

    [Test]
    public void A_fit_reports_diagnostics_residuals_and_the_rows_hashes()
    {
        var rows = Synthetic(LawForm.Saturating, seed: 7, sigma: 0.01);

        var fit = LawFitter.Fit(rows, "saturating", new FitOptions { Resamples = 50 });

        Assert.That(fit.Form, Is.EqualTo(LawForm.Saturating));
        Assert.That(fit.Parameters.Select(p => p.Name), Is.EqualTo(new[] { "E_f", "A_f", "E_ft", "A_ft", "a", "b" }));
        Assert.That(fit.Parameters, Has.All.Matches<LawParameter>(p => p.Lower <= p.Value && p.Value <= p.Upper));
        Assert.That((fit.Diagnostics.Rows, fit.Diagnostics.Runs), Is.EqualTo((25, 5)));
        Assert.That(fit.Diagnostics.R2, Is.GreaterThan(0.99));
        Assert.That(fit.Diagnostics.LooRmse, Is.GreaterThanOrEqualTo(fit.Diagnostics.Rmse));
        Assert.That(fit.Residuals.Select(r => r.Cell), Is.EqualTo(rows.Select(r => r.Cell)));
        Assert.That(fit.Residuals.Select(r => r.ObservedLf), Is.EqualTo(rows.Select(r => r.Lf)));
        Assert.That(fit.Residuals, Has.All.Matches<LawResidual>(r => r.PredictedLft is not null && Math.Abs(r.Residual) < 0.1));
        Assert.That(Math.Sqrt(fit.Residuals.Average(r => r.Residual * r.Residual)), Is.EqualTo(fit.Diagnostics.Rmse).Within(1e-12));
        Assert.That((fit.CorpusHash, fit.ModelHash, fit.Selection), Is.EqualTo(("c0ffee", "base1234", "explicit")));
        Assert.That(fit.Candidates, Is.EqualTo(new[] { new LawCandidate(LawForm.Saturating, 6, fit.Diagnostics.R2, fit.Diagnostics.Rmse, fit.Diagnostics.LooRmse, null, true) }));
        Assert.That(fit.Uncertainty.ResidualSdLog, Is.EqualTo(0.01).Within(0.005));
        Assert.That(fit.Uncertainty.Widening, Is.EqualTo(LawFitter.FewRunsFactor(5, 0.95)));
        Assert.That(fit.Uncertainty.Widening, Is.EqualTo(1.58).Within(0.01));
    }

    [Test]
    public void The_same_seed_gives_the_identical_fit_and_another_seed_other_intervals()
    {
        var rows = Synthetic(LawForm.Power, seed: 3);
        var options = new FitOptions { Resamples = 40, Seed = 11 };

        var first = LawFitter.Fit(rows, LawForm.Power, options);
        var second = LawFitter.Fit(rows, LawForm.Power, options);
        var other = LawFitter.Fit(rows, LawForm.Power, options with { Seed = 12 });

        Assert.That(second.Parameters, Is.EqualTo(first.Parameters));
        Assert.That(second.Uncertainty.Covariance, Is.EqualTo(first.Uncertainty.Covariance));
        Assert.That(other.Parameters.Select(p => p.Value), Is.EqualTo(first.Parameters.Select(p => p.Value)));
        Assert.That(other.Parameters[0].Lower, Is.Not.EqualTo(first.Parameters[0].Lower));
    }

    [Test]
    public void Auto_fits_every_form_reports_each_and_keeps_the_lowest_leave_one_out_RMSE()
    {
        var rows = Synthetic(LawForm.Power, seed: 5, sigma: 0.01);

        var fit = LawFitter.Fit(rows, "auto", new FitOptions { Resamples = 30 });

        Assert.That(fit.Selection, Is.EqualTo("auto"));
        Assert.That(fit.Candidates.Select(c => c.Form), Is.EqualTo(Forms));
        Assert.That(fit.Candidates, Has.All.Matches<LawCandidate>(c => c.Refusal is null && c.LooRmse > 0 && c.R2 is not null && c.Rmse is not null));
        var best = fit.Candidates.MinBy(c => c.LooRmse)!;
        Assert.That(fit.Candidates.Where(c => c.Chosen), Is.EqualTo(new[] { best }));
        Assert.That(fit.Form, Is.EqualTo(best.Form));
        Assert.That(fit.Form, Is.EqualTo(LawForm.Power));
        Assert.That(fit.Diagnostics.LooRmse, Is.EqualTo(best.LooRmse));
    }

    [Test]
    public void Auto_lists_the_forms_a_ledger_cannot_support_with_their_reasons()
    {
        // L_ft is not measured: the power form still fits, the saturating and linear forms need L_ft.
        var rows = Synthetic(LawForm.Power, seed: 5).Select(r => r with { LFt = double.NaN }).ToList();

        var fit = LawFitter.Fit(rows, "auto", new FitOptions { Resamples = 20 });

        Assert.That(fit.Form, Is.EqualTo(LawForm.Power));
        Assert.That(fit.Candidates.Select(c => (c.Form, c.Chosen, c.Refusal is null)), Is.EqualTo(new[]
        {
            (LawForm.Saturating, false, false), (LawForm.Power, true, true), (LawForm.Linear, false, false),
        }));
        Assert.That(fit.Candidates[0].Refusal, Does.StartWith("non-finite values in 25 rows: L_ft = NaN in 'p1000@N=20', L_ft = NaN in 'p1000@N=40'"));
        Assert.That(fit.Candidates[0].Refusal, Does.Contain("and 20 more; every L_f and L_ft the saturating form uses must be a finite number"));
    }

    // ------------------------------------------------------------------ refusals

    [Test]
    public void Three_rows_are_refused_with_how_many_rows_the_form_needs()
    {
        var rows = Synthetic(LawForm.Saturating, seed: 1).Take(3).ToList();

        var single = Assert.Throws<LawException>(() => LawFitter.Fit(rows, "saturating"));
        var auto = Assert.Throws<LawException>(() => LawFitter.Fit(rows, "auto"));

        Assert.That(single!.Message, Is.EqualTo("cannot fit the saturating law: it has 6 parameters and needs at least 9 usable rows, got 3"));
        Assert.That(auto!.Message, Is.EqualTo(
            "cannot fit any law form to these rows: "
            + "saturating — it has 6 parameters and needs at least 9 usable rows, got 3; "
            + "power — it has 4 parameters and needs at least 7 usable rows, got 3; "
            + "linear — it has 2 parameters and needs at least 5 usable rows, got 3"));
    }

    [Test]
    public void A_ledger_where_every_row_has_the_same_P_is_refused_for_the_forms_in_P_and_N()
    {
        var rows = Synthetic(LawForm.Power, seed: 1).Select(r => r with { P = 1000 }).ToList();

        var power = Assert.Throws<LawException>(() => LawFitter.Fit(rows, "power"));
        var saturating = Assert.Throws<LawException>(() => LawFitter.Fit(rows, "saturating"));

        Assert.That(power!.Message, Is.EqualTo("cannot fit the power law: all 25 rows have P = 1000; the P exponent a needs at least two distinct P values (runs with different numbers of trainable parameters)"));
        Assert.That(saturating!.Message, Does.StartWith("cannot fit the saturating law: all 25 rows have P = 1000;"));
    }

    [Test]
    public void A_ledger_where_every_row_has_the_same_N_is_refused()
    {
        var rows = Synthetic(LawForm.Power, seed: 1).Select(r => r with { N = 80 }).ToList();

        var error = Assert.Throws<LawException>(() => LawFitter.Fit(rows, "power"));

        Assert.That(error!.Message, Is.EqualTo("cannot fit the power law: all 25 rows have N = 80; the N exponent b needs at least two distinct N values (checkpoints at different steps)"));
    }

    [Test]
    public void A_NaN_is_refused_naming_its_cell_and_column()
    {
        var rows = Synthetic(LawForm.Saturating, seed: 1);
        rows[1] = rows[1] with { Lf = double.NaN };
        rows[7] = rows[7] with { LFt = double.PositiveInfinity };

        var power = Assert.Throws<LawException>(() => LawFitter.Fit(rows, "power"));
        var saturating = Assert.Throws<LawException>(() => LawFitter.Fit(rows, "saturating"));

        Assert.That(power!.Message, Is.EqualTo("cannot fit the power law: non-finite values in 1 row: L_f = NaN in 'p1000@N=40'; every L_f the power form uses must be a finite number (re-measure these checkpoints or drop them from the ledger)"));
        Assert.That(saturating!.Message, Is.EqualTo("cannot fit the saturating law: non-finite values in 2 rows: L_f = NaN in 'p1000@N=40', L_ft = Infinity in 'p3000@N=80'; every L_f and L_ft the saturating form uses must be a finite number (re-measure these checkpoints or drop them from the ledger)"));
    }

    [Test]
    public void Non_positive_P_N_or_losses_are_refused_by_cell()
    {
        var rows = Synthetic(LawForm.Power, seed: 1);
        rows[0] = rows[0] with { P = 0 };
        var losses = Synthetic(LawForm.Power, seed: 1);
        losses[2] = losses[2] with { Lf = -0.25 };

        var scale = Assert.Throws<LawException>(() => LawFitter.Fit(rows, "power"));
        var loss = Assert.Throws<LawException>(() => LawFitter.Fit(losses, "power"));

        Assert.That(scale!.Message, Is.EqualTo("cannot fit the power law: P = 0 in 'p1000@N=20'; P (trainable parameters) and N (optimizer steps) must be positive, because the power law takes their logarithms"));
        Assert.That(loss!.Message, Is.EqualTo("cannot fit the power law: L_f = -0.25 in 'p1000@N=80'; losses are fitted in log space and must be positive"));
    }

    [Test]
    public void A_single_run_is_refused_because_the_bootstrap_resamples_runs()
    {
        var rows = Synthetic(LawForm.Linear, seed: 1).Select(r => r with { Run = "only" }).ToList();

        var error = Assert.Throws<LawException>(() => LawFitter.Fit(rows, "linear"));

        Assert.That(error!.Message, Is.EqualTo("cannot fit the linear law: the bootstrap resamples runs and needs at least 2, got 1 ('only')"));
    }

    [Test]
    public void Rows_from_two_corpora_are_refused()
    {
        var rows = Synthetic(LawForm.Power, seed: 1);
        rows[0] = rows[0] with { Corpus = "beef" };

        var error = Assert.Throws<LawException>(() => LawFitter.Fit(rows, "power"));

        Assert.That(error!.Message, Is.EqualTo("cannot fit a law: the rows come from 2 L_f corpora (beef: 1 row, c0ffee: 24 rows); a law describes one corpus, so filter the ledger to one"));
    }

    [Test]
    public void An_unknown_form_suggests_the_closest_name()
    {
        var error = Assert.Throws<ArgumentException>(() => LawFitter.Fit(Synthetic(LawForm.Power, 1), "satruating"));

        Assert.That(error!.Message, Does.StartWith("unknown law form 'satruating' — did you mean 'saturating'?"));
    }

    [Test]
    public void Too_few_resamples_are_refused_up_front()
    {
        var error = Assert.Throws<ArgumentException>(() => LawFitter.Fit(Synthetic(LawForm.Power, 1), "power", new FitOptions { Resamples = 5, Level = 1 }));

        Assert.That(error!.Message, Is.EqualTo("invalid fit options: Resamples must be at least 20, got 5; Level must be strictly between 0 and 1, got 1"));
    }
}
