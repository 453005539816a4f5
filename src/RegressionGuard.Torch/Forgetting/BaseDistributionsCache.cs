using System.Security.Cryptography;
using RegressionGuard.Caching;
using RegressionGuard.Forgetting;
using RegressionGuard.Modeling;

namespace RegressionGuard.Torch.Forgetting;

/// <summary>
/// Base distributions through the content cache, keyed by the base model's content hash (weights, adapter,
/// tokenizer), the compute dtype, the corpus documents, the windowing options and K. Binary payload:
/// little-endian int32/float32 arrays per window (ids, first target, document, probabilities, [ids], entropy, argmax).
/// A cached entry is read as a view of its memory mapping (ContentCache.TryOpenMapped): the probabilities are used
/// where they lie, while the entry's checksum is computed alongside; users call BaseDistributions.EnsureIntact before
/// trusting what they computed from them.
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
        // the probabilities stay in the mapped entry while its checksum is computed alongside their use: whoever
        // computes from them calls EnsureIntact before using the result. A payload of another layout is reported,
        // deleted and recomputed below.
        if (cache.TryOpenMapped(key, out var entry))
        {
            try
            {
                var view = ReadView(entry);
                fromCache = true;
                return view;
            }
            catch (InvalidDataException ex)
            {
                entry.Discard($"cache entry {entry.Path} has a payload this build cannot read ({ex.Message})");
                entry.Dispose();
            }
        }

        var result = model.NextTokenDistributions(documents, options, topK, progress);
        cache.Put(key, s => Write(result, s));
        return result;
    }

    /// <summary>Writes the binary payload (also the body of `regressionguard serve`'s L_f extension).</summary>
    /// <exception cref="InvalidDataException"><paramref name="d"/> was read from a cache entry that is corrupt.</exception>
    public static void Write(BaseDistributions d, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(d);
        d.EnsureIntact();
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
            w.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(d.ProbabilityRows(i)));
            if (!d.Exact)
            {
                w.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(d.IndexRows(i)));
            }

            WriteArray(w, d.Entropy[i]);
            WriteArray(w, d.Argmax[i]);
        }
    }

    static void WriteArray<T>(BinaryWriter w, T[] values) where T : unmanaged => w.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()));

    /// <summary>
    /// What <see cref="Write"/> wrote, as a view of a mapped cache entry: window headers, entropies and argmaxes copied
    /// out, probabilities (and ids) left in the mapping; the entry's checksum is still being computed (see
    /// <see cref="BaseDistributions.EnsureIntact"/>).
    /// </summary>
    /// <exception cref="InvalidDataException">the payload is not base distributions of this layout.</exception>
    public static BaseDistributions ReadView(MappedEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var payload = entry.Payload;
        var layout = Layout.Of(payload.Length, payload.Bytes);
        var result = new BaseDistributions(layout.Vocab, layout.TopK, layout.Windows(payload.Bytes), layout.Documents(), layout.DocumentCount, entry,
            layout.Headers.Select(h => h.Arrays).ToArray());
        layout.CopySmallArrays(payload.Bytes, result);
        return result;
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

    static BaseDistributions Parse(long size, PayloadBytes bytes)
    {
        var layout = Layout.Of(size, bytes);
        var result = new BaseDistributions(layout.Vocab, layout.TopK, layout.Windows(bytes), layout.Documents(), layout.DocumentCount);
        for (int i = 0; i < layout.Headers.Length; i++)
        {
            long at = CopyTo<float>(bytes, layout.Headers[i].Arrays, result.Probs[i]);
            if (result.Indices is not null)
            {
                CopyTo<int>(bytes, at, result.Indices[i]);
            }
        }

        layout.CopySmallArrays(bytes, result);
        return result;
    }

    static long CopyTo<T>(PayloadBytes bytes, long offset, Span<T> destination) where T : unmanaged
    {
        var target = System.Runtime.InteropServices.MemoryMarshal.AsBytes(destination);
        bytes(offset, target.Length).CopyTo(target);
        return offset + target.Length;
    }

    /// <summary>
    /// The one reader of the layout's structure: the window headers (ids, first target, document; every size checked
    /// against the payload before anything is allocated, every id against the vocabulary) and where each window's arrays start.
    /// </summary>
    sealed record Layout(int Vocab, int TopK, int DocumentCount, (long Ids, int Length, int First, int Document, long Arrays)[] Headers)
    {
        public static Layout Of(long size, PayloadBytes bytes)
        {
            int Int32(long offset) => System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(bytes(offset, 4));
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

            return new Layout(vocab, k, documents, headers);
        }

        public List<ScoredWindow> Windows(PayloadBytes bytes)
        {
            var windows = new List<ScoredWindow>(Headers.Length);
            for (int i = 0; i < Headers.Length; i++)
            {
                var ids = new int[Headers[i].Length];
                CopyTo<int>(bytes, Headers[i].Ids, ids);
                int bad = Array.FindIndex(ids, id => id < 0 || id >= Vocab);
                if (bad >= 0)
                {
                    throw new InvalidDataException($"window {i} holds id {ids[bad]} at position {bad}, outside the vocabulary of {Vocab}");
                }

                windows.Add(new ScoredWindow(ids, Headers[i].First));
            }

            return windows;
        }

        public int[] Documents() => Headers.Select(h => h.Document).ToArray();

        /// <summary>Copies each window's entropies and argmaxes (after its probabilities and ids) into <paramref name="result"/>.</summary>
        public void CopySmallArrays(PayloadBytes bytes, BaseDistributions result)
        {
            for (int i = 0; i < Headers.Length; i++)
            {
                long rows = 4L * (Headers[i].Length - Headers[i].First) * TopK;
                long at = CopyTo<float>(bytes, Headers[i].Arrays + rows * (TopK == Vocab ? 1 : 2), result.Entropy[i]);
                CopyTo<int>(bytes, at, result.Argmax[i]);
            }
        }
    }
}
