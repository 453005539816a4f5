using System.Text.Json;

namespace RegressionGuard.Law;

/// <summary>
/// P and N of a fine-tuned checkpoint, from the metadata RegressionGuard writes next to it:
/// <list type="bullet">
/// <item>a full checkpoint's <c>regressionguard.json</c>: <c>{"P": 65536, "N": 200, "l_ft": 2.1, …}</c>;</item>
/// <item>a PEFT adapter's <c>adapter_config.json</c>, key <c>regressionguard</c>: <c>{"regressionguard": {"P": …, "N": …}}</c>.</item>
/// </list>
/// </summary>
/// <param name="P">Trainable non-embedding parameters.</param>
/// <param name="N">Optimizer steps taken.</param>
/// <param name="LFt">The fine-tuning loss recorded with the checkpoint (<c>l_ft</c>), when it is a number.</param>
/// <param name="Source">The file the numbers were read from.</param>
public sealed record CheckpointScale(long P, long N, double? LFt, string Source)
{
    /// <summary>The metadata file of a full checkpoint.</summary>
    public const string MetadataFile = "regressionguard.json";

    /// <summary>The PEFT adapter configuration file.</summary>
    public const string AdapterConfigFile = "adapter_config.json";

    /// <summary>The key of RegressionGuard's object in <see cref="AdapterConfigFile"/>.</summary>
    public const string AdapterKey = "regressionguard";

    const string HowToSupply = "give P and N in the gate config's forgetting block instead: 'P: <n>' (trainable non-embedding parameters) and 'N: <n>' (optimizer steps)";

    /// <summary>Reads P and N of the checkpoint in <paramref name="checkpointFolder"/>.</summary>
    /// <exception cref="LawException">No metadata, unreadable JSON, or P/N missing or not positive integers; the message
    /// names the file and says how to supply P and N instead.</exception>
    public static CheckpointScale Read(string checkpointFolder)
    {
        ArgumentNullException.ThrowIfNull(checkpointFolder);
        if (!Directory.Exists(checkpointFolder))
        {
            throw new LawException($"{checkpointFolder}: checkpoint folder not found");
        }

        var metadata = Path.Combine(checkpointFolder, MetadataFile);
        if (File.Exists(metadata))
        {
            using var document = Parse(metadata);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new LawException($"{metadata}: expected a JSON object with \"P\" and \"N\"; {HowToSupply}");
            }

            return FromObject(document.RootElement, metadata, "");
        }
        var adapter = Path.Combine(checkpointFolder, AdapterConfigFile);
        if (File.Exists(adapter))
        {
            using var document = Parse(adapter);
            if (document.RootElement.ValueKind != JsonValueKind.Object
                || !document.RootElement.TryGetProperty(AdapterKey, out var scale))
            {
                throw new LawException($"{adapter}: no '{AdapterKey}' object with P and N (the adapter was not written by RegressionGuard's fine-tuner); add \"{AdapterKey}\": {{\"P\": <n>, \"N\": <n>}} to it, or {HowToSupply}");
            }

            if (scale.ValueKind != JsonValueKind.Object)
            {
                throw new LawException($"{adapter}: '{AdapterKey}' must be an object {{\"P\": <n>, \"N\": <n>}}, got a JSON {Kind(scale)}; {HowToSupply}");
            }

            return FromObject(scale, adapter, AdapterKey + ".");
        }
        throw new LawException($"{checkpointFolder}: no RegressionGuard scale metadata: neither '{MetadataFile}' (full checkpoint, {{\"P\": <n>, \"N\": <n>}}) nor '{AdapterConfigFile}' with a '{AdapterKey}' object (PEFT adapter) is there; {HowToSupply}");
    }

    static JsonDocument Parse(string file)
    {
        try
        {
            return JsonDocument.Parse(File.ReadAllText(file), new JsonDocumentOptions { AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            throw new LawException($"{file}:{(e.LineNumber ?? 0) + 1}:{(e.BytePositionInLine ?? 0) + 1}: invalid JSON ({e.Message.Split(" LineNumber", 2)[0].TrimEnd('.', ' ')}); {HowToSupply}", e);
        }
    }

    static CheckpointScale FromObject(JsonElement element, string file, string prefix)
    {
        long p = Count(element, "P", file, prefix, "trainable non-embedding parameters");
        long n = Count(element, "N", file, prefix, "optimizer steps");
        double? lft = element.TryGetProperty("l_ft", out var l) && l.ValueKind == JsonValueKind.Number && l.TryGetDouble(out var v) && double.IsFinite(v) ? v : null;
        return new CheckpointScale(p, n, lft, file);
    }

    static long Count(JsonElement element, string key, string file, string prefix, string what)
    {
        if (!element.TryGetProperty(key, out var value))
        {
            throw new LawException($"{file}: '{prefix}{key}' ({what}) is missing; {HowToSupply}");
        }

        if (value.ValueKind == JsonValueKind.Number)
        {
            if (value.TryGetInt64(out long integer) && integer > 0)
            {
                return integer;
            }

            if (value.TryGetDouble(out double d) && d > 0 && d <= long.MaxValue && Math.Floor(d) == d)
            {
                return (long)d;
            }
        }
        throw new LawException($"{file}: '{prefix}{key}' ({what}) must be a positive integer, got {value.GetRawText()}; {HowToSupply}");
    }

    static string Kind(JsonElement element) => element.ValueKind.ToString().ToLowerInvariant();
}
