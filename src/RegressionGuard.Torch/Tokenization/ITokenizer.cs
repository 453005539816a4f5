namespace RegressionGuard.Torch.Tokenization;

/// <summary>
/// Text ⇄ token ids for one model. Encoding never adds BOS/EOS: callers add <see cref="BosId"/> themselves
/// (every document is <c>[BOS] + Encode(text)</c>).
/// </summary>
public interface ITokenizer
{
    /// <summary>Short description for messages and cache keys, e.g. "sentencepiece (tok512.model)".</summary>
    string Name { get; }

    /// <summary>Number of ids the tokenizer can produce (base vocabulary plus added tokens).</summary>
    int VocabSize { get; }

    /// <summary>Beginning-of-sequence id, or null when the tokenizer has none (GPT-2 uses <c>&lt;|endoftext|&gt;</c> for both).</summary>
    int? BosId { get; }

    /// <summary>End-of-sequence id, or null when the tokenizer has none.</summary>
    int? EosId { get; }

    /// <summary>SHA-256 (hex) of the tokenizer file(s): part of every cache key.</summary>
    string ContentHash { get; }

    /// <summary>Encodes text to ids without BOS/EOS. Special/added tokens written literally in the text are matched.</summary>
    IReadOnlyList<int> Encode(string text);

    /// <summary>Decodes ids to text; BOS/EOS and other special tokens are dropped.</summary>
    string Decode(IEnumerable<int> ids);
}
