using RegressionGuard.Forgetting;

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
    /// exactly those tokens, and how many there are. A context that encodes to no tokens (empty, and no BOS added) is
    /// replaced by the document prefix token (BOS, else EOS), as lm-evaluation-harness does.
    /// </summary>
    IReadOnlyList<LogLikelihoodResult> LogLikelihood(IReadOnlyList<LogLikelihoodRequest> requests, IProgress<int>? progress = null);

    /// <summary>
    /// Log-likelihood of whole documents, windowed when longer than the context (see <see cref="RollingOptions"/>). Each
    /// document is [prefix] + text with the prefix of lm-evaluation-harness: the BOS token when the tokenizer has one,
    /// else its EOS (end-of-text) token.
    /// </summary>
    IReadOnlyList<RollingLogLikelihoodResult> RollingLogLikelihood(IReadOnlyList<string> documents, RollingOptions options, IProgress<int>? progress = null);

    /// <summary>Greedy generation for many prompts at once, each until a stop sequence or its token limit.</summary>
    IReadOnlyList<GenerationResult> Generate(IReadOnlyList<GenerationRequest> requests, IProgress<int>? progress = null);

    // ------------------------------------------------------------------ what L_f needs (optional capabilities)

    /// <summary>What this backend can do beyond generation: log-likelihood scoring, next-token distributions for L_f.</summary>
    ModelCapabilities Capabilities => ModelCapabilities.InProcess;

    /// <summary>
    /// How many tokens a prompt is as this backend sends it (with BOS when <paramref name="addSpecialTokens"/> and the
    /// tokenizer adds one), for the suites' too-long policy before the model runs; null when the backend has no tokenizer
    /// here (a generation-only chat client), and then prompts are sent as they are. Read with
    /// <see cref="ModelDescription.ContextLength"/> (0: the backend does not say).
    /// </summary>
    int? CountPromptTokens(string text, bool addSpecialTokens) => null;

    /// <summary>
    /// The ids of a scored document: [BOS, else EOS] + encode(text), as <see cref="RollingLogLikelihood"/> scores it.
    /// L_f plans its windows on these ids (<see cref="ForgettingPlan"/>).
    /// </summary>
    int[] EncodeDocument(string text) => throw ModelCapabilityException.Missing(this, "token ids of documents", "L_f plans its windows on them");

    /// <summary>
    /// The next-token distributions at every scored position of a corpus (the base side of L_f): all V probabilities,
    /// or the top <paramref name="topK"/> (null: the backend's default; at most <see cref="ModelCapabilities.MaxTopK"/>),
    /// with the entropy of the whole distribution and the most likely id at each position.
    /// </summary>
    BaseDistributions NextTokenDistributions(IReadOnlyList<string> documents, RollingOptions options, int? topK, IProgress<int>? progress = null) =>
        throw ModelCapabilityException.Missing(this, "next-token distributions", "L_f needs the base model's distributions");

    /// <summary>
    /// L_f of this model (the tuned side) against stored base distributions: the cross-entropy of this model's next-token
    /// distribution against the reference at every position of <paramref name="reference"/>. A backend that cannot
    /// return what the exact value needs returns the tightest bounds it allows (<see cref="ForgettingResult.Bounds"/>).
    /// </summary>
    ForgettingResult CrossEntropyAgainst(BaseDistributions reference, IProgress<int>? progress = null) =>
        throw ModelCapabilityException.Missing(this, "next-token log-probabilities", "L_f needs the tuned model's log-probabilities of the base's likely ids");
}

/// <summary>
/// What a backend supports. <see cref="LogLikelihood"/>: multiple-choice and rolling scoring (needs log-probabilities);
/// <see cref="Distributions"/>: next-token distributions for L_f; <see cref="MaxTopK"/>: null when all V probabilities
/// can be returned, else the most ids per position; <see cref="ExactCrossEntropy"/>: L_f against a reference is exact
/// (false: bounded, see <see cref="ForgettingResult.Bounds"/>).
/// </summary>
public sealed record ModelCapabilities(bool LogLikelihood, bool Distributions, int? MaxTopK, bool ExactCrossEntropy)
{
    /// <summary>An in-process model: everything, exactly.</summary>
    public static ModelCapabilities InProcess { get; } = new(true, true, null, true);

    /// <summary>A chat endpoint without log-probabilities: generation only.</summary>
    public static ModelCapabilities GenerationOnly { get; } = new(false, false, 0, false);
}

/// <summary>A backend asked for something it cannot return (e.g. log-likelihood from a generation-only chat client).</summary>
public sealed class ModelCapabilityException(string message) : Exception(message)
{
    public static ModelCapabilityException Missing(ILanguageModel model, string what, string why) =>
        new($"{model.Description.Path}: this backend cannot return {what} ({model.Description.Architecture}); {why}");
}

/// <summary>A window of a scored sequence: the ids, and the first position whose id is predicted (scored).</summary>
public readonly record struct ScoredWindow(int[] Ids, int FirstTarget);

/// <summary>The windows L_f scores a corpus on, from any model's <see cref="ILanguageModel.EncodeDocument"/>.</summary>
public static class ForgettingPlan
{
    // Per model, the ids of the documents of its last plan, by string instance: a gate plans the corpus once to shard
    // and count it, then the model plans the same strings again to run them; the second plan reuses the ids instead
    // of tokenizing the corpus twice. Only the last plan's documents are kept (a map never changed once published),
    // and only while the model lives.
    static readonly System.Runtime.CompilerServices.ConditionalWeakTable<ILanguageModel, Dictionary<string, int[]>> LastIds = new();

    /// <summary>The windows of every document (<see cref="RollingWindows"/> over the model's context) and the document of each.</summary>
    public static (List<ScoredWindow> Windows, int[] Document) Of(ILanguageModel model, IReadOnlyList<string> documents, RollingOptions options)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(documents);
        LastIds.TryGetValue(model, out var last);
        var known = new Dictionary<string, int[]>(ReferenceEqualityComparer.Instance);
        var windows = new List<ScoredWindow>();
        var owner = new List<int>();
        for (int d = 0; d < documents.Count; d++)
        {
            var text = documents[d];
            var ids = last?.GetValueOrDefault(text) ?? known.GetValueOrDefault(text) ?? model.EncodeDocument(text);
            known[text] = ids;
            foreach (var w in RollingWindows.Plan(ids.Length, model.Description.ContextLength, options))
            {
                windows.Add(new ScoredWindow(ids[w.Start..w.End], w.PredictFrom - w.Start));
                owner.Add(d);
            }
        }

        LastIds.AddOrUpdate(model, known);
        return (windows, owner.ToArray());
    }
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
    Func<string> ContentHash,
    string? TokenizerHash = null);

/// <param name="AddSpecialTokens">false: the context is encoded exactly as given (e.g. a rendered chat template that
/// already carries its BOS text); true: BOS is prepended when the tokenizer adds one (transformers' add_special_tokens).</param>
public sealed record LogLikelihoodRequest(string Context, string Continuation, bool AddSpecialTokens = true);

public readonly record struct LogLikelihoodResult(double LogLikelihood, bool IsGreedy, int TokenCount);

/// <param name="Truncate">cut each document at the context length instead of windowing it.</param>
/// <param name="Stride">tokens each later window advances by; null = half the context length.</param>
public sealed record RollingOptions(bool Truncate = false, int? Stride = null);

/// <param name="LogLikelihood">sum of log-probabilities of every predicted token (all ids after the prefix token).</param>
/// <param name="PredictedTokens">how many tokens were predicted.</param>
public readonly record struct RollingLogLikelihoodResult(double LogLikelihood, int PredictedTokens);

/// <param name="Prompt">the prompt text; with a tokenizer that adds BOS, empty means generate from BOS alone. A prompt
/// that encodes to no tokens is an error.</param>
/// <param name="AddSpecialTokens">false: the prompt is encoded exactly as given (a rendered chat template already
/// carries its BOS text); true: BOS is prepended when the tokenizer adds one.</param>
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
