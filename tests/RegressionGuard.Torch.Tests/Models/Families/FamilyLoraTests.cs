using System.Text.Json;
using RegressionGuard.Testing;
using RegressionGuard.Torch.Adapters;
using RegressionGuard.Torch.Checkpoints;
using static TorchSharp.torch;

namespace RegressionGuard.Torch.Tests.Models.Families;

/// <summary>
/// A LoRA adapter on every adaptable layer of a new family (its own module names, fused projections whole), trained
/// for a few AdamW steps, saves in PEFT's layout, reloads, and gives the same logits merged and unmerged.
/// </summary>
public sealed class FamilyLoraTests
{
    public static IEnumerable<TestCaseData> Cases()
    {
        yield return new TestCaseData("qwen3", new[] { "down_proj", "gate_proj", "k_proj", "o_proj", "q_proj", "up_proj", "v_proj" }).SetName("A Qwen3 LoRA adapter reloads and merges to the same logits");
        yield return new TestCaseData("phi4-mini", new[] { "down_proj", "gate_up_proj", "o_proj", "qkv_proj" }).SetName("A Phi-4-mini LoRA adapter on the fused qkv_proj and gate_up_proj reloads and merges to the same logits");
    }

    [TestCaseSource(nameof(Cases))]
    public void A_trained_adapter_reloads_and_gives_identical_logits_merged_and_unmerged(string name, string[] targets)
    {
        // Given an adapter on every layer the family names, trained for 4 steps on random ids
        using var dir = new TempFolder();
        using var scope = NewDisposeScope();
        using var model = FamilyCheckpoints.Load(name);
        var config = new LoraConfig { R = 4, LoraAlpha = 8, TargetModules = JsonSerializer.SerializeToElement(model.Family.LoraTargets) };
        using var adapter = LoraAdapter.Create(model, config, seed: 3);
        var ids = FamilyCheckpoints.InputIds(name);
        var optimizer = optim.AdamW(adapter.Parameters(), lr: 0.05);
        for (int step = 0; step < 4; step++)
        {
            optimizer.zero_grad();
            var logits = FamilyCheckpoints.Logits(model, ids)[0];                        // (T, V)
            var loss = nn.functional.cross_entropy(logits[..^1], tensor(ids[1..]));
            loss.backward();
            optimizer.step();
        }

        Tensor trained;
        using (inference_mode())
        {
            trained = FamilyCheckpoints.Logits(model, ids).detach();
        }

        adapter.Save(dir.Path);

        // When it is reloaded onto a fresh base, once as branches and once merged
        using var unmergedBase = FamilyCheckpoints.Load(name);
        using var unmerged = LoraAdapter.Load(dir.Path, unmergedBase);
        using var mergedBase = FamilyCheckpoints.Load(name);
        using (no_grad())
        {
            using var merged = LoraAdapter.Load(dir.Path, mergedBase);
            merged.Merge();
        }

        // Then the file is in PEFT's layout, training changed the logits, and both reloads reproduce them
        using var weights = SafetensorsFile.Open(Path.Combine(dir.Path, LoraAdapter.WeightsFile));
        var savedTargets = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir.Path, LoraAdapter.ConfigFile))).RootElement.GetProperty("target_modules");
        Assert.That(savedTargets.EnumerateArray().Select(t => t.GetString()), Is.EqualTo(targets));
        Assert.That(weights.Entries.Keys, Has.Member($"base_model.model.model.layers.0.self_attn.{targets.First(t => t.Contains('q'))}.lora_A.weight"));
        using (inference_mode())
        {
            using var original = FamilyCheckpoints.Load(name);
            Assert.That((FamilyCheckpoints.Logits(original, ids) - trained).abs().max().item<float>(), Is.GreaterThan(1e-3f), "training changed nothing");
            Assert.That((FamilyCheckpoints.Logits(unmergedBase, ids) - trained).abs().max().item<float>(), Is.LessThan(1e-5f), "unmerged");
            Assert.That((FamilyCheckpoints.Logits(mergedBase, ids) - trained).abs().max().item<float>(), Is.LessThan(1e-4f), "merged");
        }
    }
}
