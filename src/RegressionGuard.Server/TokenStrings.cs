using RegressionGuard.Torch.Tokenization;

namespace RegressionGuard.Server;

/// <summary>
/// The per-id strings a completions answer repeats for every echoed position — the token's piece (vLLM's
/// <c>tokens</c> and <c>top_logprobs</c> keys) and its decoded text (whose length is the <c>text_offset</c> step) —
/// each made once per id and kept, so an answer costs a lookup per position instead of a decode.
/// </summary>
public sealed class TokenStrings(ITokenizer tokenizer)
{
    readonly string?[] _pieces = new string?[Math.Max(0, tokenizer.VocabSize)];
    readonly string?[] _texts = new string?[Math.Max(0, tokenizer.VocabSize)];

    /// <summary>The id's piece, or its decoded text where the tokenizer has no piece for it.</summary>
    public string Piece(int id) => Cached(_pieces, id, () => tokenizer.Piece(id) ?? Text(id));

    /// <summary>The id decoded alone.</summary>
    public string Text(int id) => Cached(_texts, id, () => tokenizer.Decode([id]));

    static string Cached(string?[] table, int id, Func<string> make)
    {
        if ((uint)id >= (uint)table.Length)
        {
            return make();
        }

        // a race makes the same string twice; either copy is right
        return Volatile.Read(ref table[id]) ?? (table[id] = make());
    }
}
