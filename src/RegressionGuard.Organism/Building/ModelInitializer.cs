using RegressionGuard.Torch.Checkpoints;
using RegressionGuard.Torch.Models.Llama;
using RegressionGuard.Torch.Runtime;
using RegressionGuard.Torch.Tokenization;
using TorchSharp;
using static TorchSharp.torch;

namespace RegressionGuard.Organism.Building;

/// <summary>Writes a seeded, randomly initialised Llama as an HF folder: the starting point of the base's training.</summary>
public static class ModelInitializer
{
    public static LlamaConfig Config(OrganismRecipe recipe, int vocabSize, int endOfText) => new()
    {
        ArchitectureNames = new[] { "LlamaForCausalLM" },
        ModelType = "llama",
        VocabSize = vocabSize,
        HiddenSize = recipe.HiddenSize,
        IntermediateSize = recipe.IntermediateSize,
        NumHiddenLayers = recipe.Layers,
        NumAttentionHeads = recipe.Heads,
        NumKeyValueHeads = recipe.Heads,
        MaxPositionEmbeddings = recipe.ContextLength,
        RmsNormEps = 1e-5,
        RopeTheta = 10000,
        TieWordEmbeddings = true,
        BosTokenId = System.Text.Json.JsonSerializer.SerializeToElement(endOfText),
        EosTokenId = System.Text.Json.JsonSerializer.SerializeToElement(endOfText),
    };

    /// <summary>
    /// Normal(0, 0.02) for embeddings and projections, with the residual outputs (o_proj, down_proj) scaled by
    /// 1/√(2·layers) as in GPT-2; ones for the RMSNorm weights. Drawn from libtorch's generator seeded with <paramref name="seed"/>.
    /// </summary>
    public static void Write(OrganismRecipe recipe, string tokenizerFile, string folder, long seed)
    {
        var tokenizer = HfTokenizerJson.Load(tokenizerFile);
        var endOfText = tokenizer.EosId ?? throw new InvalidDataException($"{tokenizerFile}: the organism tokenizer needs {BpeTrainerOptions.EndOfText}");
        var config = Config(recipe, tokenizer.VocabSize, endOfText);
        var errors = config.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join("; ", errors));
        }

        using var generator = new Generator((ulong)seed);
        var model = new LlamaForCausalLM(config);
        using (no_grad())
        {
            foreach (var (name, parameter) in model.named_parameters())
            {
                if (name.EndsWith("norm.weight", StringComparison.Ordinal))
                {
                    parameter.fill_(1);
                }
                else
                {
                    double std = name.Contains("o_proj", StringComparison.Ordinal) || name.Contains("down_proj", StringComparison.Ordinal)
                        ? 0.02 / Math.Sqrt(2 * recipe.Layers) : 0.02;
                    parameter.normal_(0, std, generator);
                }
            }
        }

        using var loaded = new LoadedModel(folder, model, tokenizer, new ComputeOptions(), Array.Empty<string>(), CPU, tokenizerFile);
        HfFolderWriter.Write(loaded, folder);
    }
}
