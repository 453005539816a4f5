using RegressionGuard.Modeling;
using RegressionGuard.Torch.Tokenization;

namespace RegressionGuard.Remote;

/// <summary>
/// The ids one log-likelihood request scores, by the rule of the model interface (docs/architecture.md, "The seam"):
/// trailing spaces of the context move to the continuation; encode(context + continuation) split at
/// len(encode(context)); an empty context is the prefix token; sequences longer than context + 1 ids lose the start of
/// the context. Made locally, so a served model scores exactly the ids the in-process model would.
/// </summary>
public readonly record struct ContinuationPlan(int[] Ids, int FirstTarget)
{
    public static ContinuationPlan Of(ITokenizer tokenizer, LogLikelihoodRequest request, int index, int contextLength)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(request);
        string context = request.Context, continuation = request.Continuation;
        int spaces = context.Length - context.TrimEnd(' ').Length;
        if (spaces > 0)
        {
            (context, continuation) = (context[..^spaces], context[^spaces..] + continuation);
        }

        var contextIds = tokenizer.EncodePrompt(context, request.AddSpecialTokens);
        var wholeIds = tokenizer.EncodePrompt(context + continuation, request.AddSpecialTokens);
        var continuationIds = wholeIds.Length > contextIds.Length ? wholeIds[contextIds.Length..] : [];
        if (contextIds.Length == 0)
        {
            contextIds = tokenizer.DocumentPrefixId() is int prefix
                ? [prefix]
                : throw new ArgumentException($"request {index}: the context '{request.Context}' encodes to no tokens and {tokenizer.Name} has neither BOS nor EOS to stand for it; give a non-empty context");
        }

        if (continuationIds.Length == 0)
        {
            throw new ArgumentException($"request {index}: continuation '{request.Continuation}' encodes to no tokens after its context");
        }

        int[] full = [.. contextIds, .. continuationIds];
        int maxTokens = contextLength + 1;
        var kept = full.Length > maxTokens ? full[^maxTokens..] : full;
        return new ContinuationPlan(kept, kept.Length - Math.Min(continuationIds.Length, kept.Length - 1));
    }
}
