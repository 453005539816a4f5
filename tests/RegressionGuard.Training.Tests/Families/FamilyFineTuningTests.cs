using System.Text.Json.Nodes;
using RegressionGuard.Testing;
using RegressionGuard.Torch.Checkpoints;
using RegressionGuard.Torch.Models;
using RegressionGuard.Torch.Runtime;
using RegressionGuard.Training.Methods;
using static TorchSharp.torch;

namespace RegressionGuard.Training.Tests.Families;

/// <summary>
/// LoRA on a family's own layer names (fused ones whole), full fine-tuning and HFT with the family's groups run on
/// the new families, and each saved checkpoint reloads to the model as it was in training.
/// </summary>
public sealed class FamilyFineTuningTests
{
    static readonly long[] Probe = { 1, 200, 17, 45, 99, 3, 250, 8 };

    /// <summary>A random checkpoint of the golden config <paramref name="golden"/> with a 260-id vocabulary, and a byte-level tokenizer beside it.</summary>
    static string WriteModel(string folder, string golden)
    {
        var config = JsonNode.Parse(File.ReadAllText(RepositoryFiles.Path($"tests/goldens/families/{golden}/config.json")))!.AsObject();
        config["vocab_size"] = 260;
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "config.json"), config.ToJsonString());
        var root = System.Text.Json.JsonDocument.Parse(config.ToJsonString()).RootElement;
        var blueprint = ModelFamilies.ForArchitecture(root.GetProperty("architectures")[0].GetString()!)!.Read(root, "config.json");
        manual_seed(11);
        using (var model = blueprint.Create(CPU))
        {
            SafetensorsFile.Write(Path.Combine(folder, "model.safetensors"), model.Module.state_dict());
        }

        TinyTokenizers.WriteByteLevel(folder, 260);
        File.WriteAllText(Path.Combine(folder, "train.txt"), string.Concat(Enumerable.Repeat("The tiny model reads this line again and again. ", 40)));
        return folder;
    }

    static float[] Logits(Torch.Models.Shared.ICausalTransformer model)
    {
        using var scope = NewDisposeScope();
        using var mode = no_grad();
        model.Module.eval();
        return model.Forward(tensor(Probe, new long[] { 1, Probe.Length }), arange(Probe.Length).unsqueeze(0), null, null).data<float>().ToArray();
    }

    public static IEnumerable<TestCaseData> Cases() =>
        from golden in new[] { "qwen3", "phi4-mini" }
        from method in new[] { FineTuningMethod.Lora, FineTuningMethod.Full, FineTuningMethod.Hft }
        select new TestCaseData(golden, method).SetArgDisplayNames(golden, method.ToString());

    [TestCaseSource(nameof(Cases))]
    public void A_fine_tuned_checkpoint_of_a_new_family_reloads_to_the_model_in_training(string golden, FineTuningMethod method)
    {
        // Given a small model of the family and the family's own LoRA targets
        using var dir = new TempFolder();
        var baseFolder = WriteModel(Path.Combine(dir.Path, "base"), golden);
        float[]? inTraining = null;
        string[] targets;
        using (var loaded = ModelLoader.Load(baseFolder))
        {
            targets = [.. loaded.Transformer.Family.LoraTargets];
        }

        var options = new FineTuneOptions
        {
            Method = method,
            Steps = 3,
            BatchSize = 2,
            SeqLen = 16,
            LearningRate = 1e-2,
            SaveEvery = 3,
            EvalEvery = 0,
            EvalBatches = 1,
            LoraRank = 2,
            LoraAlpha = 4,
            LoraTargets = targets,
            Seed = 5,
        };

        // When it is fine-tuned for 3 steps
        var tuner = new FineTuner(options) { OnCheckpointInternals = (_, model, _) => inTraining = Logits(model) };
        var last = tuner.Run(baseFolder, Path.Combine(baseFolder, "train.txt"), Path.Combine(dir.Path, "run"))[^1];

        // Then the checkpoint reloads to the same logits (1e-4), and HFT chose within the family's groups
        using var reloaded = ModelLoader.LoadTuned(last.Path, baseFolder);
        var logits = Logits(reloaded.Transformer);
        Assert.That(logits.Zip(inTraining!, (a, b) => Math.Abs(a - b)).Max(), Is.LessThanOrEqualTo(1e-4));
        Assert.That(last.P, Is.GreaterThan(0));
        if (method == FineTuningMethod.Hft)
        {
            var selection = HalfFineTuningSelection.Load(Path.Combine(last.Path, "hft_selection.json"));
            Assert.That(selection.Architecture.Name, Is.EqualTo(golden == "qwen3" ? "qwen3" : "phi3"));
        }
    }
}
