using System.Text.Json.Nodes;
using RegressionGuard.Testing;
using RegressionGuard.Torch.Checkpoints;
using RegressionGuard.Torch.Runtime;
using static TorchSharp.torch;

namespace RegressionGuard.Torch.Tests.Models.Families;

/// <summary>
/// Tiny random checkpoints shrunk (width and depth) from the published config.json files give the logits of the
/// independent Python reference (tools/references/families.py, written from transformers' modeling files) within
/// 1e-4 in fp32. The goldens are committed; CI needs no Python.
/// </summary>
public sealed class FamilyReferenceTests
{
    public static IEnumerable<TestCaseData> Cases()
    {
        yield return new TestCaseData("qwen3").SetName("Qwen3 from the published Qwen3-0.6B config matches the reference");
        yield return new TestCaseData("qwen3-lengths").SetName("Qwen3 with a sliding window on the layers past max_window_layers matches the reference");
        yield return new TestCaseData("phi4-mini").SetName("Phi-4-mini with fused projections, partial rotary and longrope matches the reference");
        yield return new TestCaseData("phi4-mini-lengths").SetName("Phi-4-mini past original_max_position_embeddings (long factors) and its sliding window matches the reference");
        yield return new TestCaseData("llama-rope-linear").SetName("Llama with linear rope scaling matches the reference");
        yield return new TestCaseData("llama-rope-dynamic").SetName("Llama with dynamic NTK rope scaling past max_position_embeddings matches the reference");
        yield return new TestCaseData("llama-rope-yarn").SetName("Llama with yarn rope scaling matches the reference");
        yield return new TestCaseData("mistral-window").SetName("Mistral with a sliding window matches the reference");
        yield return new TestCaseData("qwen2-window").SetName("Qwen2 with use_sliding_window from max_window_layers on matches the reference");
    }

    [TestCaseSource(nameof(Cases))]
    public void Logits_equal_the_python_reference(string name)
    {
        // Given a golden checkpoint and the logits the Python reference computed for its input ids
        using var model = FamilyCheckpoints.Load(name);
        using var expectedFile = SafetensorsFile.Open(Path.Combine(FamilyCheckpoints.Folder(name), "logits.safetensors"));
        using var scope = NewDisposeScope();
        using var mode = inference_mode();
        var expected = expectedFile.Read("logits"); // (T, V)

        // When the runtime computes them
        var logits = FamilyCheckpoints.Logits(model, FamilyCheckpoints.InputIds(name))[0]; // (T, V)

        // Then they agree within 1e-4
        var difference = (logits - expected).abs().max().item<float>();
        TestContext.Out.WriteLine($"{name}: largest |Δlogit| {difference:E2} over {expected.NumberOfElements} logits");
        Assert.That(difference, Is.LessThan(1e-4f), $"largest |Δlogit| {difference}");
    }

    [Test]
    public void A_config_in_the_transformers_5_rope_parameters_layout_gives_the_same_logits()
    {
        // Given the Qwen3 golden with its RoPE settings moved into rope_parameters (no top-level rope_theta)
        using var dir = new TempFolder();
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(FamilyCheckpoints.Folder("qwen3"), "config.json")))!.AsObject();
        config["rope_parameters"] = new JsonObject { ["rope_theta"] = config["rope_theta"]!.DeepClone(), ["rope_type"] = "default" };
        config.Remove("rope_theta");
        config.Remove("rope_scaling");
        File.WriteAllText(Path.Combine(dir.Path, "config.json"), config.ToJsonString());
        File.Copy(Path.Combine(FamilyCheckpoints.Folder("qwen3"), "model.safetensors"), Path.Combine(dir.Path, "model.safetensors"));
        using var expectedFile = SafetensorsFile.Open(Path.Combine(FamilyCheckpoints.Folder("qwen3"), "logits.safetensors"));
        using var model = ModelLoader.LoadTransformer(dir.Path, new ComputeOptions(), CPU).Model;
        using var scope = NewDisposeScope();
        using var mode = inference_mode();

        // When it runs
        var logits = FamilyCheckpoints.Logits(model, FamilyCheckpoints.InputIds("qwen3"))[0];

        // Then rope_theta 1e6 was read from rope_parameters
        Assert.That((logits - expectedFile.Read("logits")).abs().max().item<float>(), Is.LessThan(1e-4f));
    }
}
