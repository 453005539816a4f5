using RegressionGuard.Ledger;
using static RegressionGuard.Core.Tests.Ledger.LedgerSamples;

namespace RegressionGuard.Core.Tests.Ledger;

public sealed class LearningForgettingFrontierTests
{
    [Test]
    public void The_frontier_keeps_the_checkpoints_no_other_beats_on_both_losses_ordered_by_L_ft()
    {
        // (L_ft, L_f): (1, 3) and (2, 1) are optimal; (2, 2) is beaten by (2, 1); (3, 1.5) by (2, 1); (0.5, 4) is optimal
        var rows = new[] { (1.0, 3.0), (2.0, 2.0), (2.0, 1.0), (3.0, 1.5), (0.5, 4.0) }
            .Select((p, i) => Row(n: i + 1, lft: p.Item1, lf: p.Item2)).ToList();

        var frontier = LearningForgettingFrontier.Of(rows);

        Assert.That(frontier.Select(r => (r.LFt, r.Lf)), Is.EqualTo(new[] { (0.5, 4.0), (1.0, 3.0), (2.0, 1.0) }));
    }

    [Test]
    public void Each_method_gets_its_own_frontier_and_non_finite_rows_are_left_out()
    {
        var rows = new List<LedgerRow>
        {
            Row(run: "a", n: 1, method: "lora", lft: 2, lf: 1),
            Row(run: "a", n: 2, method: "lora", lft: 1, lf: 2),
            Row(run: "b", n: 1, method: "full", lft: 1, lf: 3),
            Row(run: "b", n: 2, method: "full", lft: double.NaN, lf: 0.1),
        };

        var byMethod = LearningForgettingFrontier.ByMethod(rows);

        Assert.That(byMethod.Keys, Is.EqualTo(new[] { "full", "lora" }));
        Assert.That(byMethod["lora"], Has.Count.EqualTo(2));
        Assert.That(byMethod["full"].Single().Lf, Is.EqualTo(3));
    }
}
