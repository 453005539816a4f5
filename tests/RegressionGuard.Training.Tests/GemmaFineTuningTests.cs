using RegressionGuard.Testing;
using RegressionGuard.Torch.Models.Shared;
using RegressionGuard.Torch.Runtime;
using RegressionGuard.Training.Methods;
using static TorchSharp.torch;

namespace RegressionGuard.Training.Tests;

/// <summary>LoRA fine-tuning of the tiny Gemma 2 and Gemma 3 checkpoints: the adapter saved in PEFT's layout reloads exactly.</summary>
public sealed class GemmaFineTuningTests
{
    static readonly long[] Probe = { 2, 104, 101, 108, 108, 111, 32, 119, 111, 114, 108, 100 };

    static float[] Logits(ICausalTransformer model)
    {
        using var scope = NewDisposeScope();
        using var mode = no_grad();
        model.Module.eval();
        var input = tensor(Probe, new long[] { 1, Probe.Length });
        return model.Forward(input, arange(Probe.Length).unsqueeze(0), null, null).data<float>().ToArray();
    }

    static double MaxDifference(float[] a, float[] b) => a.Zip(b, (x, y) => Math.Abs((double)x - y)).Max();

    [TestCase(GemmaGoldens.Gemma2)]
    [TestCase(GemmaGoldens.Gemma3)]
    public void A_lora_adapter_trained_on_gemma_reloads_with_identical_logits_merged_and_unmerged(string golden)
    {
        // Given a tiny Gemma and a few steps of LoRA on every projection
        using var dir = new TempFolder();
        var model = GemmaGoldens.CopyTo(golden, Path.Combine(dir.Path, "base"));
        var data = Path.Combine(dir.Path, "train.txt");
        File.WriteAllText(data, string.Concat(Enumerable.Range(0, 120).Select(i => $"the lamp {i % 7} stands by the door of house {i}. ")));
        var options = new FineTuneOptions
        {
            Method = FineTuningMethod.Lora,
            Steps = 6,
            BatchSize = 2,
            SeqLen = 16,
            LearningRate = 1e-2,
            SaveEvery = 0,
            EvalEvery = 0,
            EvalBatches = 1,
            LoraRank = 4,
            LoraAlpha = 8,
            Seed = 11,
            LoraTargets = FineTuneOptions.LlamaTargets,
        };
        float[]? inTraining = null;
        var tuner = new FineTuner(options) { OnCheckpointInternals = (_, m, _) => inTraining = Logits(m) };
        var checkpoint = tuner.Run(model, data, Path.Combine(dir.Path, "run"))[^1];

        // When the saved adapter is loaded merged into the base weights and as on-the-fly branches
        using var merged = ModelLoader.LoadTuned(checkpoint.Path, model);
        using var unmerged = ModelLoader.LoadTuned(checkpoint.Path, model, merge: false);
        using var plain = ModelLoader.Load(model);
        var (m, u, b) = (Logits(merged.Transformer), Logits(unmerged.Transformer), Logits(plain.Transformer));

        // Then both give the in-training logits, which training moved away from the base model's
        Assert.That(MaxDifference(m, u), Is.LessThanOrEqualTo(1e-5));
        Assert.That(MaxDifference(u, inTraining!), Is.LessThanOrEqualTo(1e-5));
        Assert.That(MaxDifference(m, b), Is.GreaterThan(1e-3), "the adapter changed the model");
    }
}
