using TorchSharp;
using static TorchSharp.torch;

namespace RegressionGuard.Training.Methods;

/// <summary>
/// I-LoRA's slow learner (Ren et al. 2024): an exponential moving average of the fast learner's adapter weights, and
/// the consistency loss that keeps the fast learner's hidden states near the slow one's on replayed data.
/// </summary>
/// <remarks>
/// <para>The update is the published formula θ_slow ← λ·θ_slow + (1 − λ)·θ_fast, applied after every optimizer step.
/// The public code (which47/LLMCL, <c>method/ILORA.py</c>) uses λ = min(1 − 1/(step + 1), 0.25), i.e. effectively
/// 0.25 (the slow learner moves 75% of the way each step). Its update looks parameters up by the fast adapter's own
/// names, so it rewrites the fast adapter with itself and never changes the slow one; RegressionGuard implements the
/// formula as written, not that accident.</para>
/// </remarks>
public static class Ema
{
    /// <summary>λ of the public I-LoRA code (after its first step).</summary>
    public const double PublicCodeLambda = 0.25;

    /// <summary>
    /// θ_slow ← λ·θ_slow + (1 − λ)·θ_fast for every pair, in place on <c>Slow</c>, under <c>no_grad</c> (no autograd
    /// graph is recorded; <c>Slow</c> keeps its <c>requires_grad</c> and stays a leaf). <c>Fast</c> is only read; it
    /// may have another dtype or device, and is converted to <c>Slow</c>'s for the update. λ = 1 leaves
    /// <c>Slow</c> unchanged, λ = 0 copies <c>Fast</c>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="lambda"/> is outside [0, 1] or not a number.</exception>
    /// <exception cref="ArgumentException">A pair's shapes differ (checked for all pairs before any tensor is changed).</exception>
    public static void Update(IEnumerable<(Tensor Slow, Tensor Fast)> pairs, double lambda)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        if (!(lambda >= 0 && lambda <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(lambda), lambda, "λ must be in [0, 1]");
        }

        var list = pairs.ToList();
        var mismatched = list.Select((p, i) => (p, i))
            .Where(x => !x.p.Slow.shape.SequenceEqual(x.p.Fast.shape))
            .Select(x => $"pair {x.i}: slow [{string.Join(", ", x.p.Slow.shape)}] vs fast [{string.Join(", ", x.p.Fast.shape)}]")
            .ToList();
        if (mismatched.Count > 0)
        {
            throw new ArgumentException($"EMA pairs must have equal shapes: {string.Join("; ", mismatched)}", nameof(pairs));
        }

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        foreach (var (slow, fast) in list)
        {
            var same = fast.dtype == slow.dtype && fast.device_type == slow.device_type && fast.device_index == slow.device_index;
            var target = same ? fast : fast.to(slow.dtype, slow.device);
            slow.lerp_(target, 1.0 - lambda); // slow + (1 − λ)·(fast − slow)
        }
    }

    /// <summary>
    /// The consistency loss between the fast learner's and the (detached) slow learner's hidden states: the squared
    /// difference summed over every element of every listed pair and divided by the total number of elements, a
    /// scalar that carries gradient to <paramref name="fastHidden"/> only. Summed and returned in float32 (float64
    /// when the fast hidden states are float64), on the fast hidden states' device.
    /// </summary>
    /// <param name="fastHidden">The fast learner's hidden states (e.g. every layer's output on the replayed batch).</param>
    /// <param name="slowHidden">The slow learner's hidden states, pairwise of the same shapes; detached here.</param>
    /// <param name="onlyWhereSlowExceedsFast">
    /// The public code's variant: an element contributes (fast − slow)² only where slow &gt; fast and 0 elsewhere; the
    /// divisor is still the total number of elements (the public code takes the mean of MSE(fast, max(fast, slow))).
    /// </param>
    /// <exception cref="ArgumentException">The lists are empty, of different lengths, or a pair's shapes differ.</exception>
    public static Tensor ConsistencyLoss(IReadOnlyList<Tensor> fastHidden, IReadOnlyList<Tensor> slowHidden, bool onlyWhereSlowExceedsFast)
    {
        ArgumentNullException.ThrowIfNull(fastHidden);
        ArgumentNullException.ThrowIfNull(slowHidden);
        if (fastHidden.Count == 0 || fastHidden.Count != slowHidden.Count)
        {
            throw new ArgumentException($"need the same non-zero number of fast and slow hidden states (got {fastHidden.Count} and {slowHidden.Count})");
        }

        for (var i = 0; i < fastHidden.Count; i++)
        {
            if (!fastHidden[i].shape.SequenceEqual(slowHidden[i].shape))
            {
                throw new ArgumentException($"hidden state {i}: fast [{string.Join(", ", fastHidden[i].shape)}] vs slow [{string.Join(", ", slowHidden[i].shape)}]");
            }
        }

        using var scope = NewDisposeScope();
        var accumulate = fastHidden[0].dtype == ScalarType.Float64 ? ScalarType.Float64 : ScalarType.Float32;
        Tensor? total = null;
        long elements = 0;
        for (var i = 0; i < fastHidden.Count; i++)
        {
            var fast = fastHidden[i];                                    // (…)
            var slow = slowHidden[i].detach().to(fast.dtype, fast.device); // (…)
            var difference = fast - slow;                                // (…)
            if (onlyWhereSlowExceedsFast)
            {
                difference = difference.clamp_max(0);                    // nonzero only where slow > fast
            }

            var sum = difference.to_type(accumulate).square().sum();     // ()
            total = total is null ? sum : total + sum.to(total.device);
            elements += fast.numel();
        }
        return (total! / elements).MoveToOuterDisposeScope();
    }
}
