using RegressionGuard.Training.Methods;
using TorchSharp;
using static TorchSharp.torch;

namespace RegressionGuard.Training.Tests.Methods;

public sealed class EmaTests
{
    static float[] Values(Tensor t) => t.data<float>().ToArray();

    [Test]
    public void Lambda_a_quarter_moves_slow_three_quarters_of_the_way_to_fast()
    {
        using var slow = tensor(new float[] { 1, 2 });
        using var fast = tensor(new float[] { 3, 6 });

        Ema.Update([(slow, fast)], 0.25);

        Assert.That(Values(slow), Is.EqualTo(new float[] { 2.5f, 5f }));
    }

    [Test]
    public void Every_pair_is_updated()
    {
        using var slowA = tensor(new float[] { 0, 4 });
        using var fastA = tensor(new float[] { 4, 0 });
        using var slowB = tensor(new float[,] { { 10 }, { 20 } });
        using var fastB = tensor(new float[,] { { 20 }, { 40 } });

        Ema.Update([(slowA, fastA), (slowB, fastB)], 0.5);

        Assert.That(Values(slowA), Is.EqualTo(new float[] { 2, 2 }));
        Assert.That(Values(slowB), Is.EqualTo(new float[] { 15, 30 }));
    }

    [Test]
    public void Lambda_one_leaves_slow_unchanged_and_lambda_zero_copies_fast()
    {
        using var kept = tensor(new float[] { 1, 2 });
        using var copied = tensor(new float[] { 1, 2 });
        using var fast = tensor(new float[] { 3, 6 });

        Ema.Update([(kept, fast)], 1.0);
        Ema.Update([(copied, fast)], 0.0);

        Assert.That(Values(kept), Is.EqualTo(new float[] { 1, 2 }));
        Assert.That(Values(copied), Is.EqualTo(new float[] { 3, 6 }));
    }

    [Test]
    public void The_fast_tensor_is_untouched()
    {
        using var slow = tensor(new float[] { 1, 2 });
        using var fast = tensor(new float[] { 3, 6 });

        Ema.Update([(slow, fast)], 0.25);

        Assert.That(Values(fast), Is.EqualTo(new float[] { 3, 6 }));
    }

    [Test]
    public void No_autograd_graph_is_recorded()
    {
        using var plainSlow = tensor(new float[] { 1, 2 });
        using var parameterSlow = tensor(new float[] { 1, 2 }).requires_grad_(true);
        using var fast = tensor(new float[] { 3, 6 }).requires_grad_(true);

        Ema.Update([(plainSlow, fast), (parameterSlow, fast)], 0.25);

        Assert.Multiple(() =>
        {
            Assert.That(plainSlow.requires_grad, Is.False, "a slow tensor without grad must not start tracking the fast one");
            Assert.That(plainSlow.is_leaf, Is.True);
            Assert.That(parameterSlow.requires_grad, Is.True);
            Assert.That(parameterSlow.is_leaf, Is.True, "an in-place update under autograd would give the leaf a history (or throw)");
            Assert.That(Values(parameterSlow), Is.EqualTo(new float[] { 2.5f, 5f }));
            Assert.That(fast.grad, Is.Null);
        });
    }

    [Test]
    public void A_fast_tensor_of_another_dtype_is_converted_to_the_slow_dtype()
    {
        using var slow = tensor(new float[] { 1, 2 });
        using var fast = tensor(new double[] { 3, 6 });

        Ema.Update([(slow, fast)], 0.25);

        Assert.That(slow.dtype, Is.EqualTo(ScalarType.Float32));
        Assert.That(Values(slow), Is.EqualTo(new float[] { 2.5f, 5f }));
    }

    [Test]
    public void Mismatched_shapes_are_rejected_before_any_tensor_changes()
    {
        using var goodSlow = tensor(new float[] { 1, 2 });
        using var goodFast = tensor(new float[] { 3, 6 });
        using var badSlow = tensor(new float[] { 1, 2, 3 });
        using var badFast = tensor(new float[] { 1, 2 });

        var error = Assert.Throws<ArgumentException>(() => Ema.Update([(goodSlow, goodFast), (badSlow, badFast)], 0.25));

        Assert.That(error!.Message, Does.Contain("pair 1: slow [3] vs fast [2]"));
        Assert.That(Values(goodSlow), Is.EqualTo(new float[] { 1, 2 }));
    }

    [TestCase(-0.1)]
    [TestCase(1.5)]
    [TestCase(double.NaN)]
    public void Lambda_outside_zero_to_one_is_rejected(double lambda)
    {
        using var slow = tensor(new float[] { 1 });
        using var fast = tensor(new float[] { 2 });

        Assert.Throws<ArgumentOutOfRangeException>(() => Ema.Update([(slow, fast)], lambda));
    }

    [Test]
    public void Consistency_loss_is_the_mean_squared_difference_over_all_listed_elements()
    {
        using var fast1 = tensor(new float[,] { { 1, 2 }, { 3, 4 } });
        using var slow1 = tensor(new float[,] { { 1, 0 }, { 5, 4 } });
        using var fast2 = tensor(new float[] { 1 });
        using var slow2 = tensor(new float[] { 4 });

        using var loss = Ema.ConsistencyLoss([fast1, fast2], [slow1, slow2], onlyWhereSlowExceedsFast: false);

        // squared differences 0, 4, 4, 0 and 9: 17 over 5 elements
        Assert.That(loss.item<float>(), Is.EqualTo(3.4f).Within(1e-6));
    }

    [Test]
    public void Consistency_loss_variant_counts_only_elements_where_slow_exceeds_fast_but_divides_by_all()
    {
        using var fast1 = tensor(new float[,] { { 1, 2 }, { 3, 4 } });
        using var slow1 = tensor(new float[,] { { 1, 0 }, { 5, 4 } });
        using var fast2 = tensor(new float[] { 1 });
        using var slow2 = tensor(new float[] { 4 });

        using var loss = Ema.ConsistencyLoss([fast1, fast2], [slow1, slow2], onlyWhereSlowExceedsFast: true);

        // slow > fast at 5 > 3 (4) and 4 > 1 (9); 2 > 0 does not count: 13 over 5 elements
        Assert.That(loss.item<float>(), Is.EqualTo(2.6f).Within(1e-6));
    }

    [TestCase(false, new float[] { 0, 0.8f, -0.8f, 0 })]
    [TestCase(true, new float[] { 0, 0, -0.8f, 0 })]
    public void Consistency_loss_sends_gradient_to_the_fast_states_only(bool onlyWhereSlowExceedsFast, float[] expectedFastGrad)
    {
        using var fast = tensor(new float[] { 1, 2, 3, 4 }).requires_grad_(true);
        using var slow = tensor(new float[] { 1, 0, 5, 4 }).requires_grad_(true);
        using var fastTail = tensor(new float[] { 0 }).requires_grad_(true);
        using var slowTail = tensor(new float[] { 0 });

        using (var loss = Ema.ConsistencyLoss([fast, fastTail], [slow, slowTail], onlyWhereSlowExceedsFast))
        {
            loss.backward();
        }

        // d/dfast of Σ(fast − slow)² / 5 = 2(fast − slow) / 5 where the element counts
        Assert.That(fast.grad, Is.Not.Null);
        Assert.That(Values(fast.grad!), Is.EqualTo(expectedFastGrad).Within(1e-6));
        Assert.That(slow.grad, Is.Null);
    }

    [Test]
    public void Consistency_loss_rejects_lists_of_different_lengths_or_shapes()
    {
        using var a = tensor(new float[] { 1, 2 });
        using var b = tensor(new float[] { 1, 2, 3 });

        Assert.Multiple(() =>
        {
            Assert.Throws<ArgumentException>(() => Ema.ConsistencyLoss([a], [], false));
            Assert.Throws<ArgumentException>(() => Ema.ConsistencyLoss([], [], false));
            var error = Assert.Throws<ArgumentException>(() => Ema.ConsistencyLoss([a], [b], false));
            Assert.That(error!.Message, Does.Contain("hidden state 0: fast [2] vs slow [3]"));
        });
    }
}
