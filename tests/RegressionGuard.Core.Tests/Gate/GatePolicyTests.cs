using RegressionGuard.Comparison;
using RegressionGuard.Gate;

namespace RegressionGuard.Core.Tests.Gate;

public sealed class GatePolicyTests
{
    static MetricComparison Acc(double baseValue, double tuned, double? p, double? maxDrop = 0.02, int items = 400, bool higher = true, double? maxRise = null) =>
        new(higher ? "acc" : "over_refusal_rate", higher, items, baseValue, tuned, tuned - baseValue, tuned - baseValue - 0.01, tuned - baseValue + 0.01,
            p, p, 10, 2, maxDrop, maxRise);

    [Test]
    public void A_significant_drop_beyond_the_threshold_fails_with_the_numbers()
    {
        var v = GatePolicy.Decide(Acc(0.80, 0.70, 0.0001), new GateThresholds());
        Assert.That(v.Outcome, Is.EqualTo("fail"));
        Assert.That(v.Reason, Is.EqualTo("drop of 0.1000 exceeds max_drop 0.0200: 0.8000 → 0.7000 (Δ -0.1000), p (Holm) 0.0001 < α 0.05"));
    }

    [Test]
    public void A_drop_beyond_the_threshold_that_is_not_significant_passes_when_significance_is_required()
    {
        var v = GatePolicy.Decide(Acc(0.80, 0.75, 0.3), new GateThresholds());
        Assert.That(v.Outcome, Is.EqualTo("pass"));
        Assert.That(v.Reason, Does.Contain("not significant"));
        Assert.That(GatePolicy.Decide(Acc(0.80, 0.75, 0.3), new GateThresholds(RequireSignificance: false)).Outcome, Is.EqualTo("fail"));
    }

    [Test]
    public void A_small_drop_passes_and_a_rise_in_a_lower_is_better_metric_is_a_regression()
    {
        Assert.That(GatePolicy.Decide(Acc(0.80, 0.79, 0.5), new GateThresholds()).Outcome, Is.EqualTo("pass"));
        var overRefusal = GatePolicy.Decide(Acc(0.05, 0.20, 0.001, maxDrop: null, higher: false, maxRise: 0.05), new GateThresholds());
        Assert.That(overRefusal.Outcome, Is.EqualTo("fail"));
        Assert.That(overRefusal.Reason, Does.StartWith("rise of 0.1500 exceeds max_rise 0.0500"));
    }

    [Test]
    public void Metrics_without_threshold_or_with_too_few_items_are_skipped()
    {
        Assert.That(GatePolicy.Decide(Acc(0.8, 0.1, 0.001, maxDrop: null), new GateThresholds()).Outcome, Is.EqualTo("skip"));
        Assert.That(GatePolicy.Decide(Acc(0.8, 0.1, 0.001, maxDrop: null), new GateThresholds(MaxDrop: 0.05)).Outcome, Is.EqualTo("fail"), "the default threshold applies");
        var few = GatePolicy.Decide(Acc(0.8, 0.1, 0.001, items: 5), new GateThresholds(MinItems: 20));
        Assert.That((few.Outcome, few.Reason), Is.EqualTo(("skip", "only 5 paired items (min_items 20): reported, not gated")));
    }

    [Test]
    public void Without_a_p_value_significance_comes_from_the_bootstrap_interval()
    {
        var v = GatePolicy.Decide(Acc(0.80, 0.70, null), new GateThresholds());
        Assert.That(v.Outcome, Is.EqualTo("fail"));
        Assert.That(v.Reason, Does.EndWith("95% CI [-0.1100, -0.0900] excludes 0"));
    }
}
