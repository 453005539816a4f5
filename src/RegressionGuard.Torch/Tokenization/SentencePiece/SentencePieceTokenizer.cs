using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using MlTokenizers = Microsoft.ML.Tokenizers;

namespace RegressionGuard.Torch.Tokenization;

/// <summary>
/// A SentencePiece BPE model (<c>tokenizer.model</c> of Llama 2, <c>tok*.model</c> of llama2.c), wrapping
/// Microsoft.ML.Tokenizers' <see cref="MlTokenizers.LlamaTokenizer"/> for the merges.
/// </summary>
/// <remarks>
/// Normalization (dummy prefix, whitespace escaping, removal of extra spaces) and decoding are done here, following
/// SentencePiece's own normalizer and <c>Decode</c>, because Microsoft.ML.Tokenizers 2.0.1 gets both wrong in places:
/// its normalizer returns "" when one non-space character remains after trimming (so "a" encodes to nothing), and its
/// decoder drops the space of a word that follows a byte-fallback token at the start ("\n Once" decodes as "\nOnce").
/// Like Microsoft.ML.Tokenizers, a precompiled normalization rule (e.g. nmt_nfkc) in the model is not applied; the
/// Llama 2 and llama2.c models use the identity rule.
/// </remarks>
public sealed class SentencePieceTokenizer : ITokenizer
{
    const char SpaceSymbol = '\u2581';
    const string UnknownSurface = " \u2047 ";

    readonly MlTokenizers.SentencePieceTokenizer _model;
    readonly string?[] _pieces;
    readonly int[] _byteOfPiece;
    readonly bool _removeExtraWhitespaces;
    readonly bool _addDummyPrefix;
    readonly bool _escapeWhitespaces;

    SentencePieceTokenizer(string path, MlTokenizers.SentencePieceTokenizer model, string contentHash)
    {
        FilePath = path;
        _model = model;
        ContentHash = contentHash;
        if (model.TreatWhitespaceAsSuffix)
        {
            throw new TokenizerFormatException(
                $"SentencePiece model '{path}' treats whitespace as a suffix (treat_whitespace_as_suffix), which is not supported; supported: models with the usual '▁' prefix (Llama 2, llama2.c)");
        }

        _removeExtraWhitespaces = model.Normalizer is MlTokenizers.SentencePieceNormalizer normalizer && normalizer.RemoveExtraWhiteSpaces;
        _addDummyPrefix = model.AddDummyPrefix;
        _escapeWhitespaces = model.EscapeWhiteSpaces;

        var vocabulary = model.Vocabulary;
        var size = vocabulary.Count == 0 ? 0 : vocabulary.Values.Max() + 1;
        _pieces = new string?[size];
        _byteOfPiece = new int[size];
        foreach (var (piece, id) in vocabulary)
        {
            _pieces[id] = piece;
            _byteOfPiece[id] = model.ByteFallback ? ByteOfPiece(piece) : -1;
        }
        VocabSize = size;
        BosId = model.BeginningOfSentenceId;
        EosId = model.EndOfSentenceId;
        Name = $"sentencepiece ({Path.GetFileName(path)})";
    }

    public string Name { get; }

    /// <summary>The full path of the model file this was read from.</summary>
    public string FilePath { get; }

    public int VocabSize { get; }

    public int? BosId { get; }

    public int? EosId { get; }

    /// <summary>True: SentencePiece models of Llama 2 and llama2.c are used with BOS before every text (add_bos_token).</summary>
    public bool AddsBos => BosId is not null;

    public bool AddsEos => false;

    public string ContentHash { get; }

    /// <summary>Reads a SentencePiece BPE model file.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="TokenizerFormatException">The file is not a SentencePiece BPE model.</exception>
    public static SentencePieceTokenizer Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var full = Path.GetFullPath(path);
        if (!File.Exists(full))
        {
            throw new FileNotFoundException($"tokenizer file '{full}' does not exist; expected a SentencePiece model (tokenizer.model)", full);
        }

        var bytes = File.ReadAllBytes(full);
        MlTokenizers.SentencePieceTokenizer model;
        try
        {
            using var stream = new MemoryStream(bytes, writable: false);
            model = MlTokenizers.LlamaTokenizer.Create(stream, addBeginOfSentence: false, addEndOfSentence: false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new TokenizerFormatException(
                $"SentencePiece model '{full}' could not be read ({(bytes.Length == 0 ? "the file is empty" : $"not a SentencePiece protobuf: {e.Message.TrimEnd('.')}")}); supported: SentencePiece BPE models (tokenizer.model of Llama 2, tok*.model of llama2.c)", e);
        }
        return new SentencePieceTokenizer(full, model, Convert.ToHexStringLower(SHA256.HashData(bytes)));
    }

    public IReadOnlyList<int> Encode(string text, bool addSpecialTokens) => addSpecialTokens ? this.EncodePrompt(text) : Encode(text);

    public string? Piece(int id) => (uint)id < (uint)_pieces.Length ? _pieces[id] : null;

    public IReadOnlyList<int> Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var normalized = Normalize(text);
        if (normalized.Length == 0)
        {
            return [];
        }

        return _model.EncodeToIds(normalized, addBeginningOfSentence: false, addEndOfSentence: false,
            considerPreTokenization: false, considerNormalization: false);
    }

    /// <summary>SentencePiece's normalization for the identity rule: only U+0020 counts as whitespace.</summary>
    internal string Normalize(string text)
    {
        var start = 0;
        if (_removeExtraWhitespaces)
        {
            while (start < text.Length && text[start] == ' ')
            {
                start++;
            }
        }

        if (start == text.Length)
        {
            return "";
        }

        var space = _escapeWhitespaces ? SpaceSymbol : ' ';
        var builder = new StringBuilder(text.Length - start + 1);
        if (_addDummyPrefix)
        {
            builder.Append(space);
        }

        var previousWasSpace = _removeExtraWhitespaces;
        for (var i = start; i < text.Length; i++)
        {
            var c = text[i];
            if (c == ' ')
            {
                if (!previousWasSpace)
                {
                    builder.Append(space);
                }

                previousWasSpace = _removeExtraWhitespaces;
            }
            else
            {
                builder.Append(c);
                previousWasSpace = false;
            }
        }
        if (_removeExtraWhitespaces)
        {
            while (builder.Length > 0 && builder[^1] == space)
            {
                builder.Length--;
            }
        }

        return builder.ToString();
    }

    /// <summary>
    /// SentencePiece's decode: control pieces (BOS, EOS) are invisible, byte pieces are gathered and read as UTF-8
    /// (each invalid byte becomes U+FFFD), '▁' becomes a space, and the dummy-prefix space of the first word is removed.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">An id is not in the vocabulary (as SentencePiece, which rejects it).</exception>
    public string Decode(IEnumerable<int> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var text = new StringBuilder();
        var pendingBytes = new List<byte>();
        var isBosWhitespace = true;
        var bosWhitespaceSeen = false;
        foreach (var id in ids)
        {
            if ((uint)id >= (uint)_pieces.Length || _pieces[id] is not { } piece)
            {
                throw new ArgumentOutOfRangeException(nameof(ids), id,
                    $"token id {id} is not in the vocabulary of {Name} ('{FilePath}'); valid ids are 0..{_pieces.Length - 1}");
            }

            if (_byteOfPiece[id] >= 0)
            {
                pendingBytes.Add((byte)_byteOfPiece[id]);
                continue;
            }
            FlushBytes(pendingBytes, text);
            if (bosWhitespaceSeen || text.Length > 0)
            {
                isBosWhitespace = false;
            }

            bosWhitespaceSeen = false;
            if (id == BosId || id == EosId)
            {
                continue;
            }

            if (id == _model.UnknownId)
            {
                text.Append(UnknownSurface);
                continue;
            }
            var surface = piece.AsSpan();
            if (isBosWhitespace && (_addDummyPrefix || _removeExtraWhitespaces) && surface.Length > 0 && surface[0] == SpaceSymbol)
            {
                surface = surface[1..];
                bosWhitespaceSeen = !_removeExtraWhitespaces;
            }
            foreach (var c in surface)
            {
                text.Append(c == SpaceSymbol ? ' ' : c);
            }
        }
        FlushBytes(pendingBytes, text);
        return text.ToString();
    }

    static void FlushBytes(List<byte> bytes, StringBuilder text)
    {
        if (bytes.Count == 0)
        {
            return;
        }

        ReadOnlySpan<byte> rest = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(bytes);
        while (!rest.IsEmpty)
        {
            if (Rune.DecodeFromUtf8(rest, out var rune, out var consumed) == OperationStatus.Done)
            {
                text.Append(rune.ToString());
                rest = rest[consumed..];
            }
            else
            {
                text.Append('\uFFFD');
                rest = rest[1..];
            }
        }
        bytes.Clear();
    }

    /// <summary>The byte of a byte-fallback piece "&lt;0xHH&gt;", or -1.</summary>
    static int ByteOfPiece(string piece) =>
        piece.Length == 6 && piece.StartsWith("<0x", StringComparison.Ordinal) && piece[5] == '>'
        && byte.TryParse(piece.AsSpan(3, 2), System.Globalization.NumberStyles.AllowHexSpecifier, null, out var b)
            ? b
            : -1;
}
