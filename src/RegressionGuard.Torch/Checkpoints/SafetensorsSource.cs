using System.Text.Json;
using static TorchSharp.torch;

namespace RegressionGuard.Torch.Checkpoints;

/// <summary>The tensors of one model.safetensors, or of the shards named by model.safetensors.index.json.</summary>
public sealed class SafetensorsSource : StateDictLoader.ITensorSource, IDisposable
{
    readonly Dictionary<string, SafetensorsFile> _fileOf = new(StringComparer.Ordinal);
    readonly List<SafetensorsFile> _files = new();
    readonly Dictionary<string, long[]> _shapes = new(StringComparer.Ordinal);

    SafetensorsSource(string description) => Description = description;

    public string Description { get; }
    public IReadOnlyDictionary<string, long[]> Shapes => _shapes;
    public IReadOnlyList<SafetensorsFile> Files => _files;

    /// <summary>Opens model.safetensors or the sharded set in <paramref name="folder"/>; every header is validated first.</summary>
    public static SafetensorsSource OpenFolder(string folder)
    {
        var single = Path.Combine(folder, "model.safetensors");
        var index = Path.Combine(folder, "model.safetensors.index.json");
        if (File.Exists(single))
        {
            return Open(single, new[] { single });
        }

        if (File.Exists(index))
        {
            return Open(index, ShardsOf(index));
        }

        throw new CheckpointException($"{folder}: no weights found: expected model.safetensors or model.safetensors.index.json (PyTorch .bin checkpoints are not loaded: convert them to safetensors)");
    }

    static string[] ShardsOf(string index)
    {
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(index));
            if (!doc.RootElement.TryGetProperty("weight_map", out var map) || map.ValueKind != JsonValueKind.Object)
            {
                throw new CheckpointException($"{index}: missing \"weight_map\" object");
            }

            var dir = Path.GetDirectoryName(Path.GetFullPath(index))!;
            return map.EnumerateObject().Select(p => p.Value.GetString() ?? "").Distinct(StringComparer.Ordinal)
                .Select(f => SafePaths.Within(dir, f, index)).ToArray();
        }
        catch (JsonException e)
        {
            throw new CheckpointException($"{index}: invalid JSON: {e.Message}", e);
        }
    }

    static SafetensorsSource Open(string description, IEnumerable<string> paths)
    {
        var source = new SafetensorsSource(description);
        try
        {
            foreach (var path in paths)
            {
                var file = SafetensorsFile.Open(path);
                source._files.Add(file);
                foreach (var entry in file.Entries.Values)
                {
                    if (!source._fileOf.TryAdd(entry.Name, file))
                    {
                        throw new CheckpointException($"{description}: tensor '{entry.Name}' appears in both {source._fileOf[entry.Name].Path} and {path}");
                    }

                    source._shapes[entry.Name] = entry.Shape;
                }
            }
            return source;
        }
        catch
        {
            source.Dispose();
            throw;
        }
    }

    public void CopyInto(string name, Tensor destination)
    {
        var file = _fileOf[name];
        var entry = file.Entries[name];
        if (ScalarTypeOf(entry.DType) == destination.dtype && destination.is_contiguous())
        {
            file.ReadInto(entry, destination);
            return;
        }
        using var stored = file.Read(name);
        destination.copy_(stored);
    }

    /// <summary>Reads one tensor as stored (caller owns it).</summary>
    public Tensor Read(string name) => _fileOf.TryGetValue(name, out var file)
        ? file.Read(name)
        : throw new CheckpointException($"{Description}: no tensor named '{name}'");

    static ScalarType ScalarTypeOf(string dtype) => dtype switch
    {
        "F32" => ScalarType.Float32,
        "BF16" => ScalarType.BFloat16,
        "F16" => ScalarType.Float16,
        "F64" => ScalarType.Float64,
        _ => ScalarType.Byte,
    };

    public void Dispose()
    {
        foreach (var f in _files)
        {
            f.Dispose();
        }
    }
}
