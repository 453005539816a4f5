using RegressionGuard.Testing;
using RegressionGuard.Torch.Runtime;

namespace RegressionGuard.Torch.Tests;

/// <summary>The real stories260K model from ../shared, loaded once per test assembly and shared read-only.</summary>
internal static class Stories260K
{
    static readonly Lazy<TorchLanguageModel> Fp32 = new(() => TorchLanguageModel.Load(BinPath));

    public static string BinPath => SharedData.Path("models/stories260K/stories260K.bin");
    public static string TokenizerPath => SharedData.Path("models/stories260K/tok512.model");
    public static string First46Path => SharedData.Path("datasets/tinystories/TinyStories-valid.first46.jsonl");
    public static string GreedyText => File.ReadAllText(SharedData.Path("models/stories260K/greedy_from_BOS_256steps.txt"));

    /// <summary>The fp32 model (batch size 16). Do not dispose.</summary>
    public static TorchLanguageModel Model
    {
        get
        {
            _ = BinPath; // skip or fail before loading when ../shared is missing
            return Fp32.Value;
        }
    }
}
