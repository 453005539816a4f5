using RegressionGuard.Training.Methods;

namespace RegressionGuard.Training.Tests.Methods;

public sealed class ReplayBufferTests
{
    [Test]
    public void Each_of_the_items_seen_is_kept_with_probability_capacity_over_seen()
    {
        const int capacity = 10, stream = 100, repetitions = 20_000;
        const double p = (double)capacity / stream;
        var kept = new int[stream];
        for (var rep = 0; rep < repetitions; rep++)
        {
            var buffer = new ReplayBuffer<int>(capacity, seed: rep);
            buffer.AddRange(Enumerable.Range(0, stream));
            foreach (var item in buffer.Items)
            {
                kept[item]++;
            }
        }

        var frequencies = kept.Select(k => (double)k / repetitions).ToArray();
        // Each count is Binomial(R, p): σ of a frequency ≈ 0.0021, so ±0.01 is about 4.7σ.
        Assert.That(frequencies, Is.All.InRange(p - 0.01, p + 0.01));
        // Σ (k − Rp)² / (Rp(1 − p)) has mean 100 (≈ χ² with 99–100 degrees of freedom); P(χ²₁₀₀ > 160) < 1e-4.
        var expected = repetitions * p;
        var chiSquare = kept.Sum(k => (k - expected) * (k - expected)) / (expected * (1 - p));
        Assert.That(chiSquare, Is.LessThan(160));
        // A buffer that kept only the first or the last items would fail this: the early and late halves match.
        Assert.That(kept.Take(stream / 2).Sum(), Is.EqualTo(kept.Skip(stream / 2).Sum()).Within(repetitions * capacity / 50));
    }

    [Test]
    public void Count_never_exceeds_capacity_and_Seen_counts_every_offer()
    {
        var buffer = new ReplayBuffer<int>(capacity: 5, seed: 1);
        for (var i = 0; i < 50; i++)
        {
            buffer.Add(i);
            Assert.That(buffer.Count, Is.EqualTo(Math.Min(i + 1, 5)));
            Assert.That(buffer.Count, Is.LessThanOrEqualTo(buffer.Capacity));
            Assert.That(buffer.Seen, Is.EqualTo(i + 1));
        }
    }

    [Test]
    public void The_first_items_fill_the_buffer_in_order()
    {
        var buffer = new ReplayBuffer<string>(capacity: 3);

        buffer.AddRange(["a", "b", "c"]);

        Assert.That(buffer.Items, Is.EqualTo(new[] { "a", "b", "c" }));
    }

    [Test]
    public void The_default_capacity_is_the_public_codes_500()
    {
        Assert.That(new ReplayBuffer<int>().Capacity, Is.EqualTo(500));
    }

    [Test]
    public void Sample_draws_distinct_kept_items_without_replacement()
    {
        var buffer = new ReplayBuffer<int>(capacity: 20, seed: 3);
        buffer.AddRange(Enumerable.Range(0, 200));

        var sample = buffer.Sample(8);

        Assert.That(sample, Has.Count.EqualTo(8).And.Unique);
        Assert.That(sample, Is.SubsetOf(buffer.Items));
    }

    [Test]
    public void Asking_for_more_than_Count_returns_every_kept_item_once()
    {
        var buffer = new ReplayBuffer<int>(capacity: 10, seed: 3);
        buffer.AddRange([1, 2, 3]);

        Assert.That(buffer.Sample(8), Is.EquivalentTo(new[] { 1, 2, 3 }));
        Assert.That(new ReplayBuffer<int>().Sample(4), Is.Empty);
    }

    [Test]
    public void Sample_picks_each_kept_item_equally_often()
    {
        var buffer = new ReplayBuffer<int>(capacity: 10, seed: 5);
        buffer.AddRange(Enumerable.Range(0, 10));
        var counts = new int[10];

        for (var i = 0; i < 20_000; i++)
        {
            counts[buffer.Sample(1)[0]]++;
        }

        // Binomial(20000, 0.1): σ = 42; ±300 is about 7σ.
        Assert.That(counts, Is.All.InRange(1_700, 2_300));
    }

    [Test]
    public void The_same_seed_gives_the_same_contents_and_samples()
    {
        var a = new ReplayBuffer<int>(capacity: 10, seed: 42);
        var b = new ReplayBuffer<int>(capacity: 10, seed: 42);
        var c = new ReplayBuffer<int>(capacity: 10, seed: 43);

        foreach (var buffer in new[] { a, b, c })
        {
            buffer.AddRange(Enumerable.Range(0, 1000));
        }

        Assert.That(b.Items, Is.EqualTo(a.Items));
        Assert.That(b.Sample(5), Is.EqualTo(a.Sample(5)));
        Assert.That(c.Items, Is.Not.EqualTo(a.Items));
    }

    [Test]
    public void Sampling_does_not_change_which_items_are_kept()
    {
        var quiet = new ReplayBuffer<int>(capacity: 10, seed: 9);
        var sampled = new ReplayBuffer<int>(capacity: 10, seed: 9);

        for (var i = 0; i < 1000; i++)
        {
            quiet.Add(i);
            sampled.Add(i);
            _ = sampled.Sample(4);
        }

        Assert.That(sampled.Items, Is.EqualTo(quiet.Items));
    }
}
