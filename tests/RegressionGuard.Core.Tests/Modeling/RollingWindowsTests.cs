using RegressionGuard.Modeling;

namespace RegressionGuard.Core.Tests.Modeling;

public sealed class RollingWindowsTests
{
    [TestCase(2, 8)]
    [TestCase(8, 8)]
    [TestCase(9, 8)]
    [TestCase(100, 8)]
    [TestCase(1000, 512)]
    public void Every_token_after_the_first_is_predicted_exactly_once(int tokens, int context)
    {
        var counts = new int[tokens];
        foreach (var w in RollingWindows.Plan(tokens, context, new RollingOptions()))
        {
            Assert.That(w.Length, Is.LessThanOrEqualTo(context));
            Assert.That(w.PredictFrom, Is.GreaterThan(w.Start));
            for (int t = w.PredictFrom; t < w.End; t++)
            {
                counts[t]++;
            }
        }
        Assert.That(counts[0], Is.EqualTo(0));
        Assert.That(counts.Skip(1), Is.All.EqualTo(1));
    }

    [Test]
    public void Each_later_window_keeps_at_least_context_minus_stride_tokens_of_context()
    {
        var windows = RollingWindows.Plan(100, 10, new RollingOptions(Stride: 4));
        foreach (var w in windows.Skip(1))
        {
            Assert.That(w.PredictFrom - w.Start, Is.GreaterThanOrEqualTo(10 - 4));
        }
    }

    [Test]
    public void Truncation_scores_only_the_first_context_length_tokens()
    {
        var windows = RollingWindows.Plan(620, 512, new RollingOptions(Truncate: true));
        Assert.That(windows, Is.EqualTo(new[] { new TokenWindow(0, 512, 1) }));
    }

    [Test]
    public void A_stride_longer_than_the_context_is_refused()
    {
        Assert.That(() => RollingWindows.Plan(100, 10, new RollingOptions(Stride: 10)),
            Throws.InstanceOf<ArgumentOutOfRangeException>().With.Message.Contains("stride must be between 1 and 9"));
    }
}
