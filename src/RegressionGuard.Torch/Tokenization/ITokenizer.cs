namespace RegressionGuard.Torch.Tokenization;

/// <summary>
/// Text ⇄ token ids for one model, with the special-token rules of Hugging Face <c>transformers</c>:
/// <see cref="Encode(string)"/> never adds BOS/EOS; <see cref="Encode(string, bool)"/> with <c>true</c> adds what
/// <c>tokenizer(text)</c> adds (<see cref="AddsBos"/>, <see cref="AddsEos"/>: from the tokenizer.json post-processor,
/// or <c>add_bos_token</c>/<c>add_eos_token</c> in tokenizer_config.json, or the format's own convention).
/// </summary>
public interface ITokenizer
{
    /// <summary>Short description for messages and cache keys, e.g. "sentencepiece (tok512.model)".</summary>
    string Name { get; }

    /// <summary>Number of ids the tokenizer can produce (base vocabulary plus added tokens).</summary>
    int VocabSize { get; }

    /// <summary>The beginning-of-sequence token (transformers' <c>bos_token_id</c>), or null when the tokenizer has none.</summary>
    int? BosId { get; }

    /// <summary>The end-of-sequence token (transformers' <c>eos_token_id</c>), or null when the tokenizer has none.</summary>
    int? EosId { get; }

    /// <summary>Whether <c>Encode(text, addSpecialTokens: true)</c> starts with <see cref="BosId"/> (Llama, Mistral: yes; GPT-2, Qwen: no).</summary>
    bool AddsBos { get; }

    /// <summary>Whether <c>Encode(text, addSpecialTokens: true)</c> ends with <see cref="EosId"/> (rare for causal models).</summary>
    bool AddsEos { get; }

    /// <summary>SHA-256 (hex) of the tokenizer file(s): part of every cache key.</summary>
    string ContentHash { get; }

    /// <summary>Encodes text to ids without adding BOS/EOS. Special/added tokens written literally in the text are matched.</summary>
    IReadOnlyList<int> Encode(string text);

    /// <summary>
    /// Encodes text as transformers' <c>tokenizer(text, add_special_tokens=addSpecialTokens)</c>: with <c>true</c>, the
    /// special tokens the tokenizer adds around a single text (BOS when <see cref="AddsBos"/>, EOS when <see cref="AddsEos"/>).
    /// </summary>
    IReadOnlyList<int> Encode(string text, bool addSpecialTokens);

    /// <summary>Decodes ids to text; special tokens (BOS, EOS, other special added tokens) are dropped.</summary>
    string Decode(IEnumerable<int> ids);

    /// <summary>The vocabulary entry of an id as stored in the tokenizer file (e.g. "Ġthe", "▁the", "&lt;0x0A&gt;"), or null when the id has none.</summary>
    string? Piece(int id);
}

/// <summary>The rules every caller shares for where BOS/EOS go (one place, so training, scoring and generation agree).</summary>
public static class TokenizerRules
{
    /// <summary>
    /// The ids of a prompt or context: <c>[BOS] + Encode(text)</c> when <paramref name="addSpecialTokens"/> and the
    /// tokenizer adds BOS, else <c>Encode(text)</c>. An EOS the tokenizer would append is not added: a prompt is
    /// continued by the model, so it must not be declared finished.
    /// </summary>
    public static int[] EncodePrompt(this ITokenizer tokenizer, string text, bool addSpecialTokens = true)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        var ids = tokenizer.Encode(text);
        if (!addSpecialTokens || !tokenizer.AddsBos || tokenizer.BosId is not int bos)
        {
            return [.. ids];
        }

        var result = new int[ids.Count + 1];
        result[0] = bos;
        for (var i = 0; i < ids.Count; i++)
        {
            result[i + 1] = ids[i];
        }

        return result;
    }

    /// <summary>
    /// The token placed before a whole document that is scored or trained on, as lm-evaluation-harness's
    /// <c>HFLM.prefix_token_id</c>: the BOS token when the tokenizer has one, else its EOS (end-of-text) token; null when
    /// it has neither (then the document's first token is context, not predicted).
    /// </summary>
    public static int? DocumentPrefixId(this ITokenizer tokenizer)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        return tokenizer.BosId ?? tokenizer.EosId;
    }

    /// <summary><c>[prefix] + Encode(text)</c> with the prefix of <see cref="DocumentPrefixId"/> (none when it is null).</summary>
    public static int[] EncodeDocument(this ITokenizer tokenizer, string text)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        var ids = tokenizer.Encode(text);
        if (tokenizer.DocumentPrefixId() is not int prefix)
        {
            return [.. ids];
        }

        var result = new int[ids.Count + 1];
        result[0] = prefix;
        for (var i = 0; i < ids.Count; i++)
        {
            result[i + 1] = ids[i];
        }

        return result;
    }
}
