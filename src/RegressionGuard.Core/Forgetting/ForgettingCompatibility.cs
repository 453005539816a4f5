using RegressionGuard.Modeling;

namespace RegressionGuard.Forgetting;

/// <summary>L_f compares distributions over the same ids: both models must share one vocabulary and tokenizer.</summary>
public static class ForgettingCompatibility
{
    /// <exception cref="InvalidDataException">The vocabularies or tokenizers differ.</exception>
    public static void Check(ILanguageModel baseModel, ILanguageModel tuned)
    {
        ArgumentNullException.ThrowIfNull(baseModel);
        ArgumentNullException.ThrowIfNull(tuned);
        var (a, b) = (baseModel.Description, tuned.Description);
        bool sameTokenizer = a.TokenizerHash is null || b.TokenizerHash is null || a.TokenizerHash == b.TokenizerHash;
        bool sameVocabulary = a.VocabSize == 0 || b.VocabSize == 0 || a.VocabSize == b.VocabSize; // 0: a server that does not say
        if (!sameTokenizer || !sameVocabulary)
        {
            throw new InvalidDataException(
                $"base and tuned models use different vocabularies or tokenizers: base '{a.Path}' ({a.Tokenizer}, {a.VocabSize} ids, tokenizer sha256 {Short(a.TokenizerHash)}) vs tuned '{b.Path}' ({b.Tokenizer}, {b.VocabSize} ids, tokenizer sha256 {Short(b.TokenizerHash)}); L_f is undefined across vocabularies");
        }
    }

    static string Short(string? hash) => hash is null ? "unknown" : hash[..Math.Min(12, hash.Length)];
}
