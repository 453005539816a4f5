using System.Buffers.Binary;
using System.Text.Json;
using TorchSharp;
using static TorchSharp.torch;

namespace RegressionGuard.Torch.Checkpoints;

/// <summary>One tensor's entry in a safetensors header.</summary>
public sealed record SafetensorsEntry(string Name, string DType, long[] Shape, long Begin, long End)
{
    public long ElementCount => Shape.Aggregate(1L, (a, b) => a * b);
}

/// <summary>
/// Reads a <c>.safetensors</c> file: an 8-byte little-endian header length, a JSON header naming every tensor's dtype,
/// shape and byte range, then the raw data. The header is validated completely before any tensor is read (ranges
/// inside the file, no overlaps, sizes that match shape × dtype), so a corrupt or truncated file is reported up front.
/// Tensors are read straight into TorchSharp storage, one at a time; nothing is unpickled or executed.
/// </summary>
public sealed class SafetensorsFile : IDisposable
{
    const long MaxHeaderBytes = 100L * 1024 * 1024;
    static readonly Dictionary<string, (ScalarType Type, int Size)> DTypes = new()
    {
        ["F32"] = (ScalarType.Float32, 4),
        ["BF16"] = (ScalarType.BFloat16, 2),
        ["F16"] = (ScalarType.Float16, 2),
        ["F64"] = (ScalarType.Float64, 8),
        ["I64"] = (ScalarType.Int64, 8),
        ["I32"] = (ScalarType.Int32, 4),
        ["I8"] = (ScalarType.Int8, 1),
        ["U8"] = (ScalarType.Byte, 1),
        ["BOOL"] = (ScalarType.Bool, 1),
    };

    readonly FileStream _stream;
    readonly long _dataStart;

    SafetensorsFile(string path, FileStream stream, long dataStart, Dictionary<string, SafetensorsEntry> entries, Dictionary<string, string> metadata)
    {
        Path = path;
        _stream = stream;
        _dataStart = dataStart;
        Entries = entries;
        Metadata = metadata;
    }

    public string Path { get; }
    public IReadOnlyDictionary<string, SafetensorsEntry> Entries { get; }
    public IReadOnlyDictionary<string, string> Metadata { get; }

    public static SafetensorsFile Open(string path)
    {
        if (!File.Exists(path))
        {
            throw new CheckpointException($"{path}: safetensors file not found");
        }

        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        try
        {
            return Parse(path, stream);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    static SafetensorsFile Parse(string path, FileStream stream)
    {
        long length = stream.Length;
        if (length < 8)
        {
            throw new CheckpointException($"{path}: not a safetensors file: {length} bytes, shorter than the 8-byte header length");
        }

        Span<byte> prefix = stackalloc byte[8];
        stream.ReadExactly(prefix);
        long headerLength = (long)BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (headerLength <= 0 || headerLength > MaxHeaderBytes || 8 + headerLength > length)
        {
            throw new CheckpointException($"{path}: corrupt or truncated safetensors file: header length {headerLength} bytes but the file has {length} bytes");
        }

        var header = new byte[headerLength];
        stream.ReadExactly(header);
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(header);
        }
        catch (JsonException e)
        {
            throw new CheckpointException($"{path}: corrupt safetensors header (invalid JSON at byte {e.BytePositionInLine}): {e.Message}", e);
        }

        long dataStart = 8 + headerLength;
        long dataLength = length - dataStart;
        var entries = new Dictionary<string, SafetensorsEntry>(StringComparer.Ordinal);
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new CheckpointException($"{path}: corrupt safetensors header: expected a JSON object, got {doc.RootElement.ValueKind}");
            }

            foreach (var property in doc.RootElement.EnumerateObject())
            {
                if (property.Name == "__metadata__")
                {
                    if (property.Value.ValueKind == JsonValueKind.Object)
                    {
                        foreach (var m in property.Value.EnumerateObject())
                        {
                            metadata[m.Name] = m.Value.ValueKind == JsonValueKind.String ? m.Value.GetString()! : m.Value.GetRawText();
                        }
                    }

                    continue;
                }
                entries[property.Name] = ParseEntry(path, property);
            }
        }

        long expectedStart = 0;
        foreach (var entry in entries.Values.OrderBy(e => e.Begin))
        {
            if (entry.Begin != expectedStart)
            {
                throw new CheckpointException($"{path}: corrupt safetensors header: tensor '{entry.Name}' starts at byte {entry.Begin} of the data, expected {expectedStart} (gap or overlap)");
            }

            expectedStart = entry.End;
        }
        if (expectedStart > dataLength)
        {
            var cut = entries.Values.Where(e => e.End > dataLength).Select(e => e.Name).Order(StringComparer.Ordinal).ToList();
            throw new CheckpointException($"{path}: truncated safetensors file: the header needs {expectedStart} data bytes but the file holds {dataLength}; incomplete tensors: {string.Join(", ", cut)}");
        }
        return new SafetensorsFile(path, stream, dataStart, entries, metadata);
    }

    static SafetensorsEntry ParseEntry(string path, JsonProperty property)
    {
        string where = $"{path}: corrupt safetensors header: tensor '{property.Name}'";
        var v = property.Value;
        if (v.ValueKind != JsonValueKind.Object
            || !v.TryGetProperty("dtype", out var dtypeEl) || dtypeEl.ValueKind != JsonValueKind.String
            || !v.TryGetProperty("shape", out var shapeEl) || shapeEl.ValueKind != JsonValueKind.Array
            || !v.TryGetProperty("data_offsets", out var offEl) || offEl.ValueKind != JsonValueKind.Array || offEl.GetArrayLength() != 2)
        {
            throw new CheckpointException($"{where} needs \"dtype\" (string), \"shape\" (array) and \"data_offsets\" ([begin, end])");
        }

        string dtype = dtypeEl.GetString()!;
        if (!DTypes.TryGetValue(dtype, out var info))
        {
            throw new CheckpointException($"{where} has dtype '{dtype}'; supported: {string.Join(", ", DTypes.Keys)}");
        }

        var shape = shapeEl.EnumerateArray().Select(e => e.TryGetInt64(out var d) && d >= 0 ? d : throw new CheckpointException($"{where} has a shape entry {e.GetRawText()} that is not a non-negative integer")).ToArray();
        long begin = offEl[0].GetInt64(), end = offEl[1].GetInt64();
        long elements = shape.Aggregate(1L, (a, b) => a * b);
        if (begin < 0 || end < begin || end - begin != elements * info.Size)
        {
            throw new CheckpointException($"{where} has data_offsets [{begin}, {end}] ({end - begin} bytes) but shape [{string.Join(", ", shape)}] × {dtype} needs {elements * info.Size} bytes");
        }

        return new SafetensorsEntry(property.Name, dtype, shape, begin, end);
    }

    /// <summary>Reads one tensor in its stored dtype (a fresh CPU tensor owned by the caller).</summary>
    public Tensor Read(string name)
    {
        if (!Entries.TryGetValue(name, out var entry))
        {
            throw new CheckpointException($"{Path}: no tensor named '{name}'");
        }

        var tensor = empty(entry.Shape, DTypes[entry.DType].Type);
        try
        {
            ReadInto(entry, tensor);
            return tensor;
        }
        catch
        {
            tensor.Dispose();
            throw;
        }
    }

    /// <summary>Reads one tensor straight into <paramref name="destination"/> (same dtype, contiguous CPU storage).</summary>
    public void ReadInto(SafetensorsEntry entry, Tensor destination)
    {
        if (destination.dtype != DTypes[entry.DType].Type || !destination.is_contiguous() || destination.NumberOfElements != entry.ElementCount)
        {
            throw new ArgumentException($"destination for '{entry.Name}' must be a contiguous {entry.DType} tensor of {entry.ElementCount} elements", nameof(destination));
        }

        if (entry.End == entry.Begin)
        {
            return;
        }

        lock (_stream)
        {
            _stream.Position = _dataStart + entry.Begin;
            var span = destination.bytes;
            _stream.ReadExactly(span);
        }
    }

    public void Dispose() => _stream.Dispose();

    /// <summary>Writes tensors as F32/BF16/F16 (whatever each tensor's dtype is) to <paramref name="path"/>, atomically.</summary>
    public static void Write(string path, IEnumerable<KeyValuePair<string, Tensor>> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var list = tensors.OrderBy(kv => kv.Key, StringComparer.Ordinal).ToList();
        var header = new Dictionary<string, object>(StringComparer.Ordinal);
        if (metadata is { Count: > 0 })
        {
            header["__metadata__"] = metadata;
        }

        long offset = 0;
        foreach (var (name, t) in list)
        {
            var dtype = DTypes.FirstOrDefault(d => d.Value.Type == t.dtype).Key
                ?? throw new ArgumentException($"tensor '{name}' has dtype {t.dtype}, which safetensors writing does not support here");
            long bytes = t.NumberOfElements * DTypes[dtype].Size;
            header[name] = new { dtype, shape = t.shape, data_offsets = new[] { offset, offset + bytes } };
            offset += bytes;
        }
        var json = JsonSerializer.SerializeToUtf8Bytes(header);
        int padded = (json.Length + 7) / 8 * 8;
        var tmp = path + $".tmp-{Environment.ProcessId}";
        using (var fs = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
        {
            Span<byte> len = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(len, (ulong)padded);
            fs.Write(len);
            fs.Write(json);
            for (int i = json.Length; i < padded; i++)
            {
                fs.WriteByte((byte)' ');
            }

            foreach (var (_, t) in list)
            {
                using var c = t.detach().cpu().contiguous();
                fs.Write(c.bytes);
            }
        }
        File.Move(tmp, path, overwrite: true);
    }
}
