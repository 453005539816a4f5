using static TorchSharp.torch;

namespace RegressionGuard.Torch.Diagnostics;

/// <summary>
/// The linear algebra behind <c>diagnose</c>, on plain tensors (computed in float64 whatever the weights' dtype).
/// A weight update ΔW is either dense (full fine-tuning) or low-rank (LoRA: ΔW = s·B·A); the low-rank form is
/// never materialised: with B = Q_B·R_B and Aᵀ = Q_A·R_A (thin QR), ΔW = Q_B·(s·R_B·R_Aᵀ)·Q_Aᵀ has the singular
/// values of the r×r core s·R_B·R_Aᵀ.
/// </summary>
public static class Spectra
{
    /// <summary>Base singular values below this fraction of the largest count as zero (their vectors are arbitrary).</summary>
    public const double RelativeRankTolerance = 1e-6;

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
    /// For each of the top <paramref name="topK"/> left singular vectors of <paramref name="tuned"/> (out, in), the
    /// largest |cos| with any left singular vector of <paramref name="base"/>. A value below ε marks an intruder
    /// dimension (Shuttleworth et al., arXiv 2410.21228): a high-ranking direction of the tuned weight that no
    /// direction of the base weight resembles.
    /// </summary>
    public static double[] BestBaseSimilarity(Tensor @base, Tensor tuned, int topK)
    {
        using var scope = NewDisposeScope();
        var (uBase, sBase, _) = linalg.svd(@base.to_type(ScalarType.Float64), fullMatrices: false);  // (out, m), (m)
        var (uTuned, _, _) = linalg.svd(tuned.to_type(ScalarType.Float64), fullMatrices: false);       // (out, m)
        // Singular vectors of (near-)zero singular values are arbitrary: a rank-deficient base has no directions there.
        long defined = sBase.gt(sBase.max().mul(RelativeRankTolerance)).sum().item<long>();
        int k = (int)Math.Min(topK, uTuned.shape[1]);
        var similarity = uTuned[.., ..k].t().matmul(uBase[.., ..(int)Math.Max(defined, 1)]).abs();    // (k, r)
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
