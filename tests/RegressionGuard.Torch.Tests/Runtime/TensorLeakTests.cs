using RegressionGuard.Modeling;
using RegressionGuard.Testing;
using RegressionGuard.Torch.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace RegressionGuard.Torch.Tests.Runtime;

/// <summary>
/// Live-tensor leak tests: after N repetitions of a forward pass, a scoring call or a generation, the number of live
/// tensors (TorchSharp's <c>torch.Tensor.TotalCount</c>: created minus disposed, process-wide) equals the number after
/// one. Non-parallel: the count is global libtorch state. (Loading a model is not counted this way: TorchSharp 0.107's
/// <c>new Parameter(tensor)</c> takes over the tensor's native handle without lowering the count, so every parameter
/// created reads as one live tensor more although nothing stays allocated.)
/// </summary>
[NonParallelizable]
public sealed class TensorLeakTests
{
    const int Repetitions = 3;

    static TorchLanguageModel Organism() => TorchLanguageModel.Load(RepositoryFiles.Path("suites/organism/models/base"));

    /// <summary>Live tensors after one call and after <see cref="Repetitions"/> more.</summary>
    static (long AfterOne, long AfterMany) Count(Action call)
    {
        // earlier tests' garbage is finalized now, so that it cannot lower the count during the measurement
        GC.Collect();
        GC.WaitForPendingFinalizers();
        call();
        long afterOne = torch.Tensor.TotalCount;
        for (int i = 0; i < Repetitions; i++)
        {
            call();
        }

        return (afterOne, torch.Tensor.TotalCount);
    }

    [Test]
    public void A_forward_pass_leaves_no_tensor_behind()
    {
        using var lm = Organism();
        var (one, many) = Count(() =>
        {
            using var ids = torch.tensor(new long[] { 1, 5, 9, 13, 2, 7 }, new long[] { 1, 6 });      // (B=1, T=6)
            using var positions = torch.tensor(new long[] { 0, 1, 2, 3, 4, 5 }, new long[] { 1, 6 });  // (1, 6)
            using var noGrad = torch.no_grad();
            using var logits = lm.Model.Transformer.Forward(ids, positions, null, null);                // (1, 6, V)
        });
        Assert.That(many, Is.EqualTo(one), "live tensors after 1 and after 4 forward passes");
    }

    [Test]
    public void Scoring_continuations_leaves_no_tensor_behind()
    {
        using var lm = Organism();
        var requests = new[] { new LogLikelihoodRequest("Mira lives in", " Dunmore."), new LogLikelihoodRequest("", "What is 12 plus 30?") };
        var (one, many) = Count(() => lm.LogLikelihood(requests));
        Assert.That(many, Is.EqualTo(one), "live tensors after 1 and after 4 LogLikelihood calls");
    }

    [Test]
    public void Rolling_scoring_leaves_no_tensor_behind()
    {
        using var lm = Organism();
        var documents = new[] { "Once upon a time a baker lived in a town by the sea.", string.Join(' ', Enumerable.Repeat("The fox ran.", 80)) };
        var (one, many) = Count(() => lm.RollingLogLikelihood(documents, new RollingOptions(false, null)));
        Assert.That(many, Is.EqualTo(one), "live tensors after 1 and after 4 RollingLogLikelihood calls (with windowing)");
    }

    [Test]
    public void Generation_leaves_no_tensor_behind()
    {
        using var lm = Organism();
        var requests = new[] { new GenerationRequest("Mira lives in", 4), new GenerationRequest("What is 2 plus 3?", 4, ["."]) };
        var (one, many) = Count(() => lm.Generate(requests));
        Assert.That(many, Is.EqualTo(one), "live tensors after 1 and after 4 Generate calls");
    }

}
