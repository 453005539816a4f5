using System.Collections.Concurrent;
using System.Text;

namespace RegressionGuard.Torch.Tokenization;

/// <summary>A tokenizer.json <c>model</c>: turns one pre-tokenized word into ids.</summary>
internal abstract class TokenizerModel
{
    protected TokenizerModel(Dictionary<string, int> vocab)
    {
        Vocab = vocab;
        VocabLookup = vocab.GetAlternateLookup<ReadOnlySpan<char>>();
        var size = 0;
        foreach (var id in vocab.Values)
        {
            size = Math.Max(size, id + 1);
        }

        Tokens = new string?[size];
        foreach (var (token, id) in vocab)
        {
            Tokens[id] = token;
        }
    }

    public Dictionary<string, int> Vocab { get; }

    protected Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> VocabLookup { get; }

    /// <summary>The token of each id (null where the vocabulary has a gap).</summary>
    public string?[] Tokens { get; }

    public abstract void Tokenize(string word, List<int> output);

    /// <summary>The ids of "&lt;0x00&gt;".."&lt;0xFF&gt;" (-1 where absent), or null when none is present.</summary>
    protected static int[]? ByteTokenIds(Dictionary<string, int> vocab)
    {
        var ids = new int[256];
        var any = false;
        for (var b = 0; b < 256; b++)
        {
            ids[b] = vocab.TryGetValue($"<0x{b:X2}>", out var id) ? id : -1;
            any |= ids[b] >= 0;
        }
        return any ? ids : null;
    }

    /// <summary>Appends the byte tokens of <paramref name="text"/>'s UTF-8; false (nothing appended) when one is missing.</summary>
    protected static bool TryByteFallback(int[]? byteIds, ReadOnlySpan<char> text, List<int> output)
    {
        if (byteIds is null)
        {
            return false;
        }

        Span<byte> buffer = stackalloc byte[64];
        var bytes = Encoding.UTF8.GetByteCount(text) <= buffer.Length ? buffer : new byte[Encoding.UTF8.GetByteCount(text)];
        var count = Encoding.UTF8.GetBytes(text, bytes);
        for (var k = 0; k < count; k++)
        {
            if (byteIds[bytes[k]] < 0)
            {
                return false;
            }
        }

        for (var k = 0; k < count; k++)
        {
            output.Add(byteIds[bytes[k]]);
        }

        return true;
    }
}

/// <summary>
/// HF <c>BPE</c>: a word starts as one symbol per character (with <c>continuing_subword_prefix</c> on all but the first
/// and <c>end_of_word_suffix</c> on the last); a character missing from the vocabulary becomes its UTF-8 byte tokens
/// (<c>byte_fallback</c>), else <c>unk_token</c> (consecutive ones fused when <c>fuse_unk</c>), else is dropped. Then the
/// adjacent pair with the lowest merge rank is merged, leftmost first, until none is left. With <c>ignore_merges</c>, a
/// word that is itself in the vocabulary is that one token. Results are cached per word. Thread-safe.
/// </summary>
internal sealed class BpeModel : TokenizerModel
{
    const int MaxCachedWordLength = 256;
    const int MaxCacheEntries = 200_000;

    readonly Dictionary<long, (int Rank, int NewId)> _merges;
    readonly int? _unkId;
    readonly string? _prefix;
    readonly string? _suffix;
    readonly bool _fuseUnk;
    readonly int[]? _byteIds;
    readonly bool _ignoreMerges;
    readonly ConcurrentDictionary<string, int[]> _cache = new(StringComparer.Ordinal);
    readonly ConcurrentDictionary<string, int[]>.AlternateLookup<ReadOnlySpan<char>> _cacheLookup;

    public BpeModel(Dictionary<string, int> vocab, Dictionary<long, (int Rank, int NewId)> merges, int? unkId, string? prefix, string? suffix,
        bool fuseUnk, bool byteFallback, bool ignoreMerges) : base(vocab)
    {
        _merges = merges;
        _unkId = unkId;
        _prefix = string.IsNullOrEmpty(prefix) ? null : prefix;
        _suffix = string.IsNullOrEmpty(suffix) ? null : suffix;
        _fuseUnk = fuseUnk;
        _byteIds = byteFallback ? ByteTokenIds(vocab) : null;
        _ignoreMerges = ignoreMerges;
        _cacheLookup = _cache.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public static long PairKey(int left, int right) => ((long)left << 32) | (uint)right;

    /// <summary>
    /// Hashes pair keys well: <c>long.GetHashCode</c> is left ^ right, under which (a, b), (b, a) and every pair with the
    /// same xor collide, and lookups in a 280k-merge table become long chain walks.
    /// </summary>
    internal sealed class PairComparer : IEqualityComparer<long>
    {
        public static readonly PairComparer Instance = new();

        public bool Equals(long x, long y) => x == y;

        public int GetHashCode(long key) => (int)(((ulong)key * 0x9E3779B97F4A7C15UL) >> 32);
    }

    public override void Tokenize(string word, List<int> output)
    {
        if (word.Length == 0)
        {
            return;
        }

        if (_ignoreMerges && VocabLookup.TryGetValue(word, out var whole))
        {
            output.Add(whole);
            return;
        }
        if (_cacheLookup.TryGetValue(word, out var cached))
        {
            output.AddRange(cached);
            return;
        }
        var ids = Merge(word);
        if (word.Length <= MaxCachedWordLength)
        {
            if (_cache.Count >= MaxCacheEntries)
            {
                _cache.Clear();
            }

            _cache.TryAdd(word, ids);
        }
        output.AddRange(ids);
    }

    int[] Merge(string word)
    {
        var symbols = new List<int>(word.Length);
        int? pendingUnk = null;
        for (var i = 0; i < word.Length;)
        {
            var width = char.IsHighSurrogate(word[i]) && i + 1 < word.Length && char.IsLowSurrogate(word[i + 1]) ? 2 : 1;
            var isFirst = i == 0;
            var isLast = i + width >= word.Length;
            ReadOnlySpan<char> s = word.AsSpan(i, width);
            string? composed = null;
            if ((_prefix is not null && !isFirst) || (_suffix is not null && isLast))
            {
                composed = (isFirst ? "" : _prefix) + s.ToString() + (isLast ? _suffix : "");
                s = composed;
            }
            i += width;

            if (VocabLookup.TryGetValue(s, out var id))
            {
                if (pendingUnk is int unk)
                {
                    symbols.Add(unk);
                    pendingUnk = null;
                }

                symbols.Add(id);
                continue;
            }
            // As HF: byte tokens go in at once, before an unknown run still open (which is closed later).
            if (TryByteFallback(_byteIds, s, symbols))
            {
                continue;
            }

            if (_unkId is int unkId)
            {
                if (pendingUnk is int open && !_fuseUnk)
                {
                    symbols.Add(open);
                }

                pendingUnk = unkId;
            }
        }
        if (pendingUnk is int last)
        {
            symbols.Add(last);
        }

        return MergeAll(symbols);
    }

    int[] MergeAll(List<int> start)
    {
        var n = start.Count;
        if (n < 2)
        {
            return [.. start];
        }

        var symbols = start.ToArray();
        var next = new int[n];
        var prev = new int[n];
        var alive = new bool[n];
        for (var i = 0; i < n; i++)
        {
            next[i] = i + 1 < n ? i + 1 : -1;
            prev[i] = i - 1;
            alive[i] = true;
        }

        var queue = new PriorityQueue<(int Position, int NewId), long>(n);
        for (var i = 0; i + 1 < n; i++)
        {
            Offer(queue, symbols, i, i + 1);
        }

        var count = n;
        while (queue.TryDequeue(out var top, out _))
        {
            if (!alive[top.Position] || next[top.Position] < 0)
            {
                continue;
            }

            var right = next[top.Position];
            // A stale entry: the pair at this position no longer merges into the same token.
            if (!_merges.TryGetValue(PairKey(symbols[top.Position], symbols[right]), out var current) || current.NewId != top.NewId)
            {
                continue;
            }

            symbols[top.Position] = top.NewId;
            alive[right] = false;
            count--;
            var after = next[right];
            next[top.Position] = after;
            if (after >= 0)
            {
                prev[after] = top.Position;
            }

            if (prev[top.Position] >= 0)
            {
                Offer(queue, symbols, prev[top.Position], top.Position);
            }

            if (after >= 0)
            {
                Offer(queue, symbols, top.Position, after);
            }
        }

        var result = new int[count];
        var k = 0;
        for (var i = 0; i >= 0; i = next[i])
        {
            result[k++] = symbols[i];
        }

        return result;
    }

    void Offer(PriorityQueue<(int, int), long> queue, int[] symbols, int left, int right)
    {
        if (_merges.TryGetValue(PairKey(symbols[left], symbols[right]), out var merge))
        {
            queue.Enqueue((left, merge.NewId), ((long)merge.Rank << 32) | (uint)left);
        }
    }
}

/// <summary>
/// HF <c>Unigram</c> (SentencePiece unigram): the segmentation with the highest total score (Viterbi); a character no
/// piece covers is <c>unk</c> with score min − 10, consecutive unknowns fused; an unknown piece becomes its byte
/// tokens when <c>byte_fallback</c> and all exist, else <c>unk_id</c>.
/// </summary>
internal sealed class UnigramModel : TokenizerModel
{
    const double UnknownPenalty = 10.0;

    readonly double[] _scores;
    readonly int? _unkId;
    readonly int[]? _byteIds;
    readonly int _maxPieceLength;
    readonly double _unknownScore;

    public UnigramModel(Dictionary<string, int> vocab, double[] scores, int? unkId, bool byteFallback) : base(vocab)
    {
        _scores = scores;
        _unkId = unkId;
        _byteIds = byteFallback ? ByteTokenIds(vocab) : null;
        _maxPieceLength = vocab.Count == 0 ? 1 : vocab.Keys.Max(k => k.Length);
        _unknownScore = (scores.Length == 0 ? 0 : scores.Min()) - UnknownPenalty;
    }

    public override void Tokenize(string word, List<int> output)
    {
        if (word.Length == 0)
        {
            return;
        }

        var n = word.Length;
        var bestScore = new double[n + 1];
        var startOf = new int[n + 1];
        var idOf = new int[n + 1];
        Array.Fill(startOf, -1);
        for (var start = 0; start < n;)
        {
            var charWidth = char.IsHighSurrogate(word[start]) && start + 1 < n && char.IsLowSurrogate(word[start + 1]) ? 2 : 1;
            var hasSingle = false;
            for (var length = 1; length <= Math.Min(_maxPieceLength, n - start); length++)
            {
                if (!VocabLookup.TryGetValue(word.AsSpan(start, length), out var id))
                {
                    continue;
                }

                var end = start + length;
                var candidate = _scores[id] + bestScore[start];
                if (startOf[end] < 0 || candidate > bestScore[end])
                {
                    bestScore[end] = candidate;
                    startOf[end] = start;
                    idOf[end] = id;
                }
                hasSingle |= length == charWidth;
            }
            if (!hasSingle)
            {
                var end = start + charWidth;
                var candidate = _unknownScore + bestScore[start];
                if (startOf[end] < 0 || candidate > bestScore[end])
                {
                    bestScore[end] = candidate;
                    startOf[end] = start;
                    idOf[end] = _unkId ?? -1;
                }
            }
            start += charWidth;
        }

        // Walk back, fusing consecutive unknowns, then emit in order.
        var pieces = new List<(int Start, int End, int Id)>();
        for (var end = n; end > 0;)
        {
            var start = startOf[end];
            var id = idOf[end];
            if (id == (_unkId ?? -1) && pieces.Count > 0 && pieces[^1].Id == id && pieces[^1].Start == end)
            {
                pieces[^1] = (start, pieces[^1].End, id);
            }
            else
            {
                pieces.Add((start, end, id));
            }

            end = start;
        }
        for (var k = pieces.Count - 1; k >= 0; k--)
        {
            var (start, end, _) = pieces[k];
            var span = word.AsSpan(start, end - start);
            if (VocabLookup.TryGetValue(span, out var id))
            {
                output.Add(id);
            }
            else if (!TryByteFallback(_byteIds, span, output))
            {
                output.Add(_unkId ?? throw new TokenizerFormatException(
                    $"the Unigram model has no unk_id, and '{span}' is covered by no piece; supported: a model with unk_id set"));
            }
        }
    }
}
