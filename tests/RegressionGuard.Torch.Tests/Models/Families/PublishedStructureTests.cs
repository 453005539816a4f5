using System.Text.Json;
using RegressionGuard.Torch.Models;
using static TorchSharp.torch;

namespace RegressionGuard.Torch.Tests.Models.Families;

/// <summary>
/// The published config.json files (tests/fixtures/configs, unchanged) instantiate on the meta device (no memory for
/// weights) with the published parameter count and state-dict key names and shapes.
/// </summary>
[NonParallelizable] // switches libtorch's default device
public sealed class PublishedStructureTests
{
    static Dictionary<string, long[]> MetaStateDict(string configFile, out long parameters)
    {
        var path = FamilyCheckpoints.PublishedConfig(configFile);
        var config = JsonDocument.Parse(File.ReadAllText(path)).RootElement;
        var family = ModelFamilies.ForArchitecture(config.GetProperty("architectures")[0].GetString()!)!;
        var blueprint = family.Read(config, path);
        var meta = new Device(TorchSharp.DeviceType.META);
        set_default_device(meta);
        try
        {
            using var model = blueprint.Create(CPU);
            parameters = model.Module.parameters().Sum(p => p.NumberOfElements);
            return model.Module.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.shape);
        }
        finally
        {
            set_default_device(CPU);
        }
    }

    static Dictionary<string, long[]> PerLayer(int layers, params (string Name, long[] Shape)[] perLayer) =>
        Enumerable.Range(0, layers).SelectMany(i => perLayer.Select(p => ($"model.layers.{i}.{p.Name}", p.Shape))).ToDictionary(p => p.Item1, p => p.Shape);

    [Test]
    public void Qwen3_0_6B_has_the_published_parameter_count_and_tensor_names()
    {
        // Given the published names and shapes (model.safetensors of Qwen/Qwen3-0.6B: 311 tensors, 751,632,384 values,
        // of which lm_head.weight [151936, 1024] is the copy of the tied embedding that loading ignores)
        var expected = PerLayer(28,
            ("input_layernorm.weight", [1024]), ("post_attention_layernorm.weight", [1024]),
            ("mlp.down_proj.weight", [1024, 3072]), ("mlp.gate_proj.weight", [3072, 1024]), ("mlp.up_proj.weight", [3072, 1024]),
            ("self_attn.k_norm.weight", [128]), ("self_attn.k_proj.weight", [1024, 1024]), ("self_attn.o_proj.weight", [1024, 2048]),
            ("self_attn.q_norm.weight", [128]), ("self_attn.q_proj.weight", [2048, 1024]), ("self_attn.v_proj.weight", [1024, 1024]));
        expected["model.embed_tokens.weight"] = [151936, 1024];
        expected["model.norm.weight"] = [1024];

        // When the published config instantiates on the meta device
        var actual = MetaStateDict("Qwen3-0.6B.config.json", out var parameters);

        // Then names, shapes and the count agree (751,632,384 − 151,936 × 1,024 for the tied head)
        Assert.That(actual.Keys, Is.EquivalentTo(expected.Keys));
        Assert.That(actual.Where(kv => !kv.Value.SequenceEqual(expected[kv.Key])).Select(kv => kv.Key), Is.Empty);
        Assert.That(expected.Count + 1, Is.EqualTo(311));
        Assert.That(parameters, Is.EqualTo(751_632_384L - 151_936L * 1024));
    }

    [Test]
    public void Phi_4_mini_has_the_parameter_count_and_tensor_names_of_its_modeling_file()
    {
        // Given the names and shapes transformers' Phi3 modules give the published config (derived from
        // modeling_phi3.py: qkv_proj (H + 2·KVH)·hd = 5120 rows, gate_up_proj 2·8192 rows; the head is tied)
        var expected = PerLayer(32,
            ("input_layernorm.weight", [3072]), ("post_attention_layernorm.weight", [3072]),
            ("self_attn.qkv_proj.weight", [5120, 3072]), ("self_attn.o_proj.weight", [3072, 3072]),
            ("mlp.gate_up_proj.weight", [16384, 3072]), ("mlp.down_proj.weight", [3072, 8192]));
        expected["model.embed_tokens.weight"] = [200064, 3072];
        expected["model.norm.weight"] = [3072];

        // When the published config instantiates on the meta device
        var actual = MetaStateDict("Phi-4-mini-instruct.config.json", out var parameters);

        // Then names and shapes agree and the count is Phi-4-mini's 3.84 B
        Assert.That(actual.Keys, Is.EquivalentTo(expected.Keys));
        Assert.That(actual.Where(kv => !kv.Value.SequenceEqual(expected[kv.Key])).Select(kv => kv.Key), Is.Empty);
        Assert.That(parameters, Is.EqualTo(3_836_021_760L));
    }
}
