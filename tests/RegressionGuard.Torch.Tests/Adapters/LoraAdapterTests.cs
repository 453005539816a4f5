using System.Text.Json;
using RegressionGuard.Testing;
using RegressionGuard.Torch.Adapters;
using RegressionGuard.Torch.Checkpoints;
using RegressionGuard.Torch.Runtime;
using static TorchSharp.torch;

namespace RegressionGuard.Torch.Tests.Adapters;

public sealed class LoraAdapterTests
{
    static readonly int[] Tokens = { 1, 17, 42, 5, 88, 3, 60, 60, 12, 95 };
    static readonly LlamaSpec Spec = new() { VocabSize = 260 };

    static string WriteBase(TempFolder dir, TinyModelSpec spec)
    {
        var folder = Path.Combine(dir.Path, "base");
        Directory.CreateDirectory(folder);
        TinyModels.WriteHfFolder(folder, spec);
        TinyTokenizers.WriteByteLevel(folder, spec.VocabSize);
        return folder;
    }

    static float[] Logits(LoadedModel model)
    {
        using var scope = NewDisposeScope();
        using var mode = inference_mode();
        var input = tensor(Tokens.Select(t => (long)t).ToArray(), new long[] { 1, Tokens.Length });
        return model.Transformer.Forward(input, arange(Tokens.Length).unsqueeze(0), null, null).data<float>().ToArray();
    }

    static double MaxDiff(float[] a, float[] b) => a.Zip(b, (x, y) => Math.Abs((double)x - y)).Max();

    /// <summary>Writes an adapter in PEFT's layout with the test-side writer (independent of the product's).</summary>
    static void WritePeftAdapter(string folder, IReadOnlyDictionary<string, (float[] data, int[] shape)> tensors, int r, double alpha, string[] targets, string? baseModel = null)
    {
        Directory.CreateDirectory(folder);
        SafetensorsTestWriter.Write(Path.Combine(folder, "adapter_model.safetensors"), tensors);
        File.WriteAllText(Path.Combine(folder, "adapter_config.json"), JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["peft_type"] = "LORA",
            ["r"] = r,
            ["lora_alpha"] = alpha,
            ["lora_dropout"] = 0.0,
            ["target_modules"] = targets,
            ["fan_in_fan_out"] = false,
            ["bias"] = "none",
            ["task_type"] = "CAUSAL_LM",
            ["base_model_name_or_path"] = baseModel,
        }));
    }

    static (float[] data, int[] shape) Random(Random rng, int rows, int cols, double scale) =>
        (Enumerable.Range(0, rows * cols).Select(_ => (float)((rng.NextDouble() * 2 - 1) * scale)).ToArray(), new[] { rows, cols });

    [Test]
    public void An_adapter_whose_B_matrices_are_zero_gives_exactly_the_base_logits()
    {
        using var dir = new TempFolder();
        var basePath = WriteBase(dir, Spec);
        using var baseModel = ModelLoader.Load(basePath);
        using var tuned = ModelLoader.Load(basePath);
        using var adapter = LoraAdapter.Create(tuned.Transformer, new LoraConfig { R = 4, LoraAlpha = 8, TargetModules = JsonSerializer.SerializeToElement(new[] { "q_proj", "v_proj", "down_proj" }) }, seed: 3);
        Assert.That(adapter.ModulePaths, Has.Count.EqualTo(3 * Spec.NumLayers));
        Assert.That(Logits(tuned), Is.EqualTo(Logits(baseModel)), "B = 0 at creation: the branch adds exactly zero");
        adapter.Merge();
        Assert.That(Logits(tuned), Is.EqualTo(Logits(baseModel)));
    }

    [Test]
    public void A_peft_adapter_written_by_the_tests_loads_and_equals_the_merged_reference()
    {
        using var dir = new TempFolder();
        var basePath = WriteBase(dir, Spec);
        var weights = TinyModels.CreateWeights(Spec);
        var rng = new Random(5);
        int r = 4;
        double alpha = 16;
        var adapterTensors = new Dictionary<string, (float[] data, int[] shape)>();
        var merged = weights.ToDictionary(kv => kv.Key, kv => (kv.Value.data.ToArray(), kv.Value.shape));
        foreach (var layer in Enumerable.Range(0, Spec.NumLayers))
        {
            foreach (var module in new[] { "self_attn.q_proj", "mlp.up_proj" })
            {
                var key = $"model.layers.{layer}.{module}";
                var w = weights[key + ".weight"];
                int outF = w.shape[0], inF = w.shape[1];
                var a = Random(rng, r, inF, 0.3);
                var b = Random(rng, outF, r, 0.3);
                adapterTensors[$"base_model.model.{key}.lora_A.weight"] = a;
                adapterTensors[$"base_model.model.{key}.lora_B.weight"] = b;
                var target = merged[key + ".weight"].Item1;
                for (int o = 0; o < outF; o++)
                {
                    for (int i = 0; i < inF; i++)
                    {
                        double sum = 0;
                        for (int k = 0; k < r; k++)
                        {
                            sum += b.data[o * r + k] * (double)a.data[k * inF + i];
                        }

                        target[o * inF + i] += (float)(alpha / r * sum);
                    }
                }
            }
        }

        var adapterPath = Path.Combine(dir.Path, "adapter");
        WritePeftAdapter(adapterPath, adapterTensors, r, alpha, new[] { "q_proj", "up_proj" }, baseModel: "../base");

        using var onTheFly = ModelLoader.LoadTuned(adapterPath, basePath, merge: false);
        using var mergedModel = ModelLoader.LoadTuned(adapterPath, null); // base found through base_model_name_or_path
        var expected = ReferenceForward.Logits(Spec, merged.ToDictionary(kv => kv.Key, kv => (kv.Value.Item1, kv.Value.shape)), Tokens);
        var flat = Enumerable.Range(0, Tokens.Length).SelectMany(t => Enumerable.Range(0, Spec.VocabSize).Select(v => (float)expected[t, v])).ToArray();
        Assert.That(MaxDiff(Logits(onTheFly), Logits(mergedModel)), Is.LessThanOrEqualTo(1e-4), "on the fly equals merged");
        Assert.That(MaxDiff(Logits(mergedModel), flat), Is.LessThanOrEqualTo(1e-4), "merged equals W + (alpha/r)·B·A computed independently");
        Assert.That(MaxDiff(Logits(mergedModel), Logits(ModelLoader.Load(basePath))), Is.GreaterThan(1e-2), "the adapter changes the model");
    }

    [Test]
    public void A_gpt2_conv1d_adapter_on_the_fly_equals_merged()
    {
        using var dir = new TempFolder();
        var spec = new Gpt2Spec { VocabSize = 260 };
        var basePath = WriteBase(dir, spec);
        using var model = ModelLoader.Load(basePath);
        using var adapter = LoraAdapter.Create(model.Transformer, new LoraConfig { R = 2, LoraAlpha = 4, TargetModules = JsonSerializer.SerializeToElement(new[] { "c_attn", "c_fc" }) }, seed: 9);
        using (no_grad())
        {
            foreach (var p in adapter.Parameters())
            {
                p.normal_(0, 0.2);
            }
        }

        var onTheFly = Logits(model);
        var adapterPath = Path.Combine(dir.Path, "adapter");
        adapter.Save(adapterPath);
        using var merged = ModelLoader.LoadTuned(adapterPath, basePath);
        Assert.That(MaxDiff(onTheFly, Logits(merged)), Is.LessThanOrEqualTo(1e-4));
        using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(adapterPath, "adapter_config.json")));
        Assert.That(config.RootElement.GetProperty("fan_in_fan_out").GetBoolean(), Is.True, "Conv1D stores weights transposed");
    }

    [Test]
    public void An_adapter_that_does_not_fit_the_base_names_every_problem()
    {
        using var dir = new TempFolder();
        var basePath = WriteBase(dir, Spec);
        var rng = new Random(1);
        var tensors = new Dictionary<string, (float[] data, int[] shape)>
        {
            ["base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight"] = Random(rng, 4, 31, 0.1),
            ["base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight"] = Random(rng, 32, 4, 0.1),
            ["base_model.model.model.layers.7.self_attn.q_proj.lora_A.weight"] = Random(rng, 4, 32, 0.1),
            ["base_model.model.model.layers.7.self_attn.q_proj.lora_B.weight"] = Random(rng, 32, 4, 0.1),
        };
        var adapterPath = Path.Combine(dir.Path, "adapter");
        WritePeftAdapter(adapterPath, tensors, 4, 8, new[] { "q_proj" });
        var e = Assert.Throws<CheckpointException>(() => ModelLoader.LoadTuned(adapterPath, basePath))!;
        Assert.That(e.Message, Is.EqualTo(string.Join(Environment.NewLine,
            $"{adapterPath}: adapter does not match the base model:",
            "  base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight: expected [4, 32] (r, in), found [4, 31]",
            "  'model.layers.7.self_attn.q_proj' is not an adaptable layer of the base model (LlamaForCausalLM)",
            "  'model.layers.1.self_attn.q_proj' is targeted but has no lora_A/lora_B weights")));
    }

    [Test]
    public void An_adapter_without_a_base_says_how_to_give_one()
    {
        using var dir = new TempFolder();
        var adapterPath = Path.Combine(dir.Path, "adapter");
        WritePeftAdapter(adapterPath, new Dictionary<string, (float[] data, int[] shape)>(), 4, 8, new[] { "q_proj" }, baseModel: "meta-llama/Llama-2-7b-hf");
        var e = Assert.Throws<CheckpointException>(() => ModelLoader.LoadTuned(adapterPath, null))!;
        Assert.That(e.Message, Is.EqualTo($"{adapterPath}: a LoRA adapter needs its base model: pass --base <model folder> (base_model_name_or_path 'meta-llama/Llama-2-7b-hf' is not a folder or file here)"));
    }
}
