using System.Text.Json;
using RegressionGuard.Testing;
using RegressionGuard.Torch.Runtime;
using static TorchSharp.torch;

namespace RegressionGuard.Torch.Tests.Models.Gemma;

/// <summary>
/// Tiny random checkpoints of the published Gemma 2 / Gemma 3 configs (shrunk in width and depth) give the logits of the
/// independent Python reference (tools/references/gemma/gemma_reference.py) within 1e-4 in fp32.
/// </summary>
public sealed class GemmaLogitsTests
{
    const double Tolerance = 1e-4;

    static float[] Logits(string folder, int[] tokens)
    {
        using var model = ModelLoader.Load(folder);
        using var scope = NewDisposeScope();
        using var mode = inference_mode();
        var input = tensor(tokens.Select(t => (long)t).ToArray(), new long[] { 1, tokens.Length });
        return model.Transformer.Forward(input, arange(tokens.Length).unsqueeze(0), null, null).data<float>().ToArray(); // (1, T, V)
    }

    static double MaxDifference(float[] actual, GemmaGolden golden) =>
        actual.Zip(golden.Logits, (a, e) => Math.Abs((double)a - e)).Max();

    [TestCase(GemmaGoldens.Gemma2, TestName = "Gemma 2 (soft-capping, alternating sliding and global layers) matches the reference")]
    [TestCase(GemmaGoldens.Gemma3, TestName = "Gemma 3 (q/k norm, 5 local : 1 global layers, two RoPE bases) matches the reference")]
    [TestCase(GemmaGoldens.Gemma3LinearRope, TestName = "Gemma 3 with linear RoPE scaling on its global layers matches the reference")]
    public void Logits_match_the_python_reference(string name)
    {
        // Given a tiny checkpoint of a published config and the reference's logits
        using var dir = new TempFolder();
        var golden = GemmaGoldens.Read(name);
        var folder = GemmaGoldens.CopyTo(name, dir.Path);

        // When our runtime loads it and runs the same ids
        var actual = Logits(folder, golden.Tokens);

        // Then every logit agrees within 1e-4
        Assert.That(golden.Logits.Max(Math.Abs), Is.GreaterThan(5), "the reference logits are far from trivially small");
        Assert.That(actual, Has.Length.EqualTo(golden.Logits.Length));
        double worst = MaxDifference(actual, golden);
        TestContext.Out.WriteLine($"{name}: largest |Δlogit| {worst:G3} over {actual.Length} logits");
        Assert.That(worst, Is.LessThanOrEqualTo(Tolerance));
    }

    public static IEnumerable<TestCaseData> Ablations()
    {
        yield return new TestCaseData(GemmaGoldens.Gemma2, "attn_logit_softcapping", "null").SetName("Without attention soft-capping Gemma 2 no longer matches");
        yield return new TestCaseData(GemmaGoldens.Gemma2, "final_logit_softcapping", "null").SetName("Without final soft-capping Gemma 2 no longer matches");
        yield return new TestCaseData(GemmaGoldens.Gemma2, "sliding_window", "64").SetName("Without the sliding window Gemma 2 no longer matches");
        yield return new TestCaseData(GemmaGoldens.Gemma3, "rope_local_base_freq", "1000000").SetName("With the global RoPE base on local layers Gemma 3 no longer matches");
        yield return new TestCaseData(GemmaGoldens.Gemma3, "query_pre_attn_scalar", "8").SetName("Scaling attention by the head dim instead of query_pre_attn_scalar no longer matches");
        yield return new TestCaseData(GemmaGoldens.Gemma3, "hidden_activation", "\"gelu\"").SetName("The exact GELU instead of the tanh approximation no longer matches");
    }

    /// <summary>The goldens are sensitive to each feature: changing one setting moves the logits well past the tolerance.</summary>
    [TestCaseSource(nameof(Ablations))]
    public void Each_feature_is_visible_in_the_goldens(string name, string key, string json)
    {
        using var dir = new TempFolder();
        var golden = GemmaGoldens.Read(name);
        var folder = GemmaGoldens.CopyTo(name, dir.Path, config => config[key] = JsonDocument.Parse(json).RootElement.Clone());

        var actual = Logits(folder, golden.Tokens);

        Assert.That(MaxDifference(actual, golden), Is.GreaterThan(10 * Tolerance));
    }

    [Test]
    public void An_explicit_layer_types_list_equal_to_the_pattern_gives_the_same_logits()
    {
        // Given the Gemma 3 golden with its 5:1 pattern written out as layer_types (newer transformers configs)
        using var dir = new TempFolder();
        var golden = GemmaGoldens.Read(GemmaGoldens.Gemma3);
        var types = Enumerable.Range(0, 7).Select(i => (i + 1) % 6 == 0 ? "full_attention" : "sliding_attention").ToArray();
        var folder = GemmaGoldens.CopyTo(GemmaGoldens.Gemma3, dir.Path, config =>
        {
            config.Remove("sliding_window_pattern");
            config["layer_types"] = JsonSerializer.SerializeToElement(types);
        });

        // When it is loaded and run, then it matches the reference as the pattern does
        Assert.That(MaxDifference(Logits(folder, golden.Tokens), golden), Is.LessThanOrEqualTo(Tolerance));
    }

    /// <summary>The golden's RoPE keys rewritten as transformers 5 writes them: rope_parameters, per layer type for Gemma 3.</summary>
    static void ToRopeParameters(Dictionary<string, JsonElement> config)
    {
        var globalParameters = new Dictionary<string, object> { ["rope_type"] = "default", ["rope_theta"] = config["rope_theta"].GetDouble() };
        if (config.TryGetValue("rope_scaling", out var scaling) && scaling.ValueKind == JsonValueKind.Object)
        {
            globalParameters["rope_type"] = scaling.GetProperty("rope_type").GetString()!;
            globalParameters["factor"] = scaling.GetProperty("factor").GetDouble();
        }

        object parameters = config.TryGetValue("rope_local_base_freq", out var local)
            ? new Dictionary<string, object>
            {
                ["full_attention"] = globalParameters,
                ["sliding_attention"] = new Dictionary<string, object> { ["rope_type"] = "default", ["rope_theta"] = local.GetDouble() },
            }
            : globalParameters;
        foreach (var key in new[] { "rope_theta", "rope_local_base_freq", "rope_scaling" })
        {
            config.Remove(key);
        }

        config["rope_parameters"] = JsonSerializer.SerializeToElement(parameters);
    }

    [TestCase(GemmaGoldens.Gemma2)]
    [TestCase(GemmaGoldens.Gemma3)]
    [TestCase(GemmaGoldens.Gemma3LinearRope)]
    public void A_config_with_transformers_5_rope_parameters_gives_the_same_logits(string name)
    {
        using var dir = new TempFolder();
        var golden = GemmaGoldens.Read(name);
        var folder = GemmaGoldens.CopyTo(name, dir.Path, ToRopeParameters);

        using var written = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "config.json")));
        Assert.That(written.RootElement.TryGetProperty("rope_theta", out _), Is.False, "only rope_parameters carries the RoPE settings");
        Assert.That(MaxDifference(Logits(folder, golden.Tokens), golden), Is.LessThanOrEqualTo(Tolerance));
    }

    [Test]
    public void A_bf16_compute_stays_close_to_the_fp32_reference()
    {
        using var dir = new TempFolder();
        var golden = GemmaGoldens.Read(GemmaGoldens.Gemma3);
        var folder = GemmaGoldens.CopyTo(GemmaGoldens.Gemma3, dir.Path);
        using var model = ModelLoader.Load(folder, compute: new ComputeOptions { DType = "bfloat16" });
        using var scope = NewDisposeScope();
        using var mode = inference_mode();
        var input = tensor(golden.Tokens.Select(t => (long)t).ToArray(), new long[] { 1, golden.Tokens.Length });
        var logits = model.Transformer.Forward(input, arange(golden.Tokens.Length).unsqueeze(0), null, null); // (1, T, V) bf16
        Assert.That(logits.dtype, Is.EqualTo(ScalarType.BFloat16));
        var actual = logits.to_type(ScalarType.Float32).data<float>().ToArray();
        double scale = golden.Logits.Max(Math.Abs);
        Assert.That(MaxDifference(actual, golden), Is.LessThan(0.1 * scale));
    }
}
