using System.Text.Json;
using RegressionGuard.Diagnostics;
using RegressionGuard.Testing;
using RegressionGuard.Torch.Adapters;
using RegressionGuard.Torch.Diagnostics;
using RegressionGuard.Torch.Runtime;
using static TorchSharp.torch;

namespace RegressionGuard.Torch.Tests.Diagnostics;

public sealed class WeightDiagnosticsTests
{
    static readonly LlamaSpec Spec = new() { VocabSize = 260 };

    static string WriteBase(TempFolder dir)
    {
        var folder = Path.Combine(dir.Path, "base");
        Directory.CreateDirectory(folder);
        TinyModels.WriteHfFolder(folder, Spec);
        TinyTokenizers.WriteByteLevel(folder, Spec.VocabSize);
        return folder;
    }

    /// <summary>A random (non-zero B) adapter on q_proj and down_proj, saved in PEFT's layout.</summary>
    static string WriteAdapter(TempFolder dir, string basePath)
    {
        using var model = ModelLoader.Load(basePath);
        using var adapter = LoraAdapter.Create(model.Transformer, new LoraConfig { R = 3, LoraAlpha = 6, TargetModules = JsonSerializer.SerializeToElement(new[] { "q_proj", "down_proj" }) }, seed: 5);
        using (no_grad())
        {
            manual_seed(9);
            foreach (var (key, weight) in adapter.NamedParameters().Where(p => p.Key.Contains("lora_B", StringComparison.Ordinal)))
            {
                weight.copy_(randn(weight.shape).mul(0.2));
            }
        }
        var folder = Path.Combine(dir.Path, "adapter");
        adapter.Save(folder);
        return folder;
    }

    [Test]
    public void Diagnostics_from_the_lora_factors_equal_those_of_the_merged_checkpoint()
    {
        // Given a base and a random LoRA adapter
        using var dir = new TempFolder();
        var basePath = WriteBase(dir);
        var adapterPath = WriteAdapter(dir, basePath);
        var options = new DiagnoseOptions(TopK: 4);

        // When diagnosed from the factors (unmerged) and from base vs merged full weights
        using var unmerged = ModelLoader.LoadTuned(adapterPath, basePath, merge: false);
        using var merged = ModelLoader.LoadTuned(adapterPath, basePath, merge: true);
        using var baseModel = ModelLoader.Load(basePath);
        var fromFactors = WeightDiagnostics.FromAdapter(unmerged.Transformer, options);
        var fromPair = WeightDiagnostics.FromPair(baseModel.Transformer, merged.Transformer, options);

        // Then the adapted modules agree, and the untouched ones show no change
        Assert.That(fromFactors.Update, Is.EqualTo("lora"));
        Assert.That(fromFactors.Modules, Has.Count.EqualTo(2 * Spec.NumLayers));
        var pair = fromPair.Modules.ToDictionary(m => m.Module);
        foreach (var m in fromFactors.Modules)
        {
            var d = pair[m.Module];
            Assert.That(m.Rank, Is.EqualTo(3));
            Assert.That(d.Frobenius, Is.EqualTo(m.Frobenius).Within(1e-5 * m.Frobenius), m.Module);
            Assert.That(d.Spectral, Is.EqualTo(m.Spectral).Within(1e-5 * m.Spectral), m.Module);
            Assert.That(d.StableRank, Is.EqualTo(m.StableRank).Within(1e-3), m.Module);
            Assert.That(d.BestSimilarity, Is.EqualTo(m.BestSimilarity).Within(1e-4), m.Module);
        }
        var untouched = fromPair.Modules.Where(m => !m.Module.EndsWith("q_proj", StringComparison.Ordinal) && !m.Module.EndsWith("down_proj", StringComparison.Ordinal)).ToList();
        Assert.That(untouched, Is.Not.Empty);
        Assert.That(untouched.Select(m => m.Frobenius), Is.All.EqualTo(0));
        Assert.That(untouched.SelectMany(m => m.Intruders), Is.All.EqualTo(0));
        Assert.That(fromPair.Modules.Where(m => m.Module.Contains(".layers.", StringComparison.Ordinal)).Select(m => m.Layer), Is.All.Not.Null);
    }

    [Test]
    public void Scaling_intruders_by_one_leaves_the_tuned_weights_unchanged()
    {
        using var dir = new TempFolder();
        var basePath = WriteBase(dir);
        var adapterPath = WriteAdapter(dir, basePath);
        using var baseModel = ModelLoader.Load(basePath);
        using var merged = ModelLoader.LoadTuned(adapterPath, basePath);
        using var reference = ModelLoader.LoadTuned(adapterPath, basePath);

        var scaled = WeightDiagnostics.ScaleIntruders(baseModel.Transformer, merged.Transformer, topK: 4, epsilon: 0.99, factor: 1);

        Assert.That(scaled.Values.Sum(), Is.GreaterThan(0), "ε 0.99 marks some directions");
        var after = merged.Transformer.Module.state_dict();
        foreach (var (key, value) in reference.Transformer.Module.state_dict())
        {
            Assert.That((after[key] - value).abs().max().item<float>(), Is.LessThan(1e-5), key);
        }
    }

    [Test]
    public void Invalid_settings_are_reported_together()
    {
        var problems = new DiagnoseOptions(TopK: 0, Epsilons: [0, 1.5]).Validate();
        Assert.That(problems, Has.Count.EqualTo(3));
        Assert.That(problems[0], Does.Contain("top-k must be at least 1, got 0"));
        Assert.That(problems[1], Does.Contain("between 0 and 1, got 0"));
        Assert.That(problems[2], Does.Contain("got 1.5"));
    }
}
