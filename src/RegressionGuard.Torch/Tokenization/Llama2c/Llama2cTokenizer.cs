using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;

namespace RegressionGuard.Torch.Tokenization;

/// <summary>
/// llama2.c's own vocabulary file (<c>tokenizer.bin</c>, <c>tok*.bin</c>), read natively and encoded with llama2.c's
/// algorithm (karpathy/llama2.c <c>run.c</c>, <c>encode</c>): a dummy-prefix " " token before non-empty text, one token
/// per UTF-8 code point (its bytes + 3 when the code point is not in the vocabulary), then repeatedly the adjacent pair
/// whose concatenation is in the vocabulary with the highest score is merged (leftmost on ties).
/// Ids 1 and 2 are BOS and EOS, as in llama2.c.
/// </summary>
/// <remarks>
/// File layout: int32 max_token_length, then for each token: float32 score, int32 length, that many bytes. The export
/// writes '▁' as ' ' and BOS/EOS as "\n&lt;s&gt;\n" / "\n&lt;/s&gt;\n".
/// </remarks>
public sealed class Llama2cTokenizer : ITokenizer
{
    const int ByteOffset = 3;

    readonly byte[][] _tokens;
    readonly float[] _scores;
    readonly Dictionary<string, int> _ids = new(StringComparer.Ordinal);
    readonly ConcurrentDictionary<long, int> _pairs = new(BpeModel.PairComparer.Instance);

    Llama2cTokenizer(string path, byte[][] tokens, float[] scores, string contentHash)
    {
        FilePath = path;
        _tokens = tokens;
        _scores = scores;
        ContentHash = contentHash;
        for (var id = 0; id < tokens.Length; id++)
        {
            // As llama2.c's sorted-vocabulary lookup: the first of equal strings wins.
            _ids.TryAdd(Encoding.UTF8.GetString(tokens[id]), id);
        }
        Name = $"llama2.c ({Path.GetFileName(path)})";
    }

    public string Name { get; }

    /// <summary>The full path of the tokenizer.bin this was read from.</summary>
    public string FilePath { get; }

    public int VocabSize => _tokens.Length;

    public int? BosId => _tokens.Length > 1 ? 1 : null;

    public int? EosId => _tokens.Length > 2 ? 2 : null;

    public bool AddsBos => BosId is not null;

    public bool AddsEos => false;

    public string ContentHash { get; }

    /// <summary>Reads a llama2.c tokenizer.bin.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="TokenizerFormatException">The file is not a llama2.c tokenizer.</exception>
    public static Llama2cTokenizer Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var full = Path.GetFullPath(path);
        if (!File.Exists(full))
        {
            throw new FileNotFoundException($"tokenizer file '{full}' does not exist; expected a llama2.c tokenizer.bin", full);
        }

        var bytes = File.ReadAllBytes(full);
        string Fail(string problem) =>
            $"llama2.c tokenizer '{full}': {problem}; expected int32 max_token_length, then per token float32 score, int32 length, bytes (llama2.c tokenizer.bin)";
        if (bytes.Length < 4)
        {
            throw new TokenizerFormatException(Fail($"the file has {bytes.Length} bytes, too few for the header"));
        }

        var maxLength = BinaryPrimitives.ReadInt32LittleEndian(bytes);
        if (maxLength is <= 0 or > 4096)
        {
            throw new TokenizerFormatException(Fail($"max_token_length is {maxLength} at byte 0"));
        }

        var tokens = new List<byte[]>();
        var scores = new List<float>();
        var at = 4;
        while (at < bytes.Length)
        {
            if (bytes.Length - at < 8)
            {
                throw new TokenizerFormatException(Fail($"token {tokens.Count} at byte {at} is cut off ({bytes.Length - at} bytes left, 8 needed for score and length)"));
            }

            var score = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(at));
            var length = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(at + 4));
            at += 8;
            if (length < 0 || length > maxLength || length > bytes.Length - at)
            {
                throw new TokenizerFormatException(Fail($"token {tokens.Count} at byte {at - 4} has length {length} (max_token_length {maxLength}, {bytes.Length - at} bytes left)"));
            }

            if (!float.IsFinite(score))
            {
                throw new TokenizerFormatException(Fail($"token {tokens.Count} at byte {at - 8} has score {score}"));
            }

            tokens.Add(bytes.AsSpan(at, length).ToArray());
            scores.Add(score);
            at += length;
        }
        if (tokens.Count < ByteOffset + 256)
        {
            throw new TokenizerFormatException(Fail($"the file holds {tokens.Count} tokens; a llama2.c vocabulary has <unk>, <s>, </s> and 256 byte tokens first"));
        }

        return new Llama2cTokenizer(full, tokens.ToArray(), scores.ToArray(), Convert.ToHexStringLower(SHA256.HashData(bytes)));
    }

    public IReadOnlyList<int> Encode(string text) => Encode(text, addSpecialTokens: false);

    public IReadOnlyList<int> Encode(string text, bool addSpecialTokens)
    {
        ArgumentNullException.ThrowIfNull(text);
        var symbols = new List<int>(text.Length + 2);
        if (text.Length > 0)
        {
            if (_ids.TryGetValue(" ", out var dummyPrefix))
            {
                symbols.Add(dummyPrefix);
            }

            Span<byte> utf8 = stackalloc byte[4];
            foreach (var rune in text.EnumerateRunes())
            {
                if (_ids.TryGetValue(rune.ToString(), out var id))
                {
                    symbols.Add(id);
                    continue;
                }
                var count = rune.EncodeToUtf8(utf8);
                for (var k = 0; k < count; k++)
                {
                    symbols.Add(utf8[k] + ByteOffset);
                }
            }
        }
        var merged = MergeByScore(symbols);
        if (addSpecialTokens && BosId is int bos)
        {
            merged.Insert(0, bos);
        }

        return merged;
    }

    /// <summary>llama2.c's merge loop (best score first, leftmost on ties), in O(n log n) with a priority queue.</summary>
    List<int> MergeByScore(List<int> start)
    {
        var n = start.Count;
        if (n < 2)
        {
            return start;
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

        // Max score first, then leftmost position.
        var queue = new PriorityQueue<(int Position, int Left, int Right, int Merged), (float, int)>(
            Comparer<(float Score, int Position)>.Create((a, b) => a.Score != b.Score ? b.Score.CompareTo(a.Score) : a.Position.CompareTo(b.Position)));
        void Offer(int left)
        {
            var right = next[left];
            if (right >= 0 && PairId(symbols[left], symbols[right]) is var merged and >= 0)
            {
                queue.Enqueue((left, symbols[left], symbols[right], merged), (_scores[merged], left));
            }
        }
        for (var i = 0; i + 1 < n; i++)
        {
            Offer(i);
        }

        while (queue.TryDequeue(out var top, out _))
        {
            var right = next[top.Position];
            if (!alive[top.Position] || right < 0 || symbols[top.Position] != top.Left || symbols[right] != top.Right)
            {
                continue;
            }

            symbols[top.Position] = top.Merged;
            alive[right] = false;
            next[top.Position] = next[right];
            if (next[right] >= 0)
            {
                prev[next[right]] = top.Position;
            }

            if (prev[top.Position] >= 0)
            {
                Offer(prev[top.Position]);
            }

            Offer(top.Position);
        }

        var result = new List<int>(n);
        for (var i = 0; i >= 0; i = next[i])
        {
            result.Add(symbols[i]);
        }

        return result;
    }

    int PairId(int left, int right)
    {
        var key = ((long)left << 32) | (uint)right;
        if (_pairs.TryGetValue(key, out var id))
        {
            return id;
        }

        var joined = new byte[_tokens[left].Length + _tokens[right].Length];
        _tokens[left].CopyTo(joined, 0);
        _tokens[right].CopyTo(joined, _tokens[left].Length);
        id = _ids.TryGetValue(Encoding.UTF8.GetString(joined), out var found) && _tokens[found].AsSpan().SequenceEqual(joined) ? found : -1;
        _pairs.TryAdd(key, id);
        return id;
    }

    /// <summary>
    /// As llama2.c's <c>decode</c>: byte tokens "&lt;0xHH&gt;" are raw bytes, the leading space of the first piece is dropped
    /// (it is the dummy prefix), BOS/EOS are dropped; the bytes are read as UTF-8 (invalid sequences become U+FFFD).
    /// </summary>
    public string Decode(IEnumerable<int> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var bytes = new List<byte>();
        var first = true;
        foreach (var id in ids)
        {
            if ((uint)id >= (uint)_tokens.Length || id == BosId || id == EosId || id == 0)
            {
                continue;
            }

            var token = _tokens[id];
            if (ByteFallbackDecoder.ByteOf(Encoding.UTF8.GetString(token)) is byte b)
            {
                bytes.Add(b);
            }
            else
            {
                bytes.AddRange(first && token.Length > 0 && token[0] == ' ' ? token.AsSpan(1) : token);
            }

            first = false;
        }
        return Encoding.UTF8.GetString(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(bytes));
    }

    public string? Piece(int id) => (uint)id < (uint)_tokens.Length ? Encoding.UTF8.GetString(_tokens[id]) : null;
}
