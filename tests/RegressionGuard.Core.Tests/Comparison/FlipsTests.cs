using RegressionGuard.Comparison;

namespace RegressionGuard.Core.Tests.Comparison;

public sealed class FlipsTests
{
    [Test]
    public void Flipped_items_are_listed_in_input_order_by_direction()
    {
        string[] ids = ["q1", "q2", "q3", "q4", "q5", "q6"];
        bool[] baseCorrect = [true, false, true, false, true, true];
        bool[] tunedCorrect = [false, true, true, false, false, true];

        var flips = Flips.Find(ids, baseCorrect, tunedCorrect);

        Assert.That(flips.RightToWrong, Is.EqualTo(new[] { "q1", "q5" }));
        Assert.That(flips.WrongToRight, Is.EqualTo(new[] { "q2" }));
    }

    [Test]
    public void The_list_sizes_are_the_McNemar_counts()
    {
        var random = new Random(3);
        int[] ids = Enumerable.Range(100, 500).ToArray();
        bool[] baseCorrect = ids.Select(_ => random.NextDouble() < 0.7).ToArray();
        bool[] tunedCorrect = ids.Select(_ => random.NextDouble() < 0.6).ToArray();

        var flips = Flips.Find(ids, baseCorrect, tunedCorrect);
        var test = McNemar.Exact(baseCorrect, tunedCorrect);

        Assert.That(flips.RightToWrong, Has.Count.EqualTo(test.RightToWrong));
        Assert.That(flips.WrongToRight, Has.Count.EqualTo(test.WrongToRight));
    }

    [Test]
    public void Items_and_outcomes_of_different_lengths_are_rejected()
    {
        Assert.That(() => Flips.Find(["a", "b"], new bool[3], new bool[3]),
            Throws.ArgumentException.With.Message.EqualTo(
                "items and baseCorrect must have the same length (one entry per item, aligned); got 2 and 3 (Parameter 'items')"));
    }
}
