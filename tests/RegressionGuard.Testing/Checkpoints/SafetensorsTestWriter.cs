using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace RegressionGuard.Testing;

/// <summary>How tensor values are stored in a safetensors file written by the test writer.</summary>
public enum StorageDType
{
    /// <summary>IEEE float32, stored exactly.</summary>
    F32,
    /// <summary>bfloat16, rounded to nearest even from float32.</summary>
    BF16,
    /// <summary>IEEE float16 (System.Half), rounded to nearest even from float32.</summary>
    F16,
}

/// <summary>
/// Writes safetensors files (and sharded Hugging Face checkpoints) for tests, independently of the product's reader.
/// Format: u64 little-endian header length N, N bytes of UTF-8 JSON padded with spaces to a multiple of 8,
/// then the tensors laid out contiguously in header order (row-major, little-endian).
/// Every write returns the tensors as they were stored (values rounded to the dtype), for use by the reference forward.
/// </summary>
public static class SafetensorsTestWriter
{
    /// <summary>File name of the Hugging Face index of a sharded checkpoint.</summary>
    public const string IndexFileName = "model.safetensors.index.json";

    /// <summary>File name of a single-file checkpoint.</summary>
    public const string SingleFileName = "model.safetensors";

    /// <summary>The safetensors dtype string: "F32", "BF16" or "F16".</summary>
    public static string DTypeName(StorageDType dtype) => dtype switch
    {
        StorageDType.F32 => "F32",
        StorageDType.BF16 => "BF16",
        StorageDType.F16 => "F16",
        _ => throw new ArgumentOutOfRangeException(nameof(dtype)),
    };

    /// <summary>The config.json <c>torch_dtype</c> string: "float32", "bfloat16" or "float16".</summary>
    public static string TorchDTypeName(StorageDType dtype) => dtype switch
    {
        StorageDType.F32 => "float32",
        StorageDType.BF16 => "bfloat16",
        StorageDType.F16 => "float16",
        _ => throw new ArgumentOutOfRangeException(nameof(dtype)),
    };

    /// <summary>Bytes per element of <paramref name="dtype"/>.</summary>
    public static int ElementSize(StorageDType dtype) => dtype == StorageDType.F32 ? 4 : 2;

    /// <summary>float32 → bfloat16 bits, round to nearest, ties to even; NaN stays a (quiet) NaN.</summary>
    public static ushort ToBFloat16Bits(float value)
    {
        var bits = BitConverter.SingleToUInt32Bits(value);
        if (float.IsNaN(value))
        {
            return (ushort)((bits >> 16) | 0x0040);
        }

        var bias = 0x7FFFu + ((bits >> 16) & 1u);
        return (ushort)((bits + bias) >> 16);
    }

    /// <summary>bfloat16 bits → float32 (exact).</summary>
    public static float FromBFloat16Bits(ushort bits) => BitConverter.UInt32BitsToSingle((uint)bits << 16);

    /// <summary>The float32 value that <paramref name="value"/> becomes once stored as <paramref name="dtype"/> and read back.</summary>
    public static float Round(float value, StorageDType dtype) => dtype switch
    {
        StorageDType.F32 => value,
        StorageDType.BF16 => FromBFloat16Bits(ToBFloat16Bits(value)),
        StorageDType.F16 => (float)(Half)value,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype)),
    };

    /// <summary>A copy of <paramref name="tensors"/> with every value rounded as <paramref name="dtype"/> storage would (same order).</summary>
    public static Dictionary<string, (float[] data, int[] shape)> RoundAll(
        IReadOnlyDictionary<string, (float[] data, int[] shape)> tensors, StorageDType dtype)
    {
        var result = new Dictionary<string, (float[] data, int[] shape)>(tensors.Count, StringComparer.Ordinal);
        foreach (var (name, (data, shape)) in tensors)
        {
            var rounded = new float[data.Length];
            for (var i = 0; i < data.Length; i++)
            {
                rounded[i] = Round(data[i], dtype);
            }

            result[name] = (rounded, (int[])shape.Clone());
        }
        return result;
    }

    /// <summary>
    /// Writes one safetensors file at <paramref name="path"/> holding <paramref name="tensors"/> (in enumeration order)
    /// as <paramref name="dtype"/>; <paramref name="metadata"/> defaults to {"format":"pt"}.
    /// Returns the tensors as stored (rounded to the dtype).
    /// </summary>
    public static Dictionary<string, (float[] data, int[] shape)> Write(
        string path,
        IReadOnlyDictionary<string, (float[] data, int[] shape)> tensors,
        StorageDType dtype = StorageDType.F32,
        IReadOnlyDictionary<string, string>? metadata = null)
    {
        WriteFile(path, tensors.Select(kv => (kv.Key, kv.Value.data, kv.Value.shape)).ToList(), dtype, metadata);
        return RoundAll(tensors, dtype);
    }

    /// <summary>
    /// Writes a sharded checkpoint into <paramref name="directory"/>: the tensors (in enumeration order) are split by count
    /// into <paramref name="shards"/> consecutive groups, written as <c>model-0000i-of-0000k.safetensors</c>, plus
    /// <c>model.safetensors.index.json</c> = {"metadata":{"total_size":bytes},"weight_map":{name: file}} (keys sorted).
    /// With <paramref name="shards"/> = 1 this still writes the index and one shard file. Returns the tensors as stored.
    /// </summary>
    public static Dictionary<string, (float[] data, int[] shape)> WriteSharded(
        string directory,
        IReadOnlyDictionary<string, (float[] data, int[] shape)> tensors,
        int shards,
        StorageDType dtype = StorageDType.F32)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(shards, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(shards, tensors.Count);
        Directory.CreateDirectory(directory);

        var all = tensors.Select(kv => (kv.Key, kv.Value.data, kv.Value.shape)).ToList();
        var weightMap = new SortedDictionary<string, string>(StringComparer.Ordinal);
        long totalSize = 0;
        for (var s = 0; s < shards; s++)
        {
            int begin = s * all.Count / shards, end = (s + 1) * all.Count / shards;
            var part = all.GetRange(begin, end - begin);
            var file = ShardFileName(s + 1, shards);
            WriteFile(Path.Combine(directory, file), part, dtype, metadata: null);
            foreach (var (name, data, _) in part)
            {
                weightMap.Add(name, file);
                totalSize += (long)data.Length * ElementSize(dtype);
            }
        }

        using (var stream = File.Create(Path.Combine(directory, IndexFileName)))
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteStartObject("metadata");
            json.WriteNumber("total_size", totalSize);
            json.WriteEndObject();
            json.WriteStartObject("weight_map");
            foreach (var (name, file) in weightMap)
            {
                json.WriteString(name, file);
            }

            json.WriteEndObject();
            json.WriteEndObject();
        }
        return RoundAll(tensors, dtype);
    }

    /// <summary>Hugging Face shard file name, 1-based: ShardFileName(1, 3) = "model-00001-of-00003.safetensors".</summary>
    public static string ShardFileName(int index, int count) =>
        string.Create(CultureInfo.InvariantCulture, $"model-{index:D5}-of-{count:D5}.safetensors");

    static void WriteFile(
        string path, List<(string name, float[] data, int[] shape)> tensors, StorageDType dtype,
        IReadOnlyDictionary<string, string>? metadata)
    {
        var elementSize = ElementSize(dtype);
        foreach (var (name, data, shape) in tensors)
        {
            long count = 1;
            foreach (var d in shape)
            {
                ArgumentOutOfRangeException.ThrowIfNegative(d);
                count *= d;
            }
            if (count != data.Length)
            {
                throw new ArgumentException($"tensor {name}: shape [{string.Join(",", shape)}] has {count} elements but data has {data.Length}");
            }

            if (name == "__metadata__")
            {
                throw new ArgumentException("a tensor may not be called __metadata__");
            }
        }

        // Header: {"__metadata__": {...}, "name": {"dtype":..,"shape":[..],"data_offsets":[begin,end]}, ...}
        var headerBuffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(headerBuffer))
        {
            json.WriteStartObject();
            json.WriteStartObject("__metadata__");
            foreach (var (key, value) in metadata ?? new Dictionary<string, string> { ["format"] = "pt" })
            {
                json.WriteString(key, value);
            }

            json.WriteEndObject();
            long offset = 0;
            foreach (var (name, data, shape) in tensors)
            {
                var bytes = (long)data.Length * elementSize;
                json.WriteStartObject(name);
                json.WriteString("dtype", DTypeName(dtype));
                json.WriteStartArray("shape");
                foreach (var d in shape)
                {
                    json.WriteNumberValue(d);
                }

                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset + bytes);
                json.WriteEndArray();
                json.WriteEndObject();
                offset += bytes;
            }
            json.WriteEndObject();
        }
        var header = headerBuffer.ToArray();
        var padded = (header.Length + 7) / 8 * 8;

        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None);
        Span<byte> u64 = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(u64, (ulong)padded);
        stream.Write(u64);
        stream.Write(header);
        for (var i = header.Length; i < padded; i++)
        {
            stream.WriteByte((byte)' ');
        }

        foreach (var (_, data, _) in tensors)
        {
            var buffer = new byte[data.Length * elementSize];
            for (var i = 0; i < data.Length; i++)
            {
                switch (dtype)
                {
                    case StorageDType.F32:
                        BinaryPrimitives.WriteSingleLittleEndian(buffer.AsSpan(4 * i), data[i]);
                        break;
                    case StorageDType.BF16:
                        BinaryPrimitives.WriteUInt16LittleEndian(buffer.AsSpan(2 * i), ToBFloat16Bits(data[i]));
                        break;
                    case StorageDType.F16:
                        BinaryPrimitives.WriteHalfLittleEndian(buffer.AsSpan(2 * i), (Half)data[i]);
                        break;
                    default:
                        throw new ArgumentOutOfRangeException(nameof(dtype));
                }
            }
            stream.Write(buffer);
        }
    }
}

/// <summary>
/// Reads back what <see cref="SafetensorsTestWriter"/> writes (F32/BF16/F16 only), so tests can check files and
/// round trips without the product's loader.
/// </summary>
public static class SafetensorsTestReader
{
    /// <summary>The header length N (from the first 8 bytes) and the header JSON text (trailing padding included).</summary>
    public static (long headerLength, string json) ReadHeader(string path)
    {
        using var stream = File.OpenRead(path);
        Span<byte> u64 = stackalloc byte[8];
        stream.ReadExactly(u64);
        var length = checked((long)BinaryPrimitives.ReadUInt64LittleEndian(u64));
        var header = new byte[length];
        stream.ReadExactly(header);
        return (length, Encoding.UTF8.GetString(header));
    }

    /// <summary>All tensors of one safetensors file as float32 (header order), with their shapes.</summary>
    public static Dictionary<string, (float[] data, int[] shape)> Read(string path)
    {
        var (headerLength, json) = ReadHeader(path);
        var bytes = File.ReadAllBytes(path);
        var dataStart = 8 + headerLength;
        var result = new Dictionary<string, (float[] data, int[] shape)>(StringComparer.Ordinal);
        using var doc = JsonDocument.Parse(json);
        foreach (var entry in doc.RootElement.EnumerateObject())
        {
            if (entry.Name == "__metadata__")
            {
                continue;
            }

            var dtype = entry.Value.GetProperty("dtype").GetString();
            var shape = entry.Value.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()).ToArray();
            var offsets = entry.Value.GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt64()).ToArray();
            var span = bytes.AsSpan(checked((int)(dataStart + offsets[0])), checked((int)(offsets[1] - offsets[0])));
            var data = Decode(span, dtype, entry.Name);
            result[entry.Name] = (data, shape);
        }
        return result;
    }

    /// <summary>
    /// All tensors of a Hugging Face folder: <c>model.safetensors</c>, or the shards named by
    /// <c>model.safetensors.index.json</c>.
    /// </summary>
    public static Dictionary<string, (float[] data, int[] shape)> ReadFolder(string directory)
    {
        var single = Path.Combine(directory, SafetensorsTestWriter.SingleFileName);
        if (File.Exists(single))
        {
            return Read(single);
        }

        using var index = JsonDocument.Parse(File.ReadAllText(Path.Combine(directory, SafetensorsTestWriter.IndexFileName)));
        var files = index.RootElement.GetProperty("weight_map").EnumerateObject().Select(p => p.Value.GetString()!).Distinct().Order(StringComparer.Ordinal);
        var result = new Dictionary<string, (float[] data, int[] shape)>(StringComparer.Ordinal);
        foreach (var file in files)
        {
            foreach (var (name, tensor) in Read(Path.Combine(directory, file)))
            {
                result.Add(name, tensor);
            }
        }

        return result;
    }

    static float[] Decode(ReadOnlySpan<byte> span, string? dtype, string name)
    {
        var size = dtype == "F32" ? 4 : 2;
        var result = new float[span.Length / size];
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = dtype switch
            {
                "F32" => BinaryPrimitives.ReadSingleLittleEndian(span.Slice(4 * i)),
                "BF16" => SafetensorsTestWriter.FromBFloat16Bits(BinaryPrimitives.ReadUInt16LittleEndian(span.Slice(2 * i))),
                "F16" => (float)BinaryPrimitives.ReadHalfLittleEndian(span.Slice(2 * i)),
                _ => throw new NotSupportedException($"dtype {dtype} of {name}"),
            };
        }
        return result;
    }
}
