using RegressionGuard.Comparison;

namespace RegressionGuard.Core.Tests.Comparison;

public sealed class SeededDrawsTests
{
    [TestCase(0)]
    [TestCase(1)]
    [TestCase(42)]
    [TestCase(20240111)]
    [TestCase(-7)]
    [TestCase(161803398)]
    [TestCase(int.MaxValue)]
    [TestCase(int.MinValue)]
    public void Its_draws_are_the_ones_a_seeded_System_Random_makes(int seed)
    {
        var reference = new Random(seed);
        var draws = new SeededDraws(seed);
        int[] bounds = [1, 2, 7, 150, 192, 1000, 65_537, int.MaxValue];
        for (int i = 0; i < 1_000_000; i++)
        {
            int bound = bounds[i % bounds.Length];
            int expected = reference.Next(bound);
            int got = draws.Next(bound);
            if (got != expected)
            {
                Assert.Fail($"draw {i} (bound {bound}, seed {seed}): System.Random gave {expected}, SeededDraws gave {got}");
            }
        }
    }
}
