using RegressionGuard.Comparison;
using RegressionGuard.Suites.Evaluation;

namespace RegressionGuard.Core.Tests.Comparison;

public sealed class SuiteComparerTests
{
    static ItemResult Item(string id, double acc, int predicted) => new()
    {
        Id = id,
        Source = $"data.jsonl:{id}",
        Prompt = $"prompt {id}",
        Choices = new[] { "yes", "no" },
        Gold = 0,
        Predicted = predicted,
        Metrics = new Dictionary<string, double> { ["acc"] = acc },
    };

    static SuiteResult Result(params ItemResult[] items) => new("demo", 1, "knowledge", "multiple_choice", "m", items,
        new Dictionary<string, MetricValue> { ["acc"] = new(items.Average(i => i.Metrics["acc"]), 0, items.Length, true, 0.05, null) });

    [Test]
    public void Items_pair_by_id_and_flips_carry_both_answers()
    {
        var baseResult = Result(Item("a", 1, 0), Item("b", 1, 0), Item("c", 0, 1), Item("only-base", 1, 0));
        var tunedResult = Result(Item("b", 0, 1), Item("a", 1, 0), Item("c", 1, 0), Item("only-tuned", 0, 1));
        var c = SuiteComparer.Compare(baseResult, tunedResult);
        var acc = c.Metrics.Single();
        Assert.Multiple(() =>
        {
            Assert.That(c.PairedItems, Is.EqualTo(3));
            Assert.That(c.UnpairedItems, Is.EqualTo(2));
            Assert.That(acc.Base, Is.EqualTo(2.0 / 3));
            Assert.That(acc.Tuned, Is.EqualTo(2.0 / 3));
            Assert.That(acc.Delta, Is.EqualTo(0).Within(1e-12));
            Assert.That(acc.Worsened, Is.EqualTo(1));
            Assert.That(acc.Improved, Is.EqualTo(1));
            Assert.That(acc.PValue, Is.EqualTo(1), "b = c = 1");
            Assert.That(acc.MaxDrop, Is.EqualTo(0.05));
            var worse = c.Flips.Single(f => f.Label == "right → wrong").Items.Single();
            Assert.That((worse.Id, worse.BaseAnswer, worse.TunedAnswer, worse.Expected), Is.EqualTo(("b", "yes", "no", "yes")));
        });
    }

    [Test]
    public void A_clear_drop_has_a_negative_interval_and_a_small_p_value()
    {
        var baseItems = Enumerable.Range(0, 40).Select(i => Item($"i{i}", 1, 0)).ToArray();
        var tunedItems = Enumerable.Range(0, 40).Select(i => Item($"i{i}", i < 12 ? 0 : 1, i < 12 ? 1 : 0)).ToArray();
        var acc = SuiteComparer.Compare(Result(baseItems), Result(tunedItems)).Metrics.Single();
        Assert.That(acc.Delta, Is.EqualTo(-0.3).Within(1e-12));
        Assert.That(acc.CiUpper, Is.LessThan(0));
        Assert.That(acc.PValue, Is.EqualTo(2 * Math.Pow(0.5, 12)).Within(1e-15), "exact McNemar with b = 12, c = 0");
        Assert.That(acc.Regression, Is.EqualTo(0.3).Within(1e-12));
    }

    [Test]
    public void Holm_adjusts_across_all_compared_suites()
    {
        var baseItems = Enumerable.Range(0, 40).Select(i => Item($"i{i}", 1, 0)).ToArray();
        var drop = SuiteComparer.Compare(Result(baseItems), Result(baseItems.Select((x, i) => Item(x.Id, i < 12 ? 0 : 1, 0)).ToArray()));
        var same = SuiteComparer.Compare(Result(baseItems), Result(baseItems));
        var adjusted = SuiteComparer.AdjustHolm(new[] { drop, same });
        Assert.That(adjusted[0].Metrics[0].PHolm, Is.EqualTo(2 * drop.Metrics[0].PValue).Within(1e-15), "the smallest of two p-values is doubled");
        Assert.That(adjusted[1].Metrics[0].PHolm, Is.EqualTo(1));
    }
}
