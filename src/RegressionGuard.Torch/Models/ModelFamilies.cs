using RegressionGuard.Torch.Models.Gemma;
using RegressionGuard.Torch.Models.Gpt2;
using RegressionGuard.Torch.Models.Llama;
using RegressionGuard.Torch.Models.Phi3;
using RegressionGuard.Torch.Models.Qwen3;
using RegressionGuard.Torch.Models.Shared;

namespace RegressionGuard.Torch.Models;

/// <summary>
/// The registry of model families: config.json's <c>architectures[0]</c> (or, without it, <c>model_type</c>) picks
/// the family that reads the config, builds the module, loads the checkpoint and names its LoRA targets, HFT groups
/// and embeddings. Adding a family: its folder under Models/ and one line in <see cref="All"/>.
/// </summary>
public static class ModelFamilies
{
    public static IReadOnlyList<ModelFamily> All { get; } =
    [
        LlamaFamily.Instance,
        Gpt2Family.Instance,
        Qwen3Family.Instance,
        Phi3Family.Instance,
        GemmaFamily.Gemma2,
        GemmaFamily.Gemma3,
    ];

    /// <summary>Every architecture name the registry loads, in registry order.</summary>
    public static IReadOnlyList<string> Architectures => All.SelectMany(f => f.Architectures).ToArray();

    /// <summary>The family of <paramref name="architecture"/> (config.json <c>architectures[0]</c>), or null.</summary>
    public static ModelFamily? ForArchitecture(string architecture) => All.FirstOrDefault(f => f.Architectures.Contains(architecture));

    /// <summary>The architecture a config with only <c>model_type</c> means, or null.</summary>
    public static string? ArchitectureOfModelType(string modelType) =>
        All.Select(f => f.ModelTypes.TryGetValue(modelType, out var a) ? a : null).FirstOrDefault(a => a is not null);

    /// <summary>The HFT groups written as <paramref name="scheme"/> in a selection file, or null.</summary>
    public static HalfFineTuningGroups? HalfFineTuningScheme(string scheme) =>
        All.Select(f => f.HalfFineTuning).FirstOrDefault(g => g.Scheme == scheme);
}
