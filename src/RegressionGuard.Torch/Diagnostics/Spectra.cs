using static TorchSharp.torch;

namespace RegressionGuard.Torch.Diagnostics;

/// <summary>
/// The linear algebra behind <c>diagnose</c>, on plain tensors (computed in float64 whatever the weights' dtype).
/// A weight update ΔW is either dense (full fine-tuning) or low-rank (LoRA: ΔW = s·B·A); the low-rank form is
/// never materialised: with B = Q_B·R_B and Aᵀ = Q_A·R_A (thin QR), ΔW = Q_B·(s·R_B·R_Aᵀ)·Q_Aᵀ has the singular
/// values of the r×r core s·R_B·R_Aᵀ.
/// Matrices whose smaller side exceeds <see cref="ExactLimit"/> (real-size projections: 1024 × 3072 at the Qwen3-0.6B
/// shape) get only what is asked of them: the top-k singular vectors of the tuned weight and the spectral norm of a
/// dense ΔW come from seeded randomized subspace iteration (Halko, Martinsson, Tropp 2011, algorithm 4.4) instead of a
/// full SVD when every pair converges (residual ≤ <see cref="ConvergenceTolerance"/>), else from the full SVD; ‖ΔW‖_F
/// is exact (a norm). The base weight's singular vectors stay exact: an intruder is a direction
/// unlike every one of them.
/// </summary>
public static class Spectra
{
    /// <summary>Base singular values below this fraction of the largest count as zero (their vectors are arbitrary).</summary>
    public const double RelativeRankTolerance = 1e-6;

    /// <summary>Up to this smaller dimension every decomposition is a full (exact) SVD.</summary>
    public const int ExactLimit = 256;

    /// <summary>Extra directions carried by the randomized subspace beyond the k wanted.</summary>
    public const int Oversampling = 10;

    /// <summary>Power iterations (each re-orthonormalised) of the randomized subspace.</summary>
    public const int PowerIterations = 8;

    /// <summary>‖ΔW‖_F, ‖ΔW‖₂ and the stable rank: exact from the factors for LoRA, and for small dense updates; for large dense updates ‖ΔW‖_F exactly and ‖ΔW‖₂ by randomized subspace iteration.</summary>
    public static (double Frobenius, double Spectral, double StableRank) DeltaNorms(WeightUpdate update)
    {
        if (update is not WeightUpdate.Dense dense || Math.Min(dense.Delta.shape[0], dense.Delta.shape[1]) <= ExactLimit)
        {
            return Norms(DeltaSingularValues(update));
        }

        using var scope = NewDisposeScope();
        var delta = dense.Delta.to_type(ScalarType.Float64);
        double frobenius = delta.norm().item<double>();
        if (frobenius == 0)
        {
            return (0, 0, 0);
        }

        double spectral = RandomizedLeft(delta, 1) is ({ } _, { } top) ? top[0] : linalg.svdvals(delta)[0].item<double>();
        return (frobenius, spectral, frobenius * frobenius / (spectral * spectral));
    }

    /// <summary>The top <paramref name="k"/> left singular vectors (out, k) of <paramref name="w"/> (out, in): a full SVD up to <see cref="ExactLimit"/>, else randomized subspace iteration.</summary>
    public static Tensor TopLeftSingularVectors(Tensor w, int k)
    {
        using var scope = NewDisposeScope();
        var w64 = w.to_type(ScalarType.Float64);
        k = (int)Math.Min(k, Math.Min(w64.shape[0], w64.shape[1]));
        if (Math.Min(w64.shape[0], w64.shape[1]) <= ExactLimit)
        {
            var (u, _, _) = linalg.svd(w64, fullMatrices: false);
            return u[.., ..k].MoveToOuterDisposeScope();
        }

        var (vectors, _) = RandomizedLeft(w64, k);
        if (vectors is null)
        {
            var (u, _, _) = linalg.svd(w64, fullMatrices: false); // not converged (clustered top singular values): exact
            return u[.., ..k].MoveToOuterDisposeScope();
        }

        return vectors.MoveToOuterDisposeScope();
    }

    /// <summary>Largest relative residual ‖W·Wᵀ·u_j − σ_j²·u_j‖ / σ₁² a randomized singular pair may have to be used; above it the exact SVD is taken.</summary>
    public const double ConvergenceTolerance = 1e-10;

    /// <summary>
    /// Seeded randomized subspace iteration: the top k left singular vectors (out, k) and values of w (float64), or
    /// (null, null) when a pair's residual exceeds <see cref="ConvergenceTolerance"/> — top singular values too close
    /// together for the iteration to separate them (random matrices; there the directions themselves are ill-defined).
    /// </summary>
    static (Tensor? Vectors, double[]? Values) RandomizedLeft(Tensor w, int k)
    {
        long m = w.shape[0], n = w.shape[1];
        int l = (int)Math.Min(k + Oversampling, Math.Min(m, n));
        using var generator = new Generator(20_260_101);
        var omega = randn(new long[] { n, l }, ScalarType.Float64, w.device, generator: generator); // (in, l)
        var q = linalg.qr(w.matmul(omega)).Q;                                                         // (out, l)
        for (int i = 0; i < PowerIterations; i++)
        {
            var z = linalg.qr(w.t().matmul(q)).Q;                                                     // (in, l)
            q = linalg.qr(w.matmul(z)).Q;                                                             // (out, l)
        }
        var (ub, s, _) = linalg.svd(q.t().matmul(w), fullMatrices: false);                            // (l, l), (l)
        var u = q.matmul(ub)[.., ..k];                                                                // (out, k)
        var squares = s[..k].square();                                                                // (k)
        var residual = w.matmul(w.t().matmul(u)).sub(u.mul(squares)).norm(0, false).max().item<double>(); // max_j ‖W Wᵀ u_j − σ_j² u_j‖
        double top = squares[0].item<double>();
        return top > 0 && residual / top > ConvergenceTolerance ? (null, null) : (u, s[..k].data<double>().ToArray());
    }

    /// <summary>Singular values of ΔW, largest first.</summary>
    public static double[] DeltaSingularValues(WeightUpdate update)
    {
        using var scope = NewDisposeScope();
        var values = update switch
        {
            WeightUpdate.Dense dense => linalg.svdvals(dense.Delta.to_type(ScalarType.Float64)),
            WeightUpdate.LowRank lowRank => linalg.svdvals(LowRankCore(lowRank)),
            _ => throw new ArgumentOutOfRangeException(nameof(update), update, "unknown weight update"),
        };
        return values.data<double>().ToArray();
    }

    /// <summary>s·R_B·R_Aᵀ (r, r): the part of s·B·A that carries its singular values.</summary>
    static Tensor LowRankCore(WeightUpdate.LowRank update)
    {
        var (_, rb) = linalg.qr(update.B.to_type(ScalarType.Float64));       // B (out, r) = Q_B R_B
        var (_, ra) = linalg.qr(update.A.to_type(ScalarType.Float64).t());   // Aᵀ (in, r) = Q_A R_A
        return rb.matmul(ra.t()).mul(update.Scale);                           // (r, r)
    }

    /// <summary>‖ΔW‖_F, ‖ΔW‖₂ and the stable rank ‖ΔW‖_F² / ‖ΔW‖₂² (0 when ΔW = 0).</summary>
    public static (double Frobenius, double Spectral, double StableRank) Norms(IReadOnlyList<double> singularValues)
    {
        double squares = singularValues.Sum(s => s * s);
        double spectral = singularValues.Count == 0 ? 0 : singularValues.Max();
        return (Math.Sqrt(squares), spectral, spectral > 0 ? squares / (spectral * spectral) : 0);
    }

    /// <summary>
    /// For each of the top <paramref name="topK"/> left singular vectors of <paramref name="tuned"/> (out, in; see
    /// <see cref="TopLeftSingularVectors"/>), the
    /// largest |cos| with any left singular vector of <paramref name="base"/>. A value below ε marks an intruder
    /// dimension (Shuttleworth et al., arXiv 2410.21228): a high-ranking direction of the tuned weight that no
    /// direction of the base weight resembles.
    /// </summary>
    public static double[] BestBaseSimilarity(Tensor @base, Tensor tuned, int topK)
    {
        using var scope = NewDisposeScope();
        var (uBase, sBase, _) = linalg.svd(@base.to_type(ScalarType.Float64), fullMatrices: false);  // (out, m), (m)
        var uTuned = TopLeftSingularVectors(tuned, topK);                                              // (out, k)
        // Singular vectors of (near-)zero singular values are arbitrary: a rank-deficient base has no directions there.
        long defined = sBase.gt(sBase.max().mul(RelativeRankTolerance)).sum().item<long>();
        var similarity = uTuned.t().matmul(uBase[.., ..(int)Math.Max(defined, 1)]).abs();            // (k, r)
        return similarity.amax(1).data<double>().ToArray();
    }

    /// <summary>
    /// <paramref name="tuned"/> (out, in) with the singular values of the chosen top directions multiplied by
    /// <paramref name="factor"/>: W − (1 − factor)·Σ_j σ_j u_j v_jᵀ over <paramref name="directions"/> (indices into
    /// the tuned weight's singular vectors, largest first). Returned in the tuned weight's dtype.
    /// </summary>
    public static Tensor ScaleDirections(Tensor tuned, IReadOnlyList<int> directions, double factor)
    {
        using var scope = NewDisposeScope();
        var w = tuned.to_type(ScalarType.Float64);
        var (u, s, vh) = linalg.svd(w, fullMatrices: false);
        var change = zeros_like(w);
        foreach (var j in directions)
        {
            change.add_(u[.., j].outer(vh[j, ..]).mul(s[j].item<double>() * (factor - 1)));
        }
        return w.add(change).to_type(tuned.dtype).MoveToOuterDisposeScope();
    }
}

/// <summary>How one weight matrix changed, in the (out, in) layout.</summary>
public abstract record WeightUpdate
{
    WeightUpdate() { }

    /// <summary>ΔW given whole (full fine-tuning, HFT): tuned − base.</summary>
    public sealed record Dense(Tensor Delta) : WeightUpdate;

    /// <summary>ΔW = Scale·B·A with B (out, r) and A (r, in), as a LoRA branch stores it.</summary>
    public sealed record LowRank(Tensor B, Tensor A, double Scale) : WeightUpdate;
}
