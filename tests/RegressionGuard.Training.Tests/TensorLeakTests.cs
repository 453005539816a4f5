using RegressionGuard.Testing;
using RegressionGuard.Training.Methods;
using TorchSharp;

namespace RegressionGuard.Training.Tests;

/// <summary>
/// Live-tensor leak test of training steps: the number of live tensors (<c>torch.Tensor.TotalCount</c>) recorded after
/// each optimizer step of a run is the same after step N as after step 1: every step's activations, gradients,
/// optimizer temporaries and evaluations are disposed. Garbage of earlier tests is finalized first, so that it cannot
/// lower the count during the run. Non-parallel: the count is global libtorch state. (I-LoRA once grew by 16 — one
/// detached view per adapter weight — at every evaluation and save, 310, 326, 326, 342, 358 over 5 steps.)
/// </summary>
[NonParallelizable]
public sealed class TensorLeakTests
{
    static readonly string Base = RepositoryFiles.Path("suites/organism/models/base");
    static readonly string Data = RepositoryFiles.Path("suites/organism/data/downstream.jsonl");

    [TestCase(FineTuningMethod.Lora)]
    [TestCase(FineTuningMethod.Full)]
    [TestCase(FineTuningMethod.Hft)]
    [TestCase(FineTuningMethod.ILora)]
    public void Every_training_step_leaves_as_many_live_tensors_as_the_first(FineTuningMethod method)
    {
        // Given a run of 5 steps with an evaluation every 2 steps
        using var dir = new TempFolder();
        var options = new FineTuneOptions
        {
            Method = method,
            Steps = 5,
            BatchSize = 2,
            SeqLen = 32,
            EvalBatches = 1,
            EvalEvery = 2,
            LoraRank = 2,
            ReplayData = method == FineTuningMethod.ILora ? Data : null,
        };
        var live = new List<long>();
        GC.Collect();
        GC.WaitForPendingFinalizers();

        // When it trains, recording the live tensors after each step
        new FineTuner(options, _ => live.Add(torch.Tensor.TotalCount)).Run(Base, Data, dir.File("run"));

        // Then the count does not grow from step to step
        Assert.That(live, Has.Count.EqualTo(5));
        Assert.That(live, Is.All.EqualTo(live[0]), $"{method}: live tensors after each step: {string.Join(", ", live)}");
    }
}
