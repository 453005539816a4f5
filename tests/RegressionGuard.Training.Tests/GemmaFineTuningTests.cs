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
        var data = WriteTrainingText(dir);
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

    static string WriteTrainingText(TempFolder dir)
    {
        var data = Path.Combine(dir.Path, "train.txt");
        File.WriteAllText(data, string.Concat(Enumerable.Range(0, 120).Select(i => $"the lamp {i % 7} stands by the door of house {i}. ")));
        return data;
    }

    [Test]
    public void A_fully_fine_tuned_gemma_is_written_as_a_checkpoint_that_reloads_with_its_in_training_logits()
    {
        // Given full fine-tuning of the tiny Gemma 2 (soft-capped) for three steps
        using var dir = new TempFolder();
        var model = GemmaGoldens.CopyTo(GemmaGoldens.Gemma2, Path.Combine(dir.Path, "base"));
        var options = new FineTuneOptions { Method = FineTuningMethod.Full, Steps = 3, BatchSize = 2, SeqLen = 16, LearningRate = 1e-3, EvalEvery = 0, EvalBatches = 1, Seed = 5 };
        float[]? inTraining = null;
        var tuner = new FineTuner(options) { OnCheckpointInternals = (_, m, _) => inTraining = Logits(m) };

        // When the written checkpoint (config.json from the family, safetensors, tokenizer) is loaded again
        var checkpoint = tuner.Run(model, WriteTrainingText(dir), Path.Combine(dir.Path, "run"))[^1];
        using var reloaded = ModelLoader.Load(checkpoint.Path);

        // Then it is the Gemma 2 it was in training
        Assert.That(reloaded.Transformer.Architecture, Is.EqualTo("Gemma2ForCausalLM"));
        Assert.That(MaxDifference(Logits(reloaded.Transformer), inTraining!), Is.LessThanOrEqualTo(1e-5));
    }

    [Test]
    public void Hft_on_gemma3_draws_half_of_its_six_norms_per_layer_and_the_final_norm()
    {
        // Given Half Fine-Tuning of the tiny Gemma 3 (7 layers: 4 norms around attention and MLP, q_norm, k_norm)
        using var dir = new TempFolder();
        var model = GemmaGoldens.CopyTo(GemmaGoldens.Gemma3, Path.Combine(dir.Path, "base"));
        var options = new FineTuneOptions { Method = FineTuningMethod.Hft, Steps = 2, BatchSize = 2, SeqLen = 16, LearningRate = 1e-3, EvalEvery = 0, EvalBatches = 1, Seed = 9 };
        IReadOnlyList<TorchSharp.Modules.Parameter>? trainable = null;
        var tuner = new FineTuner(options) { OnCheckpointInternals = (_, _, t) => trainable = t };

        // When it trains and saves its selection
        var checkpoint = tuner.Run(model, WriteTrainingText(dir), Path.Combine(dir.Path, "run"))[^1];
        var selection = HalfFineTuningSelection.Load(Path.Combine(checkpoint.Path, "hft_selection.json"));

        // Then the selection uses the Gemma 3 groups: 2 of 4 attention projections per layer, half of the 6·7 + 1 norms
        Assert.That(selection.Architecture.Name, Is.EqualTo("gemma3"));
        Assert.That(selection.Layers.Select(l => l.Attention.Count), Is.All.EqualTo(2));
        Assert.That(selection.Layers.Sum(l => l.Norms.Count) + (selection.FinalNormTrained ? 1 : 0), Is.EqualTo((6 * 7 + 1) / 2));
        Assert.That(selection.Layers.SelectMany(l => l.Norms).Distinct(), Is.SubsetOf(new[]
        {
            "input_layernorm", "post_attention_layernorm", "pre_feedforward_layernorm", "post_feedforward_layernorm", "q_norm", "k_norm",
        }));
        Assert.That(trainable, Has.Count.EqualTo(selection.Trainable.Count));
    }
}
