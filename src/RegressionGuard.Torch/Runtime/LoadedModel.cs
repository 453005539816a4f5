using System.Security.Cryptography;
using RegressionGuard.Torch.Models.Shared;
using RegressionGuard.Torch.Tokenization;
using static TorchSharp.torch;

namespace RegressionGuard.Torch.Runtime;

/// <summary>A transformer with its tokenizer, ready to run; owns both.</summary>
public sealed class LoadedModel : IDisposable
{
    readonly Lazy<string> _contentHash;

    public LoadedModel(string path, ICausalTransformer transformer, ITokenizer tokenizer, ComputeOptions compute, IReadOnlyList<string> weightFiles, Device device, string? tokenizerFile = null)
    {
        TokenizerFile = tokenizerFile;
        Path = path;
        Transformer = transformer;
        Tokenizer = tokenizer;
        Compute = compute;
        WeightFiles = weightFiles;
        Device = device;
        _contentHash = new Lazy<string>(() => HashFiles(weightFiles, tokenizer.ContentHash));
    }

    public string Path { get; }
    public ICausalTransformer Transformer { get; }
    public ITokenizer Tokenizer { get; }

    /// <summary>The tokenizer file the model was loaded with (copied into checkpoints written from it).</summary>
    public string? TokenizerFile { get; }
    public ComputeOptions Compute { get; }
    public IReadOnlyList<string> WeightFiles { get; }
    public Device Device { get; }

    /// <summary>SHA-256 over the weight files' bytes and the tokenizer's hash (computed on first use).</summary>
    public string ContentHash => _contentHash.Value;

    public long ParameterCount => Transformer.Module.parameters().Sum(p => p.NumberOfElements);

    static string HashFiles(IEnumerable<string> files, string extra)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[1 << 20];
        foreach (var file in files)
        {
            using var fs = File.OpenRead(file);
            int read;
            while ((read = fs.Read(buffer)) > 0)
            {
                sha.AppendData(buffer, 0, read);
            }
        }
        sha.AppendData(System.Text.Encoding.UTF8.GetBytes(extra));
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    public void Dispose() => Transformer.Dispose();
}
