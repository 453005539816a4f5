using System.Text.Json;
using RegressionGuard.Torch.Adapters;
using RegressionGuard.Torch.Checkpoints;
using RegressionGuard.Torch.Models.Gemma;
using RegressionGuard.Torch.Models.Gpt2;
using RegressionGuard.Torch.Models.Llama;
using RegressionGuard.Torch.Models.Shared;
using RegressionGuard.Torch.Tokenization;
using TorchSharp;
using static TorchSharp.torch;

namespace RegressionGuard.Torch.Runtime;

/// <summary>
/// Opens a model path: a Hugging Face folder (config.json + model.safetensors or a sharded index) or a llama2.c
/// <c>.bin</c>; finds the tokenizer beside it unless one is given. Parameters are created directly in the compute
/// dtype and filled tensor by tensor, so loading holds no second copy of the weights.
/// </summary>
public static class ModelLoader
{
    public static IReadOnlyList<string> SupportedArchitectures { get; } = LlamaConfig.Architectures.Concat(Gpt2Config.Architectures).Concat(GemmaConfig.Architectures).ToArray();

    static readonly JsonSerializerOptions JsonOptions = new() { ReadCommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    /// <summary>
    /// Loads a fine-tuned model: a full checkpoint, or a PEFT LoRA adapter folder applied to its base (given, or named
    /// by the adapter's base_model_name_or_path when that is a folder here). By default the adapter is merged into the
    /// base weights (W + (lora_alpha / r)·B·A); <paramref name="merge"/> = false keeps it as an on-the-fly branch.
    /// </summary>
    public static LoadedModel LoadTuned(string tunedPath, string? basePath, string? tokenizerPath = null, ComputeOptions? compute = null, bool merge = true)
    {
        var full = System.IO.Path.GetFullPath(tunedPath);
        if (!LoraAdapter.IsAdapterFolder(full))
        {
            return Load(full, tokenizerPath, compute);
        }

        var config = LoraAdapter.ReadConfig(full);
        string? baseFolder = basePath;
        if (baseFolder is null && config.BaseModelNameOrPath is { } named)
        {
            var candidate = System.IO.Path.GetFullPath(named, full);
            if (Directory.Exists(candidate) || File.Exists(candidate))
            {
                baseFolder = candidate;
            }
        }
        if (baseFolder is null)
        {
            throw new CheckpointException($"{full}: a LoRA adapter needs its base model: pass --base <model folder>"
                + (config.BaseModelNameOrPath is { } n ? $" (base_model_name_or_path '{n}' is not a folder or file here)" : ""));
        }

        var baseModel = Load(baseFolder, tokenizerPath ?? (HasTokenizer(full) ? TokenizerLoader.FindFileBeside(full) : null), compute);
        try
        {
            using (no_grad())
            {
                var adapter = LoraAdapter.Load(full, baseModel.Transformer);
                if (merge)
                {
                    adapter.Merge();
                    adapter.Dispose();
                }
            }
            return new LoadedModel(full, baseModel.Transformer, baseModel.Tokenizer, baseModel.Compute,
                baseModel.WeightFiles.Append(System.IO.Path.Combine(full, LoraAdapter.WeightsFile)).Append(System.IO.Path.Combine(full, LoraAdapter.ConfigFile)).ToArray(),
                baseModel.Device, baseModel.TokenizerFile);
        }
        catch
        {
            baseModel.Dispose();
            throw;
        }
    }

    static bool HasTokenizer(string folder)
    {
        try
        {
            TokenizerLoader.FindFileBeside(folder);
            return true;
        }
        catch (FileNotFoundException)
        {
            return false;
        }
    }

    public static LoadedModel Load(string path, string? tokenizerPath = null, ComputeOptions? compute = null)
    {
        compute ??= new ComputeOptions();
        var problems = compute.Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException(string.Join("; ", problems));
        }

        if (compute.Threads is int threads)
        {
            set_num_threads(threads);
        }

        var device = new Device(compute.Device);
        var full = System.IO.Path.GetFullPath(path);

        if (LoraAdapter.IsAdapterFolder(full))
        {
            throw new CheckpointException($"{full}: is a LoRA adapter, not a full model; give it as the tuned model together with its base (--base <model folder>)");
        }

        if (Directory.Exists(full))
        {
            var tokenizerFile = tokenizerPath ?? TokenizerLoader.FindFileBeside(full);
            return LoadHfFolder(full, TokenizerLoader.Load(tokenizerFile), compute, device, tokenizerFile);
        }
        if (Llama2cCheckpoint.LooksLikeLlama2c(full))
        {
            var tokenizerFile = tokenizerPath ?? TokenizerLoader.FindFileBeside(full);
            var tokenizer = TokenizerLoader.Load(tokenizerFile);
            var checkpoint = Llama2cCheckpoint.Open(full);
            var model = Build(() => new LlamaForCausalLM(checkpoint.Config, device), checkpoint, compute, device);
            CheckVocabulary(full, model, tokenizer);
            return new LoadedModel(full, model, tokenizer, compute, new[] { full }, device, tokenizerFile);
        }
        if (File.Exists(full))
        {
            throw new CheckpointException($"{full}: not a model: expected a Hugging Face model folder (config.json + model.safetensors) or a llama2.c checkpoint (.bin)");
        }

        throw new CheckpointException($"{full}: no such model folder or file");
    }

    static LoadedModel LoadHfFolder(string folder, ITokenizer tokenizer, ComputeOptions compute, Device device, string tokenizerFile)
    {
        var configPath = System.IO.Path.Combine(folder, "config.json");
        if (!File.Exists(configPath))
        {
            throw new CheckpointException($"{folder}: no config.json (a Hugging Face model folder needs config.json and model.safetensors)");
        }

        JsonElement root;
        try
        {
            root = JsonDocument.Parse(File.ReadAllText(configPath), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true }).RootElement;
        }
        catch (JsonException e)
        {
            throw new CheckpointException($"{configPath}:{e.LineNumber + 1}:{e.BytePositionInLine + 1}: invalid JSON: {e.Message}", e);
        }
        string architecture = root.TryGetProperty("architectures", out var archs) && archs.ValueKind == JsonValueKind.Array && archs.GetArrayLength() > 0
            ? archs[0].GetString() ?? ""
            : root.TryGetProperty("model_type", out var mt) ? (mt.GetString() ?? "") switch
            {
                "llama" => "LlamaForCausalLM",
                "mistral" => "MistralForCausalLM",
                "qwen2" => "Qwen2ForCausalLM",
                "gpt2" => "GPT2LMHeadModel",
                var other => GemmaConfig.ModelTypes.TryGetValue(other, out var gemma) ? gemma : other,
            } : "";

        using var source = SafetensorsSource.OpenFolder(folder);
        ICausalTransformer model;
        Func<string, bool>? ignorable = null;
        if (LlamaConfig.Architectures.Contains(architecture))
        {
            var config = Deserialize<LlamaConfig>(root, configPath);
            Validate(configPath, config.Validate());
            ignorable = key => key.EndsWith(".rotary_emb.inv_freq", StringComparison.Ordinal)
                || (config.TieWordEmbeddings && key == "lm_head.weight");
            model = Build(() => new LlamaForCausalLM(config, device), source, compute, device, ignorable);
        }
        else if (Gpt2Config.Architectures.Contains(architecture))
        {
            var config = Deserialize<Gpt2Config>(root, configPath);
            Validate(configPath, config.Validate());
            var prefixed = new PrefixedSource(source, "transformer.");
            // causal-mask buffers saved by older transformers versions, and a head that duplicates the tied wte
            ignorable = key => key.EndsWith(".attn.bias", StringComparison.Ordinal) || key.EndsWith(".attn.masked_bias", StringComparison.Ordinal)
                || key == "lm_head.weight";
            model = Build(() => new Gpt2LMHeadModel(config), prefixed, compute, device, ignorable);
        }
        else if (GemmaConfig.Architectures.Contains(architecture))
        {
            var config = Deserialize<GemmaConfig>(root, configPath);
            Validate(configPath, config.Validate());
            ignorable = key => config.TieWordEmbeddings && key == "lm_head.weight";
            model = Build(() => new GemmaForCausalLM(config, device), source, compute, device, ignorable);
        }
        else
        {
            throw new CheckpointException($"{configPath}: unsupported architecture '{architecture}'; supported: {string.Join(", ", SupportedArchitectures)}");
        }
        CheckVocabulary(folder, model, tokenizer);
        return new LoadedModel(folder, model, tokenizer, compute, source.Files.Select(f => f.Path).ToArray(), device, tokenizerFile);
    }

    static T Deserialize<T>(JsonElement root, string path)
    {
        try
        {
            return root.Deserialize<T>(JsonOptions) ?? throw new CheckpointException($"{path}: empty config");
        }
        catch (JsonException e)
        {
            throw new CheckpointException($"{path}: config value of the wrong type at {e.Path}: {e.Message}", e);
        }
    }

    static void Validate(string path, IReadOnlyList<string> errors)
    {
        if (errors.Count > 0)
        {
            throw new CheckpointException($"{path}: invalid config: {string.Join("; ", errors)}");
        }
    }

    static ICausalTransformer Build(Func<ICausalTransformer> create, StateDictLoader.ITensorSource source, ComputeOptions compute, Device device, Func<string, bool>? ignorable = null)
    {
        var previous = get_default_dtype();
        set_default_dtype(compute.ScalarType); // parameters are born in the compute dtype: no fp32 copy of a bf16 model
        ICausalTransformer model;
        try
        {
            using (no_grad())
            {
                model = create();
            }
        }
        finally
        {
            set_default_dtype(previous);
        }
        try
        {
            StateDictLoader.Load(model.Module, source, ignorable);
            foreach (var p in model.Module.parameters())
            {
                p.requires_grad = false;
            }

            model.Module.eval();
            if (device.type != DeviceType.CPU)
            {
                model.Module.to(device);
            }

            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    static void CheckVocabulary(string path, ICausalTransformer model, ITokenizer tokenizer)
    {
        if (tokenizer.VocabSize > model.VocabSize)
        {
            throw new CheckpointException($"{path}: the tokenizer ({tokenizer.Name}) has {tokenizer.VocabSize} ids but the model's vocabulary has {model.VocabSize}; pass the tokenizer that belongs to this model with --tokenizer");
        }
    }

    /// <summary>Presents GPT-2 checkpoints saved without the "transformer." prefix (the original OpenAI layout) under HF module keys.</summary>
    sealed class PrefixedSource : StateDictLoader.ITensorSource
    {
        readonly SafetensorsSource _inner;
        readonly Dictionary<string, string> _originalOf = new(StringComparer.Ordinal);

        public PrefixedSource(SafetensorsSource inner, string prefix)
        {
            _inner = inner;
            bool hasPrefix = inner.Shapes.Keys.Any(k => k.StartsWith(prefix, StringComparison.Ordinal));
            var shapes = new Dictionary<string, long[]>(StringComparer.Ordinal);
            foreach (var (key, shape) in inner.Shapes)
            {
                var mapped = hasPrefix || key.StartsWith("lm_head.", StringComparison.Ordinal) ? key : prefix + key;
                _originalOf[mapped] = key;
                shapes[mapped] = shape;
            }
            Shapes = shapes;
        }

        public string Description => _inner.Description;
        public IReadOnlyDictionary<string, long[]> Shapes { get; }
        public void CopyInto(string name, Tensor destination) => _inner.CopyInto(_originalOf[name], destination);
    }
}
