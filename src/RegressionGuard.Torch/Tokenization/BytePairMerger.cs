using System.Collections.Concurrent;

namespace RegressionGuard.Torch.Tokenization;

/// <summary>
/// Byte-pair merging with Hugging Face <c>tokenizers</c> semantics: a word starts as one symbol per byte, and the
/// adjacent pair with the lowest merge rank is merged repeatedly (ties go to the leftmost pair) until no adjacent
/// pair has a merge. Runs in O(n log n) per word with a priority queue; results are cached per word.
/// Thread-safe.
/// </summary>
internal sealed class BytePairMerger
{
    const int MaxCachedWordLength = 256;
    const int MaxCacheEntries = 200_000;

    readonly Dictionary<long, (int Rank, int MergedId)> _merges;
    readonly int[] _byteIds;
    readonly Dictionary<string, int>? _wholeWords;
    readonly ConcurrentDictionary<string, int[]> _cache = new(StringComparer.Ordinal);

    /// <param name="merges">(left id, right id) → (rank, id of the merged symbol).</param>
    /// <param name="byteIds">The id of the single-byte symbol for each byte value (256 entries).</param>
    /// <param name="wholeWords">When set (HF <c>ignore_merges</c>), a word whose byte-level text is a vocabulary entry
    /// becomes that one id without merging.</param>
    public BytePairMerger(Dictionary<long, (int Rank, int MergedId)> merges, int[] byteIds, Dictionary<string, int>? wholeWords)
    {
        if (byteIds.Length != 256)
        {
            throw new ArgumentException($"expected 256 byte ids, got {byteIds.Length}", nameof(byteIds));
        }

        _merges = merges;
        _byteIds = byteIds;
        _wholeWords = wholeWords;
    }

    public static long PairKey(int left, int right) => ((long)left << 32) | (uint)right;

    /// <summary>Appends the ids of one pre-tokenized word (plain text, not yet byte-level encoded) to <paramref name="output"/>.</summary>
    public void Encode(string word, List<int> output)
    {
        if (word.Length == 0)
        {
            return;
        }

        if (_cache.TryGetValue(word, out var cached))
        {
            output.AddRange(cached);
            return;
        }
        var ids = EncodeUncached(word);
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

    int[] EncodeUncached(string word)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(word);
        if (_wholeWords is not null)
        {
            var symbolText = string.Create(bytes.Length, bytes, static (span, source) =>
            {
                for (var i = 0; i < source.Length; i++)
                {
                    span[i] = ByteLevelAlphabet.ByteToChar(source[i]);
                }
            });
            if (_wholeWords.TryGetValue(symbolText, out var whole))
            {
                return [whole];
            }
        }

        var n = bytes.Length;
        var symbols = new int[n];
        for (var i = 0; i < n; i++)
        {
            symbols[i] = _byteIds[bytes[i]];
        }

        if (n == 1)
        {
            return symbols;
        }

        // Doubly linked list over the symbols; a symbol merged into its left neighbour is marked dead.
        var next = new int[n];
        var prev = new int[n];
        var dead = new bool[n];
        for (var i = 0; i < n; i++)
        {
            next[i] = i + 1 < n ? i + 1 : -1;
            prev[i] = i - 1;
        }

        // Priority: rank first, then position (leftmost wins), as HF does.
        var queue = new PriorityQueue<Candidate, long>();
        for (var i = 0; i + 1 < n; i++)
        {
            Offer(queue, symbols, i, i + 1);
        }

        var alive = n;
        while (alive > 1 && queue.TryDequeue(out var c, out _))
        {
            if (dead[c.Position])
            {
                continue;
            }

            var right = next[c.Position];
            // Stale entry: the pair at this position changed since it was queued.
            if (right < 0 || symbols[c.Position] != c.Left || symbols[right] != c.Right)
            {
                continue;
            }

            symbols[c.Position] = c.Merged;
            dead[right] = true;
            alive--;
            var after = next[right];
            next[c.Position] = after;
            if (after >= 0)
            {
                prev[after] = c.Position;
            }

            if (prev[c.Position] >= 0)
            {
                Offer(queue, symbols, prev[c.Position], c.Position);
            }

            if (after >= 0)
            {
                Offer(queue, symbols, c.Position, after);
            }
        }

        var result = new int[alive];
        var k = 0;
        for (var i = 0; i >= 0; i = next[i])
        {
            result[k++] = symbols[i];
        }

        return result;
    }

    void Offer(PriorityQueue<Candidate, long> queue, int[] symbols, int left, int right)
    {
        if (_merges.TryGetValue(PairKey(symbols[left], symbols[right]), out var merge))
        {
            queue.Enqueue(new Candidate(left, symbols[left], symbols[right], merge.MergedId), ((long)merge.Rank << 32) | (uint)left);
        }
    }

    readonly record struct Candidate(int Position, int Left, int Right, int Merged);
}
