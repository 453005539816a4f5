using System.Text.Json;
using System.Text.Json.Nodes;
using RegressionGuard.Torch.Models.Llama;
using RegressionGuard.Torch.Tokenization;
using TorchSharp;
using static TorchSharp.torch;

namespace RegressionGuard.Torch.Checkpoints;

/// <summary>Writes llama2.c checkpoints as standard Hugging Face Llama folders (fp32 safetensors, q/k permuted to HF's rotate-half layout).</summary>
public static class CheckpointConverter
{
    public static IReadOnlyList<string> Llama2cToHf(string llama2cPath, string? tokenizerPath, string outputFolder)
    {
        var checkpoint = Llama2cCheckpoint.Open(Path.GetFullPath(llama2cPath));
        var tokenizerFile = tokenizerPath ?? TokenizerLoader.FindFileBeside(llama2cPath);
        var tokenizer = TokenizerLoader.Load(tokenizerFile);
        if (!tokenizerFile.EndsWith(".model", StringComparison.OrdinalIgnoreCase))
        {
            throw new CheckpointException($"{tokenizerFile}: llama2.c models use a SentencePiece tokenizer (.model); got '{Path.GetFileName(tokenizerFile)}'");
        }

        Directory.CreateDirectory(outputFolder);

        using var model = new LlamaForCausalLM(checkpoint.Config);
        StateDictLoader.Load(model, checkpoint);
        var weights = Path.Combine(outputFolder, "model.safetensors");
        SafetensorsFile.Write(weights, model.state_dict(), new Dictionary<string, string> { ["format"] = "pt", ["converted_from"] = Path.GetFileName(llama2cPath) });

        var config = JsonSerializer.SerializeToNode(checkpoint.Config, new JsonSerializerOptions { DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull })!.AsObject();
        config.Remove("rope_scaling");
        config.Remove("head_dim");
        config["bos_token_id"] = tokenizer.BosId;
        config["eos_token_id"] = tokenizer.EosId;
        config["torch_dtype"] = "float32";
        var configPath = Path.Combine(outputFolder, "config.json");
        File.WriteAllText(configPath, config.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");

        var tokenizerOut = Path.Combine(outputFolder, "tokenizer.model");
        File.Copy(tokenizerFile, tokenizerOut, overwrite: true);
        return new[] { configPath, weights, tokenizerOut };
    }
}
