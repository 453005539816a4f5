using System.Text.Json;
using RegressionGuard.Torch.Adapters;
using RegressionGuard.Torch.Checkpoints;
using RegressionGuard.Torch.Models;
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
    public static IReadOnlyList<string> SupportedArchitectures => ModelFamilies.Architectures;

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
        var (full, device, options) = Prepare(path, compute);
        compute = options;

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
            var model = Build(LlamaFamily.Blueprint(checkpoint.Config), checkpoint, compute, device);
            CheckVocabulary(full, model, tokenizer);
            return new LoadedModel(full, model, tokenizer, compute, new[] { full }, device, tokenizerFile);
        }
        if (File.Exists(full))
        {
            throw new CheckpointException($"{full}: not a model: expected a Hugging Face model folder (config.json + model.safetensors) or a llama2.c checkpoint (.bin)");
        }

        throw new CheckpointException($"{full}: no such model folder or file");
    }

    /// <summary>
    /// Opens a model as <see cref="Load"/> does — config, tokenizer, the weight files' headers, every check — but reads
    /// its weights only when something first runs it (<see cref="LoadedModel.Transformer"/>): a gate whose base results
    /// all come from the cache never loads the base model. The shape comes from the family's own module built on the
    /// meta device (no memory, no data), so it equals the loaded model's. A llama2.c <c>.bin</c> is loaded at once.
    /// </summary>
    public static LoadedModel Open(string path, string? tokenizerPath = null, ComputeOptions? compute = null)
    {
        var full = System.IO.Path.GetFullPath(path);
        if (!Directory.Exists(full) || LoraAdapter.IsAdapterFolder(full))
        {
            return Load(path, tokenizerPath, compute);
        }

        (full, var device, var options) = Prepare(path, compute);
        var tokenizerFile = tokenizerPath ?? TokenizerLoader.FindFileBeside(full);
        var tokenizer = TokenizerLoader.Load(tokenizerFile);
        var shape = ReadShape(full);
        IReadOnlyList<string> files;
        using (var source = SafetensorsSource.OpenFolder(full))
        {
            files = source.Files.Select(f => f.Path).ToArray();
        }

        CheckVocabulary(full, shape.VocabSize, tokenizer);
        return new LoadedModel(full, shape, () => LoadTransformer(full, options, device).Model, tokenizer, options, files, device, tokenizerFile);
    }

    /// <summary>
    /// The shape of a Hugging Face folder's model without reading its weights: the family's module built on the meta
    /// device (no memory, no data), so architecture, vocabulary, context and parameter count are the loaded model's.
    /// </summary>
    public static ModelShape ReadShape(string folder)
    {
        var blueprint = ReadBlueprint(folder);
        using (no_grad())
        {
            using var meta = blueprint.Create(new Device(DeviceType.META));
            return ModelShape.Of(meta);
        }
    }

    /// <summary>The compute options checked (and the thread count applied), the full path and the device.</summary>
    static (string Full, Device Device, ComputeOptions Compute) Prepare(string path, ComputeOptions? compute)
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

        return (System.IO.Path.GetFullPath(path), new Device(compute.Device), compute);
    }

    static LoadedModel LoadHfFolder(string folder, ITokenizer tokenizer, ComputeOptions compute, Device device, string tokenizerFile)
    {
        var (model, files) = LoadTransformer(folder, compute, device);
        CheckVocabulary(folder, model, tokenizer);
        return new LoadedModel(folder, model, tokenizer, compute, files, device, tokenizerFile);
    }

    /// <summary>
    /// The transformer of a Hugging Face folder without a tokenizer (config.json through the family registry, then
    /// the strict checkpoint load), with the weight files it read. Used by <see cref="Load"/> and by reference tests.
    /// </summary>
    public static (ICausalTransformer Model, IReadOnlyList<string> WeightFiles) LoadTransformer(string folder, ComputeOptions compute, Device device)
    {
        var blueprint = ReadBlueprint(folder);
        using var source = SafetensorsSource.OpenFolder(folder);
        var model = Build(blueprint, blueprint.MapKeys?.Invoke(source) ?? source, compute, device);
        return (model, source.Files.Select(f => f.Path).ToArray());
    }

    /// <summary>config.json through the family registry: what to build, without building it.</summary>
    static ModelBlueprint ReadBlueprint(string folder)
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
            : root.TryGetProperty("model_type", out var mt) && mt.GetString() is { } modelType ? ModelFamilies.ArchitectureOfModelType(modelType) ?? modelType : "";
        var family = ModelFamilies.ForArchitecture(architecture)
            ?? throw new CheckpointException($"{configPath}: unsupported architecture '{architecture}'; supported: {string.Join(", ", SupportedArchitectures)}");
        return family.Read(root, configPath);
    }

    static ICausalTransformer Build(ModelBlueprint blueprint, StateDictLoader.ITensorSource source, ComputeOptions compute, Device device)
    {
        var previous = get_default_dtype();
        set_default_dtype(compute.ScalarType); // parameters are born in the compute dtype: no fp32 copy of a bf16 model
        ICausalTransformer model;
        try
        {
            using (no_grad())
            {
                model = blueprint.Create(device);
            }
        }
        finally
        {
            set_default_dtype(previous);
        }
        try
        {
            StateDictLoader.Load(model.Module, source, blueprint.IsIgnorable);
            foreach (var p in model.Module.parameters())
            {
                p.requires_grad = false;
            }

            model.Module.eval();
            if (device.type != DeviceType.CPU)
            {
                model.Module.to(device);
            }

            using (no_grad())
            {
                (model as IFusesProjections)?.FuseProjections(); // after any move: the fused buffers live where the weights do
            }

            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    static void CheckVocabulary(string path, ICausalTransformer model, ITokenizer tokenizer) => CheckVocabulary(path, model.VocabSize, tokenizer);

    static void CheckVocabulary(string path, int vocabSize, ITokenizer tokenizer)
    {
        if (tokenizer.VocabSize > vocabSize)
        {
            throw new CheckpointException($"{path}: the tokenizer ({tokenizer.Name}) has {tokenizer.VocabSize} ids but the model's vocabulary has {vocabSize}; pass the tokenizer that belongs to this model with --tokenizer");
        }
    }
}
