using System.Security.Cryptography;
using RegressionGuard.Caching;
using RegressionGuard.Forgetting;
using RegressionGuard.Modeling;

namespace RegressionGuard.Torch.Forgetting;

/// <summary>
/// Base distributions through the content cache, keyed by the base model's content hash (weights, adapter,
/// tokenizer), the compute dtype, the corpus documents, the windowing options and K. Binary payload:
/// little-endian int32/float32 arrays per window (ids, first target, document, probabilities, [ids], entropy, argmax).
/// A cached entry is read from a memory-mapped view, its SHA-256 checked alongside the read (ContentCache.TryReadMapped).
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
        // read straight from the mapped entry while its checksum is verified alongside; a bad entry is reported,
        // deleted and recomputed below
        if (cache.TryReadMapped(key, ReadMapped, out var cached))
        {
            fromCache = true;
            return cached;
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

    /// <summary>Reads what <see cref="Write"/> wrote from a mapped cache entry, each array copied once, straight from the mapping.</summary>
    /// <exception cref="InvalidDataException">the payload is not base distributions of this layout.</exception>
    public static BaseDistributions ReadMapped(MappedPayload payload)
    {
        ArgumentNullException.ThrowIfNull(payload);
        return Parse(payload.Length, payload.Bytes);
    }

    /// <summary>Reads what <see cref="Write"/> wrote from bytes another process sent (a server's answer, a request body).</summary>
    /// <exception cref="InvalidDataException">the bytes are not base distributions of this layout.</exception>
    public static BaseDistributions Read(byte[] bytes)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        return Parse(bytes.LongLength, (offset, count) => offset < 0 || count < 0 || offset > bytes.LongLength - count
            ? throw new InvalidDataException($"the payload ends at byte {bytes.LongLength:N0}, but {count:N0} bytes at {offset:N0} were wanted")
            : bytes.AsSpan((int)offset, count));
    }

    delegate ReadOnlySpan<byte> PayloadBytes(long offset, int count);

    /// <summary>
    /// The one reader of the layout: the window headers first (ids, first target, document; every size checked against
    /// the payload before anything is allocated), then each array copied once out of <paramref name="bytes"/>.
    /// </summary>
    static BaseDistributions Parse(long size, PayloadBytes bytes)
    {
        int Int32(long offset) => System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(bytes(offset, 4));
        long CopyTo<T>(long offset, Span<T> destination) where T : unmanaged
        {
            var target = System.Runtime.InteropServices.MemoryMarshal.AsBytes(destination);
            bytes(offset, target.Length).CopyTo(target);
            return offset + target.Length;
        }

        int vocab = Int32(0), k = Int32(4), documents = Int32(8), count = Int32(12);
        if (vocab < 1 || k < 1 || k > vocab || documents < 0 || count < 0 || count > size / 16)
        {
            throw new InvalidDataException($"a header of {vocab} ids, top {k}, {documents} documents and {count} windows is not one of base distributions");
        }

        long offset = 16;
        var headers = new (long Ids, int Length, int First, int Document, long Arrays)[count];
        long perPosition = 4L * k * (k == vocab ? 1 : 2) + 8;
        for (int i = 0; i < count; i++)
        {
            int length = Int32(offset);
            long ids = offset + 4;
            if (length < 1 || length > (size - ids) / 4)
            {
                throw new InvalidDataException($"window {i} claims {length} ids at byte {ids:N0} of a {size:N0}-byte payload");
            }

            long next = ids + 4L * length;
            int first = Int32(next), document = Int32(next + 4);
            if (first < 1 || first > length || document < 0 || document >= documents)
            {
                throw new InvalidDataException($"window {i} of {length} ids scored from {first}, document {document} of {documents}, is not a scored window");
            }

            headers[i] = (ids, length, first, document, next + 8);
            offset = next + 8 + perPosition * (length - first);
            if (offset > size)
            {
                throw new InvalidDataException($"window {i} ends at byte {offset:N0}, after the payload's {size:N0}");
            }
        }

        if (offset != size)
        {
            throw new InvalidDataException($"the windows end at byte {offset:N0}, but the payload holds {size:N0}");
        }

        var windows = new List<ScoredWindow>(count);
        foreach (var h in headers)
        {
            var ids = new int[h.Length];
            CopyTo<int>(h.Ids, ids);
            windows.Add(new ScoredWindow(ids, h.First));
        }

        var result = new BaseDistributions(vocab, k, windows, headers.Select(h => h.Document).ToArray(), documents);
        for (int i = 0; i < count; i++)
        {
            long at = CopyTo<float>(headers[i].Arrays, result.Probs[i]);
            if (result.Indices is not null)
            {
                at = CopyTo<int>(at, result.Indices[i]);
            }

            at = CopyTo<float>(at, result.Entropy[i]);
            CopyTo<int>(at, result.Argmax[i]);
        }
        return result;
    }
}
