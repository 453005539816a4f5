using System.Text.Json;
using System.Text.Json.Nodes;
using RegressionGuard.Torch.Checkpoints;
using static TorchSharp.torch;

namespace RegressionGuard.Torch.Models.Shared;

/// <summary>
/// A model family as one unit: which config.json <c>architectures</c> / <c>model_type</c> values it reads, how a
/// config becomes a module (<see cref="Read"/>), which checkpoint keys may be ignored, its LoRA target names, its
/// Half Fine-Tuning parameter groups and which parameters are embeddings or the head. Each family lives in its own
/// folder (<c>Models/Llama</c>, <c>Models/Gpt2</c>, …) and is listed once in <see cref="ModelFamilies"/>.
/// </summary>
public abstract class ModelFamily
{
    /// <summary>Short name, e.g. "llama".</summary>
    public abstract string Name { get; }

    /// <summary>config.json <c>architectures[0]</c> values this family loads.</summary>
    public abstract IReadOnlyList<string> Architectures { get; }

    /// <summary>config.json <c>model_type</c> values this family loads (used when <c>architectures</c> is absent), each with its architecture.</summary>
    public abstract IReadOnlyDictionary<string, string> ModelTypes { get; }

    /// <summary>Every linear layer LoRA can adapt, by the family's own module names (PEFT's <c>target_modules</c>).</summary>
    public abstract IReadOnlyList<string> LoraTargets { get; }

    /// <summary>The parameter groups Half Fine-Tuning chooses from.</summary>
    public abstract HalfFineTuningGroups HalfFineTuning { get; }

    /// <summary>
    /// Reads and validates a config.json (all problems at once, as a <see cref="CheckpointException"/> naming the file)
    /// and returns how to build the module and load its checkpoint.
    /// </summary>
    public abstract ModelBlueprint Read(JsonElement config, string configPath);

    /// <summary>
    /// The config.json a loaded model of this family is written with (<see cref="HfFolderWriter"/>); the tokenizer's
    /// BOS/EOS ids fill the config's own when it has none.
    /// </summary>
    public abstract JsonObject WriteConfig(ICausalTransformer model, int? bosId, int? eosId);

    /// <summary>Whether a parameter is a token/position embedding or the LM head (excluded from P; trained only on request).</summary>
    public bool IsEmbedding(string parameterName) =>
        HalfFineTuning.Embeddings.Any(e => parameterName.StartsWith(e + ".", StringComparison.Ordinal));

    public override string ToString() => Name;

    /// <summary>All problems with a config at once, or nothing.</summary>
    protected static void ThrowIfInvalid(string configPath, IReadOnlyList<string> errors)
    {
        if (errors.Count > 0)
        {
            throw new CheckpointException($"{configPath}: invalid config: {string.Join("; ", errors)}");
        }
    }

    /// <summary>config.json as the record <typeparamref name="T"/> (keys by [JsonPropertyName]); type errors name the JSON path.</summary>
    protected static T Deserialize<T>(JsonElement config, string configPath)
    {
        try
        {
            return ConfigJson.Normalize(config).Deserialize<T>(ConfigJson.Options) ?? throw new CheckpointException($"{configPath}: empty config");
        }
        catch (JsonException e)
        {
            throw new CheckpointException($"{configPath}: config value of the wrong type at {e.Path}: {e.Message}", e);
        }
    }
}

/// <summary>What <see cref="ModelFamily.Read"/> returns: a constructor for the module and the family's checkpoint-key rules.</summary>
/// <param name="Create">Builds the module (parameters in the current default dtype) with its rotary tables on the device.</param>
/// <param name="IsIgnorable">Checkpoint keys that may be present without a parameter (saved buffers, a tied head's copy).</param>
/// <param name="MapKeys">Presents the checkpoint under the module's key names (identity for most families).</param>
public sealed record ModelBlueprint(
    Func<Device, ICausalTransformer> Create,
    Func<string, bool> IsIgnorable,
    Func<StateDictLoader.ITensorSource, StateDictLoader.ITensorSource>? MapKeys = null);

/// <summary>
/// Half Fine-Tuning's view of a family's parameter names: per layer (<see cref="LayerPrefix"/><c>{i}.</c>) the
/// attention, feed-forward and norm modules by their path within the layer, the final norm and the embeddings/head
/// (module paths; a module's weight and bias go together).
/// </summary>
/// <param name="Scheme">Name written into the selection file (e.g. "llama").</param>
/// <param name="DisplayName">Name used in messages (e.g. "Llama-family").</param>
public sealed record HalfFineTuningGroups(
    string Scheme,
    string DisplayName,
    string LayerPrefix,
    IReadOnlyList<string> Attention,
    IReadOnlyList<string> FeedForward,
    IReadOnlyList<string> Norms,
    string FinalNorm,
    IReadOnlyList<string> Embeddings);

/// <summary>JSON settings for config.json: comments and trailing commas allowed.</summary>
public static class ConfigJson
{
    public static readonly JsonSerializerOptions Options = new() { ReadCommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    /// <summary>
    /// transformers 5 writes RoPE settings as one <c>rope_parameters</c> object (rope_theta, rope_type, the variant's
    /// keys, partial_rotary_factor) instead of top-level <c>rope_theta</c> / <c>partial_rotary_factor</c> and
    /// <c>rope_scaling</c>. This returns the config in the older layout (top-level keys win where both are set) so
    /// every family reads one layout and no RoPE setting is silently dropped.
    /// </summary>
    public static JsonElement Normalize(JsonElement config)
    {
        if (config.ValueKind != JsonValueKind.Object || !config.TryGetProperty("rope_parameters", out var rope) || rope.ValueKind != JsonValueKind.Object)
        {
            return config;
        }

        var node = JsonNode.Parse(config.GetRawText())!.AsObject();
        var parameters = JsonNode.Parse(rope.GetRawText())!.AsObject();
        node.Remove("rope_parameters");
        foreach (var key in new[] { "rope_theta", "partial_rotary_factor" })
        {
            if (parameters[key] is { } value)
            {
                parameters.Remove(key);
                if (!node.ContainsKey(key))
                {
                    node[key] = value;
                }
            }
        }

        string? type = (parameters["rope_type"] ?? parameters["type"])?.GetValue<string>();
        if (type is not (null or "default") && (!node.ContainsKey("rope_scaling") || node["rope_scaling"] is null))
        {
            node["rope_scaling"] = parameters;
        }

        return JsonDocument.Parse(node.ToJsonString()).RootElement;
    }
}
