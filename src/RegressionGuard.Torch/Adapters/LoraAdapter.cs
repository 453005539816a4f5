using System.Text.Json;
using System.Text.RegularExpressions;
using RegressionGuard.Torch.Checkpoints;
using RegressionGuard.Torch.Models.Shared;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RegressionGuard.Torch.Adapters;

/// <summary>
/// A LoRA adapter in Hugging Face PEFT's layout: a folder with <c>adapter_config.json</c> and
/// <c>adapter_model.safetensors</c> whose keys are <c>base_model.model.&lt;module path&gt;.lora_A.weight</c> (r, in)
/// and <c>….lora_B.weight</c> (out, r). Attached to a model, each targeted layer computes
/// y = W·x + (lora_alpha / r)·B·A·x on the fly; <see cref="Merge"/> folds the update into W.
/// </summary>
public sealed class LoraAdapter : IDisposable
{
    public const string ConfigFile = "adapter_config.json";
    public const string WeightsFile = "adapter_model.safetensors";
    const string Prefix = "base_model.model.";

    readonly Dictionary<string, (ILoraHost Host, LoraBranch Branch)> _branches;

    LoraAdapter(LoraConfig config, Dictionary<string, (ILoraHost, LoraBranch)> branches)
    {
        Config = config;
        _branches = branches;
    }

    public LoraConfig Config { get; }

    /// <summary>Module paths (e.g. <c>model.layers.0.self_attn.q_proj</c>) that carry a branch.</summary>
    public IReadOnlyCollection<string> ModulePaths => _branches.Keys;

    public IEnumerable<Parameter> Parameters() => NamedParameters().Select(p => p.Weight);

    public long TrainableParameters => Parameters().Sum(p => p.NumberOfElements);

    public static bool IsAdapterFolder(string path) => Directory.Exists(path) && File.Exists(Path.Combine(path, ConfigFile));

    public static LoraConfig ReadConfig(string folder)
    {
        var file = Path.Combine(folder, ConfigFile);
        try
        {
            var config = JsonSerializer.Deserialize<LoraConfig>(File.ReadAllText(file), new JsonSerializerOptions { AllowTrailingCommas = true, ReadCommentHandling = JsonCommentHandling.Skip })
                         ?? throw new CheckpointException($"{file}: empty adapter config");
            var errors = config.Validate();
            if (errors.Count > 0)
            {
                throw new CheckpointException($"{file}: unsupported adapter: {string.Join("; ", errors)}");
            }

            return config;
        }
        catch (JsonException e)
        {
            throw new CheckpointException($"{file}:{e.LineNumber + 1}:{e.BytePositionInLine + 1}: invalid adapter config: {e.Message}", e);
        }
    }

    /// <summary>Every LoRA-capable layer of <paramref name="model"/> the config targets, by module path.</summary>
    public static List<(string Path, ILoraHost Host)> Targets(ICausalTransformer model, LoraConfig config, string where)
    {
        var (names, regex) = config.Targets(where);
        var hosts = model.Module.named_modules().Where(m => m.module is ILoraHost).Select(m => (m.name, (ILoraHost)m.module)).ToList();
        var matched = hosts.Where(h => regex is not null
            ? Regex.IsMatch(h.name, $"^(?:{regex})$")
            : names.Any(n => h.name == n || h.name.EndsWith("." + n, StringComparison.Ordinal))).ToList();
        if (matched.Count == 0)
        {
            var available = hosts.Select(h => h.name[(h.name.LastIndexOf('.') + 1)..]).Distinct().Order(StringComparer.Ordinal);
            throw new CheckpointException($"{where}: target_modules {(regex ?? string.Join(", ", names))} match no layer of this {model.Architecture}; adaptable layers: {string.Join(", ", available)}");
        }
        return matched;
    }

    /// <summary>Creates a fresh adapter (B = 0) on the targeted layers, for training.</summary>
    public static LoraAdapter Create(ICausalTransformer model, LoraConfig config, int seed)
    {
        var errors = config.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException($"invalid LoRA settings: {string.Join("; ", errors)}");
        }

        manual_seed(seed);
        var dtype = model.Module.parameters().First().dtype;
        var device = model.Module.parameters().First().device;
        var branches = new Dictionary<string, (ILoraHost, LoraBranch)>(StringComparer.Ordinal);
        foreach (var (path, host) in Targets(model, config, "LoRA settings"))
        {
            var branch = new LoraBranch(host.InFeatures, host.OutFeatures, config.R, config.LoraAlpha, config.LoraDropout, config.UseRsLora, dtype, device);
            host.AttachLora(branch);
            branches[path] = (host, branch);
        }
        return new LoraAdapter(config, branches);
    }

    /// <summary>Loads a PEFT adapter folder onto <paramref name="model"/>; every mismatch is reported together.</summary>
    public static LoraAdapter Load(string folder, ICausalTransformer model)
    {
        var config = ReadConfig(folder);
        var weights = Path.Combine(folder, WeightsFile);
        if (!File.Exists(weights))
        {
            throw new CheckpointException($"{folder}: no {WeightsFile} (PyTorch adapter_model.bin pickles are not loaded: save the adapter with safe_serialization=True)");
        }

        using var file = SafetensorsFile.Open(weights);
        var targets = Targets(model, config, Path.Combine(folder, ConfigFile)).ToDictionary(t => t.Path, t => t.Host, StringComparer.Ordinal);
        var hostsByPath = model.Module.named_modules().Where(m => m.module is ILoraHost).ToDictionary(m => m.name, m => (ILoraHost)m.module, StringComparer.Ordinal);

        var found = new Dictionary<string, (string? A, string? B)>(StringComparer.Ordinal);
        var problems = new List<string>();
        foreach (var key in file.Entries.Keys.Order(StringComparer.Ordinal))
        {
            var match = Regex.Match(key, @"^(?:base_model\.model\.)?(.+)\.lora_([AB])(?:\.default)?\.weight$");
            if (!match.Success)
            {
                problems.Add($"unexpected tensor '{key}' (expected <module>.lora_A.weight / <module>.lora_B.weight)");
                continue;
            }
            var path = match.Groups[1].Value;
            var entry = found.TryGetValue(path, out var e) ? e : (null, null);
            found[path] = match.Groups[2].Value == "A" ? (key, entry.B) : (entry.A, key);
        }
        foreach (var (path, (a, b)) in found.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            if (!hostsByPath.TryGetValue(path, out var host))
            {
                problems.Add($"'{path}' is not an adaptable layer of the base model ({model.Architecture})");
                continue;
            }
            if (!targets.ContainsKey(path))
            {
                problems.Add($"'{path}' has weights but is not in target_modules");
            }

            if (a is null || b is null)
            {
                problems.Add($"'{path}' has only lora_{(a is null ? "B" : "A")}");
                continue;
            }
            var shapeA = file.Entries[a].Shape;
            var shapeB = file.Entries[b].Shape;
            if (!shapeA.SequenceEqual(new long[] { config.R, host.InFeatures }))
            {
                problems.Add($"{a}: expected [{config.R}, {host.InFeatures}] (r, in), found [{string.Join(", ", shapeA)}]");
            }

            if (!shapeB.SequenceEqual(new long[] { host.OutFeatures, config.R }))
            {
                problems.Add($"{b}: expected [{host.OutFeatures}, {config.R}] (out, r), found [{string.Join(", ", shapeB)}]");
            }
        }
        foreach (var path in targets.Keys.Where(p => !found.ContainsKey(p)).Order(StringComparer.Ordinal))
        {
            problems.Add($"'{path}' is targeted but has no lora_A/lora_B weights");
        }

        if (problems.Count > 0)
        {
            throw new CheckpointException($"{folder}: adapter does not match the base model:{Environment.NewLine}  {string.Join(Environment.NewLine + "  ", problems)}");
        }

        var dtype = model.Module.parameters().First().dtype;
        var device = model.Module.parameters().First().device;
        var branches = new Dictionary<string, (ILoraHost, LoraBranch)>(StringComparer.Ordinal);
        using (no_grad())
        {
            foreach (var (path, (a, b)) in found)
            {
                var host = hostsByPath[path];
                var branch = new LoraBranch(host.InFeatures, host.OutFeatures, config.R, config.LoraAlpha, 0, config.UseRsLora, dtype, device);
                using (var ta = file.Read(a!))
                {
                    branch.A.weight!.copy_(ta);
                }

                using (var tb = file.Read(b!))
                {
                    branch.B.weight!.copy_(tb);
                }

                host.AttachLora(branch);
                branches[path] = (host, branch);
            }
        }
        return new LoraAdapter(config, branches);
    }

    /// <summary>Writes the adapter in PEFT's layout (keys prefixed base_model.model., fp32 or the training dtype).</summary>
    public void Save(string folder, IReadOnlyDictionary<string, object>? regressionGuardMetadata = null)
    {
        Directory.CreateDirectory(folder);
        var tensors = new List<KeyValuePair<string, Tensor>>();
        foreach (var (path, (_, branch)) in _branches)
        {
            tensors.Add(new($"{Prefix}{path}.lora_A.weight", branch.A.weight!));
            tensors.Add(new($"{Prefix}{path}.lora_B.weight", branch.B.weight!));
        }
        SafetensorsFile.Write(Path.Combine(folder, WeightsFile), tensors, new Dictionary<string, string> { ["format"] = "pt" });
        var config = Config with
        {
            TargetModules = JsonSerializer.SerializeToElement(_branches.Keys.Select(p => p[(p.LastIndexOf('.') + 1)..]).Distinct().Order(StringComparer.Ordinal).ToArray()),
            FanInFanOut = _branches.Values.Any(b => b.Host is Models.Gpt2.Conv1D),
            RegressionGuard = regressionGuardMetadata is null ? Config.RegressionGuard : JsonSerializer.SerializeToElement(regressionGuardMetadata),
        };
        var json = JsonSerializer.Serialize(config, new JsonSerializerOptions { WriteIndented = true, DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull });
        File.WriteAllText(Path.Combine(folder, ConfigFile), json + "\n");
    }

    /// <summary>Switches the branches' dropout between training and evaluation.</summary>
    public void SetTraining(bool training)
    {
        foreach (var (_, branch) in _branches.Values)
        {
            branch.Dropout?.train(training);
        }
    }

    /// <summary>The A and B weights in module-path order (the order <see cref="Parameters"/> uses).</summary>
    public IReadOnlyList<(string Key, Parameter Weight)> NamedParameters() =>
        _branches.SelectMany(kv => new[] { ($"{Prefix}{kv.Key}.lora_A.weight", kv.Value.Branch.A.weight!), ($"{Prefix}{kv.Key}.lora_B.weight", kv.Value.Branch.B.weight!) }).ToList();

    /// <summary>Copies weights saved by <see cref="Save"/> (same targets and rank) into this adapter's branches.</summary>
    public void LoadWeights(string folder)
    {
        using var file = SafetensorsFile.Open(Path.Combine(folder, WeightsFile));
        using (no_grad())
        {
            foreach (var (key, weight) in NamedParameters())
            {
                using var stored = file.Read(key);
                weight.copy_(stored);
            }
        }
    }

    /// <summary>Folds every branch into its base weight (W += (alpha / r)·B·A) and detaches the branches.</summary>
    public void Merge()
    {
        foreach (var (host, _) in _branches.Values)
        {
            host.MergeLora();
        }
    }

    public void Dispose()
    {
        foreach (var (_, branch) in _branches.Values)
        {
            branch.A.Dispose();
            branch.B.Dispose();
        }
    }
}
