namespace RegressionGuard.Torch.Tokenization;

/// <summary>
/// A Hugging Face <c>tokenizer.json</c> run as HF <c>tokenizers</c> runs it: added tokens that are not normalized are
/// split out of the raw text first (leftmost-longest, honouring special/lstrip/rstrip/single_word); each remaining piece
/// is normalized, normalized added tokens are split out of it, the rest is pre-tokenized and given to the model (BPE,
/// byte-level or SentencePiece-style, or Unigram). <see cref="Encode(string, bool)"/> adds the post-processor's special
/// tokens for a single text; <see cref="Decode"/> drops special tokens and runs the decoder.
/// BOS/EOS follow transformers: <c>bos_token</c>/<c>eos_token</c> and <c>add_bos_token</c>/<c>add_eos_token</c> in
/// tokenizer_config.json beside the file when present, else the post-processor's template.
/// </summary>
public sealed class HfTokenizerJson : ITokenizer
{
    readonly AddedTokenMatcher _raw;
    readonly AddedTokenMatcher _normalized;
    readonly Normalizer? _normalizer;
    readonly PreTokenizer? _preTokenizer;
    readonly TokenizerModel _model;
    readonly Decoder? _decoder;
    readonly Dictionary<int, AddedToken> _addedById;
    readonly int[] _prefix;
    readonly int[] _suffix;

    internal HfTokenizerJson(string path, TokenizerModel model, Normalizer? normalizer, PreTokenizer? preTokenizer, Decoder? decoder,
        IReadOnlyList<AddedToken> added, int[] prefix, int[] suffix, int? bosId, int? eosId, string contentHash, string modelKind)
    {
        FilePath = path;
        _model = model;
        _normalizer = normalizer;
        _preTokenizer = preTokenizer;
        _decoder = decoder;
        _addedById = [];
        foreach (var token in added)
        {
            _addedById[token.Id] = token;
        }

        _raw = new AddedTokenMatcher(added.Where(t => !t.Normalized), content => content);
        _normalized = new AddedTokenMatcher(added.Where(t => t.Normalized), content => normalizer?.Normalize(content) ?? content);
        _prefix = prefix;
        _suffix = suffix;
        BosId = bosId;
        EosId = eosId;
        AddsBos = bosId is int bos && prefix.Contains(bos);
        AddsEos = eosId is int eos && suffix.Contains(eos);
        ContentHash = contentHash;
        VocabSize = Math.Max(model.Tokens.Length, added.Count == 0 ? 0 : added.Max(t => t.Id) + 1);
        Name = $"{modelKind} (tokenizer.json)";
    }

    public string Name { get; }

    /// <summary>The full path of the tokenizer.json this was read from.</summary>
    public string FilePath { get; }

    public int VocabSize { get; }

    public int? BosId { get; }

    public int? EosId { get; }

    public bool AddsBos { get; }

    public bool AddsEos { get; }

    public string ContentHash { get; }

    /// <summary>Reads a Hugging Face tokenizer.json (and tokenizer_config.json beside it, for BOS/EOS).</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="TokenizerFormatException">The file is malformed or uses a feature this reader does not support.</exception>
    public static HfTokenizerJson Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var full = Path.GetFullPath(path);
        if (!File.Exists(full))
        {
            throw new FileNotFoundException($"tokenizer file '{full}' does not exist; expected a Hugging Face tokenizer.json", full);
        }

        var config = Path.Combine(Path.GetDirectoryName(full)!, "tokenizer_config.json");
        return TokenizerJsonReader.Read(full, File.ReadAllBytes(full), File.Exists(config) ? (config, File.ReadAllBytes(config)) : null);
    }

    public IReadOnlyList<int> Encode(string text) => Encode(text, addSpecialTokens: false);

    public IReadOnlyList<int> Encode(string text, bool addSpecialTokens)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = new List<int>(text.Length / 3 + 4);
        if (addSpecialTokens)
        {
            ids.AddRange(_prefix);
        }

        var rawSplits = new List<(int Start, int End, AddedToken? Token)>();
        _raw.Split(text, rawSplits);
        var pieces = new List<Piece>();
        var normalizedSplits = new List<(int Start, int End, AddedToken? Token)>();
        foreach (var (start, end, token) in rawSplits)
        {
            if (token is not null)
            {
                ids.Add(token.Id);
                continue;
            }
            var segment = start == 0 && end == text.Length ? text : text[start..end];
            var normalized = _normalizer is null ? segment : _normalizer.Normalize(segment);
            normalizedSplits.Clear();
            if (_normalized.IsEmpty)
            {
                normalizedSplits.Add((0, normalized.Length, null));
            }
            else
            {
                _normalized.Split(normalized, normalizedSplits);
            }

            foreach (var (innerStart, innerEnd, innerToken) in normalizedSplits)
            {
                if (innerToken is not null)
                {
                    ids.Add(innerToken.Id);
                    continue;
                }
                if (innerEnd <= innerStart)
                {
                    continue;
                }

                var piece = new Piece(innerStart == 0 && innerEnd == normalized.Length ? normalized : normalized[innerStart..innerEnd], start == 0 && innerStart == 0);
                pieces.Clear();
                if (_preTokenizer is null)
                {
                    pieces.Add(piece);
                }
                else
                {
                    _preTokenizer.Split(piece, pieces);
                }

                foreach (var word in pieces)
                {
                    _model.Tokenize(word.Text, ids);
                }
            }
        }
        if (addSpecialTokens)
        {
            ids.AddRange(_suffix);
        }

        return ids;
    }

    public string Decode(IEnumerable<int> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var tokens = new List<string>();
        foreach (var id in ids)
        {
            if (id == BosId || id == EosId)
            {
                continue;
            }

            if (_addedById.TryGetValue(id, out var added))
            {
                if (!added.Special)
                {
                    tokens.Add(added.Content);
                }

                continue;
            }
            // Ids without a token (e.g. padding rows of a model's embedding) are skipped, as HF does.
            if ((uint)id < (uint)_model.Tokens.Length && _model.Tokens[id] is { } token)
            {
                tokens.Add(token);
            }
        }
        return _decoder is null ? string.Join(' ', tokens) : string.Concat(_decoder.DecodeChain(tokens));
    }

    public string? Piece(int id) =>
        _addedById.TryGetValue(id, out var added) ? added.Content
        : (uint)id < (uint)_model.Tokens.Length ? _model.Tokens[id]
        : null;
}
