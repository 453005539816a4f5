using RegressionGuard.Torch.Diagnostics;
using static TorchSharp.torch;

namespace RegressionGuard.Torch.Tests.Diagnostics;

public sealed class SpectraTests
{
    [Test]
    public void The_singular_values_of_a_low_rank_update_equal_those_of_the_materialised_update()
    {
        // Given LoRA factors B (48, 4), A (4, 32) and a scale
        using var scope = NewDisposeScope();
        manual_seed(7);
        var b = randn(48, 4);
        var a = randn(4, 32);
        double scale = 2.5;

        // When the spectrum is computed from the factors and from ΔW = s·B·A itself
        var fromFactors = Spectra.DeltaSingularValues(new WeightUpdate.LowRank(b, a, scale));
        var dense = Spectra.DeltaSingularValues(new WeightUpdate.Dense(b.matmul(a).mul(scale)));

        // Then the r non-zero values agree and the rest of the dense spectrum is zero
        Assert.That(fromFactors, Has.Length.EqualTo(4));
        for (int i = 0; i < 4; i++)
        {
            Assert.That(fromFactors[i], Is.EqualTo(dense[i]).Within(1e-4 * dense[0]), $"σ_{i}");
        }
        Assert.That(dense.Skip(4).Max(), Is.LessThan(1e-4 * dense[0]));
        var (fro, spectral, stable) = Spectra.Norms(fromFactors);
        var materialised = b.matmul(a).mul(scale).to_type(ScalarType.Float64);
        Assert.That(fro, Is.EqualTo(materialised.norm().item<double>()).Within(1e-6 * fro));
        Assert.That(spectral, Is.EqualTo(linalg.matrix_norm(materialised, 2).item<double>()).Within(1e-6 * spectral));
        Assert.That(stable, Is.EqualTo(fro * fro / (spectral * spectral)).Within(1e-9));
    }

    [Test]
    public void A_rank_one_update_has_stable_rank_one_and_no_update_has_zero_norms()
    {
        using var scope = NewDisposeScope();
        var u = randn(16, 1);
        var v = randn(1, 8);
        var (_, _, stable) = Spectra.Norms(Spectra.DeltaSingularValues(new WeightUpdate.Dense(u.matmul(v))));
        Assert.That(stable, Is.EqualTo(1).Within(1e-9));
        Assert.That(Spectra.Norms(Spectra.DeltaSingularValues(new WeightUpdate.Dense(zeros(16, 8)))), Is.EqualTo((0.0, 0.0, 0.0)));
    }

    /// <summary>
    /// W (out 64, in 16) of rank 8 with known singular vectors; the update adds σ·u·vᵀ with u orthogonal to every
    /// column of W and v in W's right null space, so the tuned weight's singular vectors are W's plus (u, v).
    /// </summary>
    static (Tensor Base, Tensor Tuned) WithOneIntruder(double intruderSigma)
    {
        manual_seed(11);
        var (q, _) = linalg.qr(randn(64, 64, dtype: ScalarType.Float64));   // orthonormal columns
        var (p, _) = linalg.qr(randn(16, 16, dtype: ScalarType.Float64));
        var sigma = tensor(new double[] { 10, 9, 8, 7, 6, 5, 4, 3 });
        var w = q[.., ..8].matmul(diag(sigma)).matmul(p[.., ..8].t());      // (64, 16), rank 8
        var intruder = q[.., 8..9].matmul(p[.., 8..9].t()).mul(intruderSigma);  // u ⟂ col(W), v ∈ null(W)
        return (w, w + intruder);
    }

    [Test]
    public void A_new_direction_orthogonal_to_every_base_direction_is_counted_as_one_intruder()
    {
        using var scope = NewDisposeScope();
        var (w, tuned) = WithOneIntruder(intruderSigma: 20);

        var similarity = Spectra.BestBaseSimilarity(w, tuned, topK: 5);

        // The intruder is the tuned weight's top direction (σ 20 > 10) and resembles no base direction;
        // the next four are the base's own top directions.
        Assert.That(similarity[0], Is.LessThan(1e-6));
        Assert.That(similarity.Skip(1), Is.All.GreaterThan(1 - 1e-6));
    }

    [Test]
    public void A_weight_equal_to_its_base_has_no_intruders()
    {
        using var scope = NewDisposeScope();
        var (w, _) = WithOneIntruder(intruderSigma: 20);
        Assert.That(Spectra.BestBaseSimilarity(w, w, topK: 5), Is.All.GreaterThan(1 - 1e-6));
    }

    [Test]
    public void Scaling_an_intruder_by_zero_removes_it_and_by_one_changes_nothing()
    {
        using var scope = NewDisposeScope();
        var (w, tuned) = WithOneIntruder(intruderSigma: 20);

        var removed = Spectra.ScaleDirections(tuned, [0], 0);
        var unchanged = Spectra.ScaleDirections(tuned, [0], 1);
        var halved = Spectra.ScaleDirections(tuned, [0], 0.5);

        Assert.That((removed - w).abs().max().item<double>(), Is.LessThan(1e-9));
        Assert.That((unchanged - tuned).abs().max().item<double>(), Is.LessThan(1e-9));
        Assert.That(linalg.svdvals(halved - w).max().item<double>(), Is.EqualTo(10).Within(1e-9), "σ 20 → 10");
    }

    static Tensor WithSpectrum(long rows, long columns, double[] singularValues, int seed)
    {
        manual_seed(seed);
        var (u, _) = linalg.qr(randn(rows, singularValues.Length, ScalarType.Float64));    // (rows, r) orthonormal
        var (v, _) = linalg.qr(randn(columns, singularValues.Length, ScalarType.Float64)); // (columns, r) orthonormal
        return u.mul(tensor(singularValues)).matmul(v.t());
    }

    [Test]
    public void Above_the_exact_limit_the_top_singular_vectors_come_from_randomized_iteration_and_match_a_full_svd()
    {
        // Given a 300 × 400 matrix (larger than the exact limit) with a decaying spectrum
        using var scope = NewDisposeScope();
        var sigma = Enumerable.Range(0, 300).Select(j => 100.0 / (1 + j)).ToArray();
        var w = WithSpectrum(300, 400, sigma, seed: 11);
        Assert.That(Math.Min(w.shape[0], w.shape[1]), Is.GreaterThan(Spectra.ExactLimit));

        // When its top 10 left singular vectors are taken
        var top = Spectra.TopLeftSingularVectors(w, 10);

        // Then each equals the full SVD's vector up to sign (|cos| within 1e-6 of 1)
        var (exact, _, _) = linalg.svd(w, fullMatrices: false);
        var cosines = top.t().matmul(exact[.., ..10]).abs().diagonal().data<double>().ToArray();
        Assert.That(cosines, Is.All.GreaterThan(1 - 1e-6));
    }

    [Test]
    public void Above_the_exact_limit_a_dense_update_has_its_exact_frobenius_norm_and_a_matching_spectral_norm()
    {
        // Given a 300 × 400 dense update with a decaying spectrum
        using var scope = NewDisposeScope();
        var sigma = Enumerable.Range(0, 300).Select(j => 3.0 / Math.Sqrt(1 + j)).ToArray();
        var delta = WithSpectrum(300, 400, sigma, seed: 12);

        // When its norms are computed
        var (fro, spectral, stable) = Spectra.DeltaNorms(new WeightUpdate.Dense(delta));

        // Then they equal the full SVD's within 1e-9 (relative)
        var (exactFro, exactSpectral, exactStable) = Spectra.Norms(linalg.svdvals(delta).data<double>().ToArray());
        Assert.That(fro, Is.EqualTo(exactFro).Within(1e-9 * exactFro));
        Assert.That(spectral, Is.EqualTo(exactSpectral).Within(1e-9 * exactSpectral));
        Assert.That(stable, Is.EqualTo(exactStable).Within(1e-9 * exactStable));
    }

    [Test]
    public void Above_the_exact_limit_a_flat_spectrum_falls_back_to_the_full_svd()
    {
        // Given a 300 × 400 Gaussian matrix, whose top singular values lie too close together for 8 power iterations
        using var scope = NewDisposeScope();
        manual_seed(13);
        var w = randn(300, 400, ScalarType.Float64);

        // When its top 10 left singular vectors are taken
        var top = Spectra.TopLeftSingularVectors(w, 10);

        // Then they are the full SVD's (up to sign), not an unconverged subspace
        var (exact, _, _) = linalg.svd(w, fullMatrices: false);
        var cosines = top.t().matmul(exact[.., ..10]).abs().diagonal().data<double>().ToArray();
        Assert.That(cosines, Is.All.GreaterThan(1 - 1e-9));
    }
}
