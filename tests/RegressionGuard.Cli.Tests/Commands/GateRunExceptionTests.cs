using RegressionGuard.Gate;
using RegressionGuard.Reports;
using RegressionGuard.Testing;

namespace RegressionGuard.Cli.Tests.Commands;

/// <summary>A bug in the middle of a gate run still leaves a report of everything compared before it.</summary>
public sealed class GateRunExceptionTests
{
    [Test]
    public void A_bug_after_the_suites_were_compared_keeps_them_in_a_partial_report()
    {
        // Given the organism's mild gate and a bug injected when the tuned model's L_f starts (after every suite)
        var config = GateConfig.Load(RepositoryFiles.Path("suites/organism/gate-mild.yaml"));
        var runner = new GateRunner(config)
        {
            Progress = (label, total, work) => label.StartsWith("tuned · L_f", StringComparison.Ordinal)
                ? throw new InvalidOperationException("injected bug")
                : work(new Progress<int>()),
        };

        // When it runs
        var e = Assert.Throws<GateRunException>(() => runner.Run())!;

        // Then the bug is handed on, with a report of outcome error that keeps the three finished comparisons
        Assert.That(e.InnerException, Is.TypeOf<InvalidOperationException>());
        Assert.That(e.Partial.Outcome, Is.EqualTo(GateOutcome.Error));
        Assert.That(e.Partial.Suites.Select(s => s.Suite), Is.EquivalentTo(new[] { "organism_knowledge", "organism_reasoning", "organism_refusal" }));
        Assert.That(e.Partial.Errors.Single(), Is.EqualTo("internal error (InvalidOperationException): injected bug"));
        Assert.That(e.Partial.Forgetting, Is.Null);
    }
}
