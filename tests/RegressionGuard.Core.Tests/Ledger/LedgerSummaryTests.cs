using RegressionGuard.Ledger;
using static RegressionGuard.Core.Tests.Ledger.LedgerSamples;

namespace RegressionGuard.Core.Tests.Ledger;

public sealed class LedgerSummaryTests
{
    [Test]
    public void A_signal_in_the_same_order_as_L_f_has_Spearman_one_and_a_linear_one_has_R_squared_one()
    {
        // Given four checkpoints whose L_f = 1 + 2·kl_train exactly and whose intruders rise with L_f but not linearly
        var rows = new[] { 0.1, 0.2, 0.4, 0.8 }.Select((kl, i) => Row(n: i + 1, lf: 1 + 2 * kl) with { KlTrain = kl, Intruders = (long)Math.Pow(3, i) }).ToList();

        // When the signals are correlated with L_f
        var correlations = LedgerSummary.SignalCorrelations(rows).ToDictionary(c => c.Signal);

        // Then kl_train is exact on both measures; intruders keep the order (ρ = 1) but are not a line
        Assert.That(correlations["kl_train"].Spearman, Is.EqualTo(1).Within(1e-12));
        Assert.That(correlations["kl_train"].RSquared, Is.EqualTo(1).Within(1e-12));
        Assert.That(correlations["intruders"].Spearman, Is.EqualTo(1).Within(1e-12));
        Assert.That(correlations["intruders"].RSquared, Is.LessThan(0.99));
        Assert.That(correlations["intruders"].Rows, Is.EqualTo(4));
        Assert.That(correlations, Does.Not.ContainKey("dw_frobenius"), "not recorded on any row");
        Assert.That(correlations, Does.Not.ContainKey("L_ft"), "constant over the rows");
    }

    [Test]
    public void Pearson_r_squared_matches_a_hand_computed_example()
    {
        // x = 1, 2, 3; L_f = 1, 3, 2: r = cov/(sx·sy) = 0.5/(1·1) = 0.5, r² = 0.25; ranks (1,2,3) vs (1,3,2): ρ = 0.5
        var rows = new[] { (1.0, 1.0), (2.0, 3.0), (3.0, 2.0) }.Select((p, i) => Row(n: i + 1, lf: p.Item2) with { DeltaFrobenius = p.Item1 }).ToList();

        var c = LedgerSummary.SignalCorrelations(rows).Single(c => c.Signal == "dw_frobenius");

        Assert.That(c.RSquared, Is.EqualTo(0.25).Within(1e-12));
        Assert.That(c.Spearman, Is.EqualTo(0.5).Within(1e-12));
        Assert.That(LedgerSummary.Markdown(rows), Does.Contain("| dw_frobenius | 3 | 0.500 | 0.250 |"));
    }
}
