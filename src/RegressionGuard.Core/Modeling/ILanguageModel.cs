namespace RegressionGuard.Modeling;

/// <summary>
/// What the rest of RegressionGuard asks of a model. It never sees a suite: only batches of requests, which the
/// implementation may sort and pad as it likes. Results come back in request order and do not depend on the batch
/// size or padding beyond 1e-4 (fp32).
/// </summary>
public interface ILanguageModel : IDisposable
{
    ModelDescription Description { get; }

    /// <summary>
    /// log P(continuation | context) summed over the continuation's tokens, whether greedy decoding would have produced
    /// exactly those tokens, and how many there are. An empty context means the continuation follows BOS alone.
    /// </summary>
    IReadOnlyList<LogLikelihoodResult> LogLikelihood(IReadOnlyList<LogLikelihoodRequest> requests, IProgress<int>? progress = null);

    /// <summary>Log-likelihood of whole documents ([BOS] + text), windowed when longer than the context (see <see cref="RollingOptions"/>).</summary>
    IReadOnlyList<RollingLogLikelihoodResult> RollingLogLikelihood(IReadOnlyList<string> documents, RollingOptions options, IProgress<int>? progress = null);

    /// <summary>Greedy generation for many prompts at once, each until a stop sequence or its token limit.</summary>
    IReadOnlyList<GenerationResult> Generate(IReadOnlyList<GenerationRequest> requests, IProgress<int>? progress = null);
}

/// <summary>Identity of a loaded model, for reports and cache keys.</summary>
public sealed record ModelDescription(
    string Path,
    string Architecture,
    int VocabSize,
    int ContextLength,
    long Parameters,
    string DType,
    string Tokenizer,
    Func<string> ContentHash);

/// <param name="AddSpecialTokens">false: the context is encoded exactly as given, no BOS prepended (a rendered chat template already carries its BOS text).</param>
public sealed record LogLikelihoodRequest(string Context, string Continuation, bool AddSpecialTokens = true);

public readonly record struct LogLikelihoodResult(double LogLikelihood, bool IsGreedy, int TokenCount);

/// <param name="Truncate">cut each document at the context length instead of windowing it.</param>
/// <param name="Stride">tokens each later window advances by; null = half the context length.</param>
public sealed record RollingOptions(bool Truncate = false, int? Stride = null);

/// <param name="LogLikelihood">sum of log-probabilities of every predicted token (all ids after BOS).</param>
/// <param name="PredictedTokens">how many tokens were predicted.</param>
public readonly record struct RollingLogLikelihoodResult(double LogLikelihood, int PredictedTokens);

/// <param name="Prompt">text after BOS; empty means generate from BOS alone.</param>
/// <param name="AddSpecialTokens">false: the prompt is encoded exactly as given, no BOS prepended (a rendered chat template already carries its BOS text).</param>
public sealed record GenerationRequest(string Prompt, int MaxNewTokens, IReadOnlyList<string>? StopSequences = null, bool AddSpecialTokens = true);

public enum FinishReason
{
    Length,
    Stop,
    EndOfSequence,
    ContextFull,
}

/// <param name="Text">the generated text, cut before the first stop sequence.</param>
/// <param name="TokenIds">the generated token ids (the prompt excluded).</param>
public sealed record GenerationResult(string Text, IReadOnlyList<int> TokenIds, FinishReason FinishReason);
