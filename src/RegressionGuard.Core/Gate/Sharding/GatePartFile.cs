using System.Reflection;
using System.Text.Json;
using RegressionGuard.Reports;

namespace RegressionGuard.Gate.Sharding;

/// <summary>Reads and writes <see cref="GatePart.FileName"/> in a part folder (the JSON options of <c>report.json</c>).</summary>
public static class GatePartFile
{
    /// <summary>Writes the part into <paramref name="folder"/> (created), atomically; returns its path.</summary>
    public static string Write(GatePart part, string folder)
    {
        ArgumentNullException.ThrowIfNull(part);
        ArgumentException.ThrowIfNullOrEmpty(folder);
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, GatePart.FileName);
        ReportFiles.WriteAtomically(path, JsonSerializer.Serialize(part, ReportJson.Options) + "\n");
        return path;
    }

    /// <summary>The part in <paramref name="folder"/>.</summary>
    /// <exception cref="GatePartException">no folder, no part in it, or a file that is not a complete part of this version.</exception>
    public static GatePart Read(string folder)
    {
        ArgumentNullException.ThrowIfNull(folder);
        var full = Path.GetFullPath(folder);
        if (!Directory.Exists(full))
        {
            throw new GatePartException(File.Exists(full)
                ? $"{full}: a file, not a part folder; give the folders that `gate --shard i/N` wrote (each holds {GatePart.FileName})"
                : $"{full}: part folder not found; give the folders that `gate --shard i/N` wrote (each holds {GatePart.FileName})");
        }

        var path = Path.Combine(full, GatePart.FileName);
        if (!File.Exists(path))
        {
            throw new GatePartException($"{full}: no {GatePart.FileName} in this folder; is it the output of `gate --shard i/N`?");
        }

        try
        {
            return Parse(File.ReadAllText(path));
        }
        catch (Exception e) when (e is JsonException or InvalidDataException or NotSupportedException)
        {
            throw new GatePartException($"{path}: {e.Message}", e);
        }
    }

    /// <summary>A part from its JSON; format, version and every required member are checked.</summary>
    public static GatePart Parse(string json)
    {
        using (var document = JsonDocument.Parse(json))
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("format", out var format) || format.ValueKind != JsonValueKind.String
                || format.GetString() != GatePart.CurrentFormat)
            {
                throw new InvalidDataException($"not a gate part: no \"format\": \"{GatePart.CurrentFormat}\"");
            }

            if (!root.TryGetProperty("version", out var version) || version.ValueKind != JsonValueKind.Number || !version.TryGetInt32(out int found) || found != GatePart.CurrentVersion)
            {
                throw new InvalidDataException($"unsupported gate part version {(root.TryGetProperty("version", out var v) ? v.ToString() : "(none)")}: this version of RegressionGuard reads version {GatePart.CurrentVersion}; write every part and merge them with one version");
            }
        }
        var part = JsonSerializer.Deserialize<GatePart>(json, ReportJson.Options) ?? throw new InvalidDataException("not a gate part: the JSON is null");
        ReportJson.RequireValues(part, "part", new NullabilityInfoContext(), depth: 0, what: "gate part");
        if (part.Shards < 1 || part.Shard < 1 || part.Shard > part.Shards)
        {
            throw new InvalidDataException($"shard {part.Shard}/{part.Shards} is not a shard i/N with 1 ≤ i ≤ N");
        }

        return part;
    }
}

/// <summary>A part folder that cannot be read, or parts that do not make one gate (exit 2).</summary>
public sealed class GatePartException : IOException
{
    public GatePartException(string message) : base(message)
    {
    }

    public GatePartException(string message, Exception inner) : base(message, inner)
    {
    }
}
