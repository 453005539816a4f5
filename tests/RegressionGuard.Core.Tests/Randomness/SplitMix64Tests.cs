using RegressionGuard.Randomness;

namespace RegressionGuard.Core.Tests.Randomness;

public sealed class SplitMix64Tests
{
    [Test]
    public void Seed_1234567_gives_the_published_SplitMix64_reference_sequence()
    {
        var rng = new SplitMix64(1234567);

        var first = Enumerable.Range(0, 5).Select(_ => rng.NextUInt64()).ToArray();

        Assert.That(first, Is.EqualTo(new[] { 6457827717110365317UL, 3203168211198807973UL, 9817491932198370423UL, 4593380528125082431UL, 16408922859458223821UL }));
    }

    [Test]
    public void NextInt_stays_below_its_bound_and_hits_every_value()
    {
        var rng = new SplitMix64(7);

        var draws = Enumerable.Range(0, 10_000).Select(_ => rng.NextInt(7)).ToArray();

        Assert.That(draws, Is.All.InRange(0L, 6L));
        Assert.That(draws.Distinct().Count(), Is.EqualTo(7));
    }

    [Test]
    public void NextDouble_is_in_the_unit_interval()
    {
        var rng = new SplitMix64(3);

        var draws = Enumerable.Range(0, 10_000).Select(_ => rng.NextDouble()).ToArray();

        Assert.That(draws.Min(), Is.GreaterThanOrEqualTo(0.0));
        Assert.That(draws.Max(), Is.LessThan(1.0));
        Assert.That(draws.Average(), Is.EqualTo(0.5).Within(0.02));
    }

    [Test]
    public void ChooseIndices_returns_distinct_sorted_indices_and_SampleIndices_the_same_set_in_draw_order()
    {
        var chosen = new SplitMix64(11).ChooseIndices(20, 8);
        var sampled = new SplitMix64(11).SampleIndices(20, 8);

        Assert.That(chosen, Is.Ordered.And.Unique.And.All.InRange(0, 19));
        Assert.That(chosen, Has.Length.EqualTo(8));
        Assert.That(sampled.Order(), Is.EqualTo(chosen));
    }
}
