using System.Buffers.Binary;
using System.Text.Json;
using NUnit.Framework;
using RegressionGuard.Testing;

namespace RegressionGuard.Core.Tests.Testing;

[TestFixture]
public sealed class SafetensorsTestWriterTests
{
    static Dictionary<string, (float[] data, int[] shape)> Sample() => new(StringComparer.Ordinal)
    {
        ["a.weight"] = ([1f, 2f, 3f, 4f, 5f, 6f], [2, 3]),
        ["b.bias"] = ([0.5f, -0.25f, 1.00390625f], [3]),
        ["c"] = ([7f], [1]),
        ["scalar"] = ([42f], []),
    };

    [TestCase(StorageDType.F32, 4)]
    [TestCase(StorageDType.BF16, 2)]
    [TestCase(StorageDType.F16, 2)]
    public void Header_parses_with_contiguous_offsets_and_padded_length(StorageDType dtype, int elementSize)
    {
        using var temp = new TempFolder();
        var path = temp.File("x.safetensors");
        SafetensorsTestWriter.Write(path, Sample(), dtype);

        var bytes = File.ReadAllBytes(path);
        var n = (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.That(n % 8, Is.Zero);
        var (headerLength, json) = SafetensorsTestReader.ReadHeader(path);
        Assert.That(headerLength, Is.EqualTo(n));

        using var doc = JsonDocument.Parse(json);
        Assert.That(doc.RootElement.GetProperty("__metadata__").GetProperty("format").GetString(), Is.EqualTo("pt"));
        long expectedBegin = 0;
        var count = 0;
        foreach (var entry in doc.RootElement.EnumerateObject().Where(e => e.Name != "__metadata__"))
        {
            var (data, shape) = Sample()[entry.Name];
            Assert.That(entry.Value.GetProperty("dtype").GetString(), Is.EqualTo(SafetensorsTestWriter.DTypeName(dtype)));
            Assert.That(entry.Value.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()), Is.EqualTo(shape));
            var offsets = entry.Value.GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt64()).ToArray();
            Assert.That(offsets[0], Is.EqualTo(expectedBegin), entry.Name);
            Assert.That(offsets[1] - offsets[0], Is.EqualTo(data.Length * elementSize), entry.Name);
            expectedBegin = offsets[1];
            count++;
        }
        Assert.That(count, Is.EqualTo(4));
        Assert.That(bytes.Length, Is.EqualTo(8 + n + expectedBegin));
        Assert.That(json.TrimEnd(' '), Does.EndWith("}"));
    }

    [Test]
    public void Values_round_trip_as_stored()
    {
        using var temp = new TempFolder();
        foreach (var dtype in Enum.GetValues<StorageDType>())
        {
            var path = temp.File($"{dtype}.safetensors");
            var stored = SafetensorsTestWriter.Write(path, Sample(), dtype);
            var read = SafetensorsTestReader.Read(path);
            Assert.That(read.Keys, Is.EquivalentTo(stored.Keys));
            foreach (var (name, (data, shape)) in stored)
            {
                Assert.That(read[name].data, Is.EqualTo(data), $"{dtype} {name}");
                Assert.That(read[name].shape, Is.EqualTo(shape), $"{dtype} {name}");
            }
        }
        var f32 = SafetensorsTestReader.Read(temp.File("F32.safetensors"));
        Assert.That(f32["b.bias"].data, Is.EqualTo(new[] { 0.5f, -0.25f, 1.00390625f }));
    }

    [Test]
    public void BFloat16_rounds_to_nearest_even()
    {
        Assert.Multiple(() =>
        {
            Assert.That(SafetensorsTestWriter.ToBFloat16Bits(1.0f), Is.EqualTo(0x3F80));
            Assert.That(SafetensorsTestWriter.ToBFloat16Bits(-2.0f), Is.EqualTo(0xC000));
            // 1 + 2^-7 is one bf16 ulp above 1: exact.
            Assert.That(SafetensorsTestWriter.ToBFloat16Bits(1.0078125f), Is.EqualTo(0x3F81));
            // 1 + 2^-8 is exactly half way between 0x3F80 and 0x3F81: ties to the even 0x3F80.
            Assert.That(SafetensorsTestWriter.ToBFloat16Bits(1.00390625f), Is.EqualTo(0x3F80));
            // 1 + 3·2^-8 is half way between 0x3F81 and 0x3F82: ties to the even 0x3F82.
            Assert.That(SafetensorsTestWriter.ToBFloat16Bits(1.01171875f), Is.EqualTo(0x3F82));
            // 1 + 2^-9 is below half way: down.
            Assert.That(SafetensorsTestWriter.ToBFloat16Bits(1.001953125f), Is.EqualTo(0x3F80));
            // Just above half way: up.
            Assert.That(SafetensorsTestWriter.ToBFloat16Bits(BitConverter.UInt32BitsToSingle(0x3F808001)), Is.EqualTo(0x3F81));
            Assert.That(SafetensorsTestWriter.ToBFloat16Bits(float.PositiveInfinity), Is.EqualTo(0x7F80));
            Assert.That(float.IsNaN(SafetensorsTestWriter.FromBFloat16Bits(SafetensorsTestWriter.ToBFloat16Bits(float.NaN))), Is.True);
            Assert.That(SafetensorsTestWriter.Round(1.00390625f, StorageDType.BF16), Is.EqualTo(1.0f));
            Assert.That(SafetensorsTestWriter.Round(1.00390625f, StorageDType.F32), Is.EqualTo(1.00390625f));
        });
    }

    [Test]
    public void Float16_rounds_to_nearest_even()
    {
        Assert.Multiple(() =>
        {
            // fp16 has 10 mantissa bits: ulp at 1 is 2^-10.
            Assert.That(SafetensorsTestWriter.Round(1 + 1f / 1024, StorageDType.F16), Is.EqualTo(1 + 1f / 1024));
            Assert.That(SafetensorsTestWriter.Round(1 + 1f / 2048, StorageDType.F16), Is.EqualTo(1f));
            Assert.That(SafetensorsTestWriter.Round(1 + 3f / 2048, StorageDType.F16), Is.EqualTo(1 + 2f / 1024));
            Assert.That(SafetensorsTestWriter.Round(0.1f, StorageDType.F16), Is.EqualTo((float)(Half)0.1f));
        });
    }

    [Test]
    public void Sharded_index_lists_every_tensor_exactly_once()
    {
        using var temp = new TempFolder();
        var weights = TinyModels.CreateWeights(new LlamaSpec(), seed: 7);
        var stored = SafetensorsTestWriter.WriteSharded(temp.Path, weights, shards: 3, StorageDType.BF16);

        using var index = JsonDocument.Parse(File.ReadAllText(temp.File(SafetensorsTestWriter.IndexFileName)));
        var map = index.RootElement.GetProperty("weight_map").EnumerateObject().Select(p => (p.Name, File: p.Value.GetString()!)).ToList();
        Assert.That(map.Select(m => m.Name), Is.Unique);
        Assert.That(map.Select(m => m.Name), Is.EquivalentTo(weights.Keys));
        var files = new[] { "model-00001-of-00003.safetensors", "model-00002-of-00003.safetensors", "model-00003-of-00003.safetensors" };
        Assert.That(map.Select(m => m.File).Distinct(), Is.EquivalentTo(files));
        Assert.That(Directory.GetFiles(temp.Path, "*.safetensors").Select(Path.GetFileName), Is.EquivalentTo(files));

        // Each shard holds exactly the tensors the index maps to it.
        foreach (var file in files)
        {
            var inFile = SafetensorsTestReader.Read(temp.File(file)).Keys;
            Assert.That(inFile, Is.EquivalentTo(map.Where(m => m.File == file).Select(m => m.Name)), file);
        }
        var totalSize = index.RootElement.GetProperty("metadata").GetProperty("total_size").GetInt64();
        Assert.That(totalSize, Is.EqualTo(weights.Values.Sum(t => (long)t.data.Length * 2)));

        var all = SafetensorsTestReader.ReadFolder(temp.Path);
        foreach (var (name, (data, _)) in stored)
        {
            Assert.That(all[name].data, Is.EqualTo(data), name);
        }
    }

    [Test]
    public void Shard_file_names_follow_hugging_face()
    {
        Assert.That(SafetensorsTestWriter.ShardFileName(1, 3), Is.EqualTo("model-00001-of-00003.safetensors"));
        Assert.That(SafetensorsTestWriter.ShardFileName(12, 12), Is.EqualTo("model-00012-of-00012.safetensors"));
    }
}
