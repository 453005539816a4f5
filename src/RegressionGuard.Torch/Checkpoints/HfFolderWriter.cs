using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using RegressionGuard.Torch.Runtime;
using TorchSharp;

namespace RegressionGuard.Torch.Checkpoints;

/// <summary>Writes a loaded model as a standard Hugging Face folder: config.json, model.safetensors, its tokenizer file.</summary>
public static class HfFolderWriter
{
    static readonly JsonSerializerOptions Options = new() { WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    /// <param name="metadata">extra string metadata for the safetensors header (e.g. RegressionGuard's P and N).</param>
    public static void Write(LoadedModel model, string folder, IReadOnlyDictionary<string, string>? metadata = null)
    {
        Directory.CreateDirectory(folder);
        JsonObject config = model.Transformer.Family.WriteConfig(model.Transformer, model.Tokenizer.BosId, model.Tokenizer.EosId);
        config["torch_dtype"] = model.Compute.ScalarType == torch.ScalarType.BFloat16 ? "bfloat16" : "float32";
        File.WriteAllText(Path.Combine(folder, "config.json"), config.ToJsonString(Options) + "\n");
        var meta = new Dictionary<string, string> { ["format"] = "pt" };
        if (metadata is not null)
        {
            foreach (var (k, v) in metadata)
            {
                meta[k] = v;
            }
        }

        SafetensorsFile.Write(Path.Combine(folder, "model.safetensors"), model.Transformer.Module.state_dict(), meta);
        if (model.TokenizerFile is { } tokenizer)
        {
            var name = tokenizer.EndsWith(".json", StringComparison.OrdinalIgnoreCase) ? "tokenizer.json" : "tokenizer.model";
            File.Copy(tokenizer, Path.Combine(folder, name), overwrite: true);
        }
    }
}
