using System.Runtime.InteropServices;
using RegressionGuard.Caching;
using RegressionGuard.Modeling;

namespace RegressionGuard.Forgetting;

/// <summary>
/// The base model's next-token distributions at every scored position of a corpus, the soft targets of L_f.
/// Stored exactly (all V probabilities, fp32) when <see cref="TopK"/> equals the vocabulary size; otherwise in a
/// reduced form: the K most likely ids with their probabilities. Either way the base entropy of every position is
/// stored exactly. See the in-process ForgettingMeter for how the tail of the reduced form enters the cross-entropy.
/// <para>
/// Read from the cache, the probabilities (and ids) stay in the memory-mapped entry and are read through
/// <see cref="ProbabilityRows"/> and <see cref="IndexRows"/> without a copy, while the entry's checksum is computed
/// alongside; whoever computes from them calls <see cref="EnsureIntact"/> before using the result.
/// </para>
/// </summary>
public sealed class BaseDistributions
{
    readonly MappedEntry? source;
    readonly long[]? rowOffsets;
    readonly Lock gate = new();
    float[][]? probs;
    int[][]? indices;

    public BaseDistributions(int vocabSize, int topK, IReadOnlyList<ScoredWindow> windows, int[] windowDocument, int documents)
    {
        VocabSize = vocabSize;
        TopK = topK;
        Windows = windows;
        WindowDocument = windowDocument;
        Documents = documents;
        probs = windows.Select(w => new float[(w.Ids.Length - w.FirstTarget) * topK]).ToArray();
        indices = topK == vocabSize ? null : windows.Select(w => new int[(w.Ids.Length - w.FirstTarget) * topK]).ToArray();
        Entropy = windows.Select(w => new float[w.Ids.Length - w.FirstTarget]).ToArray();
        Argmax = windows.Select(w => new int[w.Ids.Length - w.FirstTarget]).ToArray();
    }

    /// <summary>
    /// Base distributions whose probabilities (then, in the reduced form, ids) of window i start at byte
    /// <paramref name="rowOffsets"/>[i] of <paramref name="source"/>'s payload, left there; <see cref="Entropy"/> and
    /// <see cref="Argmax"/> are filled by the caller.
    /// </summary>
    public BaseDistributions(int vocabSize, int topK, IReadOnlyList<ScoredWindow> windows, int[] windowDocument, int documents, MappedEntry source, long[] rowOffsets)
    {
        ArgumentNullException.ThrowIfNull(windows);
        ArgumentNullException.ThrowIfNull(rowOffsets);
        if (rowOffsets.Length != windows.Count)
        {
            throw new ArgumentException($"{rowOffsets.Length} row offsets for {windows.Count} windows", nameof(rowOffsets));
        }

        VocabSize = vocabSize;
        TopK = topK;
        Windows = windows;
        WindowDocument = windowDocument;
        Documents = documents;
        this.source = source ?? throw new ArgumentNullException(nameof(source));
        this.rowOffsets = rowOffsets;
        Entropy = windows.Select(w => new float[w.Ids.Length - w.FirstTarget]).ToArray();
        Argmax = windows.Select(w => new int[w.Ids.Length - w.FirstTarget]).ToArray();
    }

    public int VocabSize { get; }
    public int TopK { get; }
    public bool Exact => TopK == VocabSize;
    public IReadOnlyList<ScoredWindow> Windows { get; }
    public int[] WindowDocument { get; }
    public int Documents { get; }

    /// <summary>
    /// Per window: (positions × K) probabilities, fp32, row-major (computed from fp32 log-softmax). Read from the cache,
    /// they are copied out of the entry on first use, once it is verified (<see cref="ProbabilityRows"/> reads without a copy).
    /// </summary>
    /// <exception cref="InvalidDataException">the cache entry they were read from is corrupt.</exception>
    public float[][] Probs
    {
        get
        {
            if (probs is null)
            {
                Materialize();
            }

            return probs!;
        }
    }

    /// <summary>Per window: (positions × K) vocabulary ids of <see cref="Probs"/>; null when exact.</summary>
    /// <exception cref="InvalidDataException">the cache entry they were read from is corrupt.</exception>
    public int[][]? Indices
    {
        get
        {
            if (probs is null)
            {
                Materialize();
            }

            return indices;
        }
    }

    /// <summary>Window <paramref name="window"/>'s (positions × K) probabilities, row-major, without a copy.</summary>
    public ReadOnlySpan<float> ProbabilityRows(int window) =>
        source is null ? probs![window] : MemoryMarshal.Cast<byte, float>(source.Payload.Bytes(rowOffsets![window], RowBytes(window)));

    /// <summary>Window <paramref name="window"/>'s (positions × K) vocabulary ids, without a copy; empty when exact.</summary>
    public ReadOnlySpan<int> IndexRows(int window) =>
        Exact ? default
        : source is null ? indices![window]
        : MemoryMarshal.Cast<byte, int>(source.Payload.Bytes(rowOffsets![window] + RowBytes(window), RowBytes(window)));

    /// <summary>
    /// Throws when these distributions were read from a cache entry whose checksum fails (the entry is then reported and
    /// deleted, so a rerun recomputes them): call it before using anything computed from them. Waits for the check.
    /// </summary>
    /// <exception cref="InvalidDataException">the cache entry is corrupt.</exception>
    public void EnsureIntact()
    {
        if (source?.Verify() is { } problem)
        {
            throw new InvalidDataException($"{problem}; it was deleted and nothing computed from it is used: run again to recompute the base distributions");
        }
    }

    int RowBytes(int window) => (Windows[window].Ids.Length - Windows[window].FirstTarget) * TopK * 4;

    void Materialize()
    {
        lock (gate)
        {
            if (probs is not null)
            {
                return;
            }

            EnsureIntact();
            indices = Exact ? null : Windows.Select((_, i) => IndexRows(i).ToArray()).ToArray();
            probs = Windows.Select((_, i) => ProbabilityRows(i).ToArray()).ToArray(); // last: its being set says both are
        }
    }

    /// <summary>Per window and position: the base entropy −Σ_v p_v log p_v over the whole vocabulary.</summary>
    public float[][] Entropy { get; }

    /// <summary>Per window and position: the base model's most likely id.</summary>
    public int[][] Argmax { get; }

    public long Positions => Windows.Sum(w => (long)(w.Ids.Length - w.FirstTarget));

    /// <summary>Bytes per scored position in this form: K probabilities (+ K ids when reduced) + entropy + argmax.</summary>
    public int BytesPerPosition => 4 * TopK + (Exact ? 0 : 4 * TopK) + 8;
}
