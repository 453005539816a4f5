using RegressionGuard.Testing;
using RegressionGuard.Torch.Checkpoints;
using RegressionGuard.Torch.Models;
using RegressionGuard.Torch.Runtime;

namespace RegressionGuard.Torch.Tests.Checkpoints;

/// <summary>Each way a checkpoint can be wrong gives its own message, naming the file, the keys and what was expected.</summary>
public sealed class CheckpointErrorTests
{
    static readonly LlamaSpec Spec = new() { VocabSize = 260, NumLayers = 1 };

    static string WriteFolder(TempFolder dir, Action<Dictionary<string, (float[] data, int[] shape)>>? edit = null)
    {
        var weights = TinyModels.CreateWeights(Spec).ToDictionary(kv => kv.Key, kv => kv.Value);
        edit?.Invoke(weights);
        TinyModels.WriteHfFolder(dir.Path, Spec, weights, StorageDType.F32, 1);
        TinyTokenizers.WriteByteLevel(dir.Path, Spec.VocabSize);
        return dir.Path;
    }

    [Test]
    public void A_truncated_safetensors_file_names_the_incomplete_tensors()
    {
        using var dir = new TempFolder();
        WriteFolder(dir);
        var file = dir.File("model.safetensors");
        var bytes = File.ReadAllBytes(file);
        File.WriteAllBytes(file, bytes[..^100]);
        Assert.That(() => ModelLoader.Load(dir.Path), Throws.TypeOf<CheckpointException>().With.Message.EqualTo(
            $"{file}: truncated safetensors file: the header needs {bytes.Length - 100 - HeaderEnd(bytes) + 100} data bytes but the file holds {bytes.Length - 100 - HeaderEnd(bytes)}; incomplete tensors: lm_head.weight"));
    }

    static int HeaderEnd(byte[] bytes) => 8 + (int)BitConverter.ToUInt64(bytes, 0);

    [Test]
    public void A_corrupt_header_length_is_reported()
    {
        using var dir = new TempFolder();
        WriteFolder(dir);
        var file = dir.File("model.safetensors");
        var bytes = File.ReadAllBytes(file);
        BitConverter.GetBytes((ulong)bytes.Length * 2).CopyTo(bytes, 0);
        File.WriteAllBytes(file, bytes);
        Assert.That(() => ModelLoader.Load(dir.Path), Throws.TypeOf<CheckpointException>().With.Message.EqualTo(
            $"{file}: corrupt or truncated safetensors file: header length {bytes.Length * 2L} bytes but the file has {bytes.Length} bytes"));
    }

    [Test]
    public void A_corrupt_header_that_is_not_json_is_reported()
    {
        using var dir = new TempFolder();
        WriteFolder(dir);
        var file = dir.File("model.safetensors");
        var bytes = File.ReadAllBytes(file);
        bytes[8] = (byte)'#';
        File.WriteAllBytes(file, bytes);
        Assert.That(() => ModelLoader.Load(dir.Path), Throws.TypeOf<CheckpointException>().With.Message.StartsWith(
            $"{file}: corrupt safetensors header (invalid JSON at byte 0)"));
    }

    [Test]
    public void Missing_and_unexpected_tensors_are_all_named()
    {
        using var dir = new TempFolder();
        WriteFolder(dir, w =>
        {
            w.Remove("model.layers.0.mlp.up_proj.weight");
            w.Remove("model.norm.weight");
            w["model.layers.0.mlp.extra.weight"] = (new float[4], new[] { 2, 2 });
        });
        Assert.That(() => ModelLoader.Load(dir.Path), Throws.TypeOf<CheckpointException>().With.Message.EqualTo(
            $"{dir.File("model.safetensors")}: checkpoint does not match the model architecture{Environment.NewLine}" +
            $"  missing tensors (2): model.layers.0.mlp.up_proj.weight, model.norm.weight{Environment.NewLine}" +
            "  unexpected tensors (1): model.layers.0.mlp.extra.weight"));
    }

    [Test]
    public void A_wrong_shape_names_the_key_with_expected_and_found_shapes()
    {
        using var dir = new TempFolder();
        WriteFolder(dir, w => w["model.layers.0.self_attn.k_proj.weight"] = (new float[32 * 32], new[] { 32, 32 }));
        Assert.That(() => ModelLoader.Load(dir.Path), Throws.TypeOf<CheckpointException>().With.Message.EqualTo(
            $"{dir.File("model.safetensors")}: checkpoint does not match the model architecture{Environment.NewLine}" +
            "  wrong shapes (1): model.layers.0.self_attn.k_proj.weight: expected [16, 32], found [32, 32]"));
    }

    [Test]
    public void An_unknown_architecture_lists_the_supported_ones()
    {
        using var dir = new TempFolder();
        WriteFolder(dir);
        var config = dir.File("config.json");
        File.WriteAllText(config, File.ReadAllText(config).Replace("LlamaForCausalLM", "MambaForCausalLM", StringComparison.Ordinal));
        Assert.That(() => ModelLoader.Load(dir.Path), Throws.TypeOf<CheckpointException>().With.Message.EqualTo(
            $"{config}: unsupported architecture 'MambaForCausalLM'; supported: LlamaForCausalLM, MistralForCausalLM, Qwen2ForCausalLM, GPT2LMHeadModel, {string.Join(", ", ModelFamilies.Architectures.Skip(4))}"));
    }

    [Test]
    public void A_missing_tokenizer_says_where_it_looked()
    {
        using var dir = new TempFolder();
        WriteFolder(dir);
        File.Delete(dir.File("tokenizer.json"));
        Assert.That(() => ModelLoader.Load(dir.Path), Throws.TypeOf<FileNotFoundException>().With.Message.EqualTo(
            $"no tokenizer found for model '{dir.Path}': looked for tokenizer.json, tokenizer.model, tok*.model, tokenizer.bin, tok*.bin in '{dir.Path}'; pass --tokenizer <file>"));
    }

    [Test]
    public void A_folder_without_weights_is_reported()
    {
        using var dir = new TempFolder();
        WriteFolder(dir);
        File.Delete(dir.File("model.safetensors"));
        Assert.That(() => ModelLoader.Load(dir.Path), Throws.TypeOf<CheckpointException>().With.Message.EqualTo(
            $"{dir.Path}: no weights found: expected model.safetensors or model.safetensors.index.json (PyTorch .bin checkpoints are not loaded: convert them to safetensors)"));
    }

    [Test]
    public void A_truncated_llama2c_file_states_expected_and_found_sizes()
    {
        using var dir = new TempFolder();
        var file = dir.File("stories260K.bin");
        var bytes = File.ReadAllBytes(Stories260K.BinPath);
        File.WriteAllBytes(file, bytes[..^1000]);
        File.Copy(Stories260K.TokenizerPath, dir.File("tok512.model"));
        Assert.That(() => ModelLoader.Load(file), Throws.TypeOf<CheckpointException>().With.Message.EqualTo(
            $"{file}: truncated or oversized llama2.c checkpoint: the header (dim 64, layers 5, vocab 512, seq_len 512) needs {bytes.Length} bytes, the file has {bytes.Length - 1000}"));
    }

    [Test]
    public void A_shard_index_pointing_outside_the_folder_is_refused()
    {
        using var dir = new TempFolder();
        TinyModels.WriteHfFolder(dir.Path, Spec, StorageDType.F32, 2);
        TinyTokenizers.WriteByteLevel(dir.Path, Spec.VocabSize);
        var index = dir.File("model.safetensors.index.json");
        File.WriteAllText(index, File.ReadAllText(index).Replace("model-00001-of-00002.safetensors", "../evil.safetensors", StringComparison.Ordinal));
        Assert.That(() => ModelLoader.Load(dir.Path), Throws.TypeOf<CheckpointException>().With.Message.Contains("file name '../evil.safetensors' points outside"));
    }
}
