using System.Security.Cryptography;
using RegressionGuard.Torch.Models.Shared;
using RegressionGuard.Torch.Tokenization;
using static TorchSharp.torch;

namespace RegressionGuard.Torch.Runtime;

/// <summary>
/// A transformer with its tokenizer, ready to run; owns both. The transformer is either given loaded or loaded on first
/// use (<see cref="ModelLoader.Open"/>): everything but the forward pass — shape, tokenizer, content hash — is known
/// without it.
/// </summary>
public sealed class LoadedModel : IDisposable
{
    readonly Lazy<string> _contentHash;
    readonly Lazy<ICausalTransformer> _transformer;

    public LoadedModel(string path, ICausalTransformer transformer, ITokenizer tokenizer, ComputeOptions compute, IReadOnlyList<string> weightFiles, Device device, string? tokenizerFile = null)
        : this(path, ModelShape.Of(transformer), new Lazy<ICausalTransformer>(transformer), tokenizer, compute, weightFiles, device, tokenizerFile)
    {
    }

    /// <summary>A model whose weights <paramref name="load"/> reads on the first use of <see cref="Transformer"/>.</summary>
    /// <param name="shape">what the loaded transformer will be (from its config, without its weights).</param>
    public LoadedModel(string path, ModelShape shape, Func<ICausalTransformer> load, ITokenizer tokenizer, ComputeOptions compute, IReadOnlyList<string> weightFiles, Device device, string? tokenizerFile = null)
        : this(path, shape, new Lazy<ICausalTransformer>(() => OutsideScopes(load)), tokenizer, compute, weightFiles, device, tokenizerFile)
    {
    }

    /// <summary>
    /// Runs <paramref name="load"/> on a thread of its own: the first use of a deferred model is usually inside a
    /// forward pass, whose dispose scope would free the new weights at its end and whose inference mode would make them
    /// inference tensors; both are per thread, so a fresh thread has neither (<see cref="TorchThreads"/>).
    /// </summary>
    static ICausalTransformer OutsideScopes(Func<ICausalTransformer> load) => TorchThreads.OnOwnThread(load, "model load");

    LoadedModel(string path, ModelShape shape, Lazy<ICausalTransformer> transformer, ITokenizer tokenizer, ComputeOptions compute, IReadOnlyList<string> weightFiles, Device device, string? tokenizerFile)
    {
        TokenizerFile = tokenizerFile;
        Path = path;
        Shape = shape;
        _transformer = transformer;
        Tokenizer = tokenizer;
        Compute = compute;
        WeightFiles = weightFiles;
        Device = device;
        _contentHash = new Lazy<string>(() => HashFiles(weightFiles, tokenizer.ContentHash));
    }

    public string Path { get; }

    /// <summary>The transformer; a model opened with <see cref="ModelLoader.Open"/> loads its weights here, the first time.</summary>
    public ICausalTransformer Transformer => _transformer.Value;

    /// <summary>Whether the weights are in memory (false for an opened model nothing has run yet).</summary>
    public bool IsLoaded => _transformer.IsValueCreated;

    /// <summary>Architecture, vocabulary, context and parameter count, known before the weights are loaded.</summary>
    public ModelShape Shape { get; }
    public ITokenizer Tokenizer { get; }

    /// <summary>The tokenizer file the model was loaded with (copied into checkpoints written from it).</summary>
    public string? TokenizerFile { get; }
    public ComputeOptions Compute { get; }
    public IReadOnlyList<string> WeightFiles { get; }
    public Device Device { get; }

    /// <summary>SHA-256 over the weight files' bytes, the config.json beside them and the tokenizer's hash (computed on first use).</summary>
    public string ContentHash => _contentHash.Value;

    /// <summary>The parameters now in the module (LoRA branches added after loading count), or the shape's before the weights are loaded.</summary>
    public long ParameterCount => IsLoaded ? Transformer.Module.parameters().Sum(p => p.NumberOfElements) : Shape.Parameters;

    /// <summary>
    /// The weight files' bytes, then the config.json beside them (once per folder: rope_theta, norm epsilons, tied
    /// embeddings change the outputs without touching a weight), then <paramref name="extra"/>.
    /// </summary>
    static string HashFiles(IReadOnlyList<string> files, string extra)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[1 << 20];
        var configs = files.Select(f => System.IO.Path.Combine(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(f)) ?? "", "config.json"))
            .Distinct(StringComparer.Ordinal).Where(File.Exists).Where(c => !files.Contains(c, StringComparer.Ordinal));
        foreach (var file in files.Concat(configs))
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

    public void Dispose()
    {
        if (_transformer.IsValueCreated)
        {
            _transformer.Value.Dispose();
        }
    }
}

/// <summary>What a transformer is, apart from its weights: enough to describe a model and plan its inputs.</summary>
public sealed record ModelShape(string Architecture, int VocabSize, int ContextLength, long Parameters)
{
    public static ModelShape Of(ICausalTransformer transformer)
    {
        ArgumentNullException.ThrowIfNull(transformer);
        return new ModelShape(transformer.Architecture, transformer.VocabSize, transformer.ContextLength, transformer.Module.parameters().Sum(p => p.NumberOfElements));
    }
}
