using System.Security.Cryptography;
using RegressionGuard.Caching;
using RegressionGuard.Forgetting;
using RegressionGuard.Modeling;

namespace RegressionGuard.Torch.Forgetting;

/// <summary>
/// Base distributions through the content cache, keyed by the base model's content hash (weights, adapter,
/// tokenizer), the compute dtype, the corpus documents, the windowing options and K. Binary payload:
/// little-endian int32/float32 arrays per window (ids, first target, document, probabilities, [ids], entropy, argmax).
/// </summary>
public static class BaseDistributionsCache
{
    public const string FormatVersion = "base-distributions/2";

    /// <summary>How the stored values were batched (<see cref="ForgettingGroups"/>); entries batched otherwise differ in their last bits.</summary>
    public const string Scoring = "scoring-groups/1";

    public static CacheKey KeyFor(ILanguageModel model, IReadOnlyList<string> documents, RollingOptions options, int? topK)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var d in documents)
        {
            sha.AppendData(System.Text.Encoding.UTF8.GetBytes(d));
            sha.AppendData(new byte[] { 0 });
        }
        return CacheKey.Create("base-distributions",
            ("format", FormatVersion),
            ("scoring", Scoring),
            ("model", model.Description.ContentHash()),
            ("dtype", model.Description.DType),
            ("context", model.Description.ContextLength.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ("corpus-sha256", Convert.ToHexStringLower(sha.GetHashAndReset())),
            ("truncate", options.Truncate ? "1" : "0"),
            ("stride", options.Stride?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "default"),
            ("top-k", topK?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "default"));
    }

    public static BaseDistributions Compute(ILanguageModel model, IReadOnlyList<string> documents, RollingOptions options, int? topK, ContentCache? cache, out bool fromCache, IProgress<int>? progress = null)
    {
        fromCache = false;
        if (cache is null)
        {
            return model.NextTokenDistributions(documents, options, topK, progress);
        }

        var key = KeyFor(model, documents, options, topK);
        using (var stream = cache.OpenRead(key))
        {
            if (stream is not null)
            {
                fromCache = true;
                return Read(stream);
            }
        }
        var result = model.NextTokenDistributions(documents, options, topK, progress);
        cache.Put(key, s => Write(result, s));
        return result;
    }

    /// <summary>Writes the binary payload (also the body of `regressionguard serve`'s L_f extension).</summary>
    public static void Write(BaseDistributions d, Stream stream)
    {
        using var w = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        w.Write(d.VocabSize);
        w.Write(d.TopK);
        w.Write(d.Documents);
        w.Write(d.Windows.Count);
        for (int i = 0; i < d.Windows.Count; i++)
        {
            var window = d.Windows[i];
            w.Write(window.Ids.Length);
            foreach (var id in window.Ids)
            {
                w.Write(id);
            }

            w.Write(window.FirstTarget);
            w.Write(d.WindowDocument[i]);
            WriteArray(w, d.Probs[i]);
            if (d.Indices is not null)
            {
                WriteArray(w, d.Indices[i]);
            }

            WriteArray(w, d.Entropy[i]);
            WriteArray(w, d.Argmax[i]);
        }
    }

    static void WriteArray<T>(BinaryWriter w, T[] values) where T : unmanaged => w.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()));

    static void ReadArray<T>(BinaryReader r, T[] values) where T : unmanaged => r.BaseStream.ReadExactly(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()));

    /// <summary>Reads what <see cref="Write"/> wrote.</summary>
    public static BaseDistributions Read(Stream stream)
    {
        using var r = new BinaryReader(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        int vocab = r.ReadInt32(), k = r.ReadInt32(), documents = r.ReadInt32(), count = r.ReadInt32();
        var windows = new List<ScoredWindow>(count);
        var owner = new int[count];
        // first pass needs the window shapes to allocate; store window headers then fill arrays in order
        var positions = new List<(int[] Ids, int First, int Doc, long Offset)>();
        for (int i = 0; i < count; i++)
        {
            var ids = new int[r.ReadInt32()];
            ReadArray(r, ids);
            int first = r.ReadInt32(), doc = r.ReadInt32();
            windows.Add(new ScoredWindow(ids, first));
            owner[i] = doc;
            int n = ids.Length - first;
            // skip over the arrays for now: they are read in the second pass below
            long bytes = 4L * n * k + (k == vocab ? 0 : 4L * n * k) + 4L * n + 4L * n;
            positions.Add((ids, first, doc, stream.Position));
            stream.Seek(bytes, SeekOrigin.Current);
        }
        var result = new BaseDistributions(vocab, k, windows, owner, documents);
        for (int i = 0; i < count; i++)
        {
            stream.Position = positions[i].Offset;
            ReadArray(r, result.Probs[i]);
            if (result.Indices is not null)
            {
                ReadArray(r, result.Indices[i]);
            }

            ReadArray(r, result.Entropy[i]);
            ReadArray(r, result.Argmax[i]);
        }
        return result;
    }
}
