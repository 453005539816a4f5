using RegressionGuard.Corpora;
using RegressionGuard.Modeling;
using RegressionGuard.Testing;
using RegressionGuard.Torch.Forgetting;
using static TorchSharp.torch;

namespace RegressionGuard.Torch.Tests.Forgetting;

public sealed class ExactCrossEntropyTests
{
    [Test]
    public void One_row_gives_the_hand_computed_cross_entropy_and_the_most_likely_id()
    {
        // Given base probabilities ½ ¼ ¼ and tuned logits ln ¼ ln ½ ln ¼ (softmax ¼ ½ ¼)
        float[] p = [0.5f, 0.25f, 0.25f];
        float[] z = [MathF.Log(0.25f), MathF.Log(0.5f), MathF.Log(0.25f)];

        // When one row is reduced
        float ce = ExactCrossEntropy.Row(z, p, out int argmax);

        // Then CE = −(½ ln ¼ + ¼ ln ½ + ¼ ln ¼) = 1.2130076 and the tuned model's most likely id is 1
        Assert.That(ce, Is.EqualTo(1.2130076).Within(1e-6));
        Assert.That(argmax, Is.EqualTo(1));
    }

    [Test]
    public void Rows_of_real_logits_match_the_tensor_formula_and_torch_argmax()
    {
        // Given the stories260K logits of every position of three stories, and base probabilities from a shifted copy
        var model = Stories260K.Model;
        var texts = CorpusReader.Read(Stories260K.First46Path).Take(3).Select(d => d.Text).ToArray();
        var (windows, _) = ForgettingMeter.Plan(model, texts, new RollingOptions(Truncate: true));
        var rowsSeen = 0;
        model.ForEachScoredChunk(windows, chunk =>
        {
            var z = chunk.Logits.contiguous();                                                   // (n, V)
            var p = (z * 0.7 + 0.3).softmax(-1).contiguous();                                    // (n, V)

            // When each row is reduced on its own and the chunk by the tensor formula
            var expected = ForgettingMeter.CrossEntropyFromLogits(p, z).data<float>().ToArray(); // (n)
            var expectedArgmax = z.argmax(-1).data<long>().ToArray();                            // (n)
            var logits = z.data<float>().ToArray();
            var probs = p.data<float>().ToArray();
            int n = (int)z.shape[0], v = (int)z.shape[1];

            // Then each row is the double-precision Σ p (lse − z) within fp32 rounding of the result, closer than the
            // tensor formula (whose two terms lse·Σp and Σ p z are of the size of z and cancel); the argmax is torch's
            for (int r = 0; r < n; r++)
            {
                float ce = ExactCrossEntropy.Row(logits.AsSpan(r * v, v), probs.AsSpan(r * v, v), out int argmax);
                double exact = CrossEntropyInDouble(logits.AsSpan(r * v, v), probs.AsSpan(r * v, v));
                Assert.That(ce, Is.EqualTo(exact).Within(1e-4).Percent.Or.EqualTo(exact).Within(1e-6)); // 1e-6 relative or absolute
                Assert.That(expected[r], Is.EqualTo(exact).Within(1e-4));
                Assert.That(argmax, Is.EqualTo(expectedArgmax[r]));
            }

            rowsSeen += n;
        });
        Assert.That(rowsSeen, Is.GreaterThan(100));
    }

    static double CrossEntropyInDouble(ReadOnlySpan<float> z, ReadOnlySpan<float> p)
    {
        double max = double.NegativeInfinity, sum = 0, ce = 0;
        foreach (var x in z)
        {
            max = Math.Max(max, x);
        }

        foreach (var x in z)
        {
            sum += Math.Exp(x - max);
        }

        double lse = max + Math.Log(sum);
        for (int i = 0; i < z.Length; i++)
        {
            ce += p[i] * (lse - z[i]);
        }

        return ce;
    }

    [Test]
    public void Ties_and_nan_pick_the_index_torch_argmax_picks()
    {
        // Given rows whose maximum appears twice, holds −0 and +0, or a NaN, in lengths off the vector width
        float[][] rows =
        [
            [1f, 3f, 2f, 3f, 0f, -1f, 3f, 2f, 1f, 0f, 3f, 1f, 2f],
            [-0f, 0f, -1f, -2f, -3f, -4f, -5f, -6f, -7f],
            [1f, 2f, 3f, 4f, 5f, 6f, 7f, 8f, 9f, float.NaN, 10f, float.NaN],
            [float.NegativeInfinity, 2f, float.NegativeInfinity, 2f],
            [5f],
        ];
        foreach (var row in rows)
        {
            // When the row is reduced
            ExactCrossEntropy.Row(row, new float[row.Length], out int argmax);

            // Then its argmax is torch's
            using var t = tensor(row);
            Assert.That(argmax, Is.EqualTo(t.argmax().item<long>()), string.Join(", ", row));
        }
    }

    [Test]
    public void Rows_of_different_lengths_are_refused_with_both_lengths()
    {
        var ex = Assert.Throws<ArgumentException>(() => ExactCrossEntropy.Row(new float[8], new float[7], out _));
        Assert.That(ex!.Message, Is.EqualTo("a row of 8 logits against 7 base probabilities; both must hold the whole vocabulary"));
    }
}
