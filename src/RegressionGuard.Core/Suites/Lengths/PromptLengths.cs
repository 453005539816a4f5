using RegressionGuard.Modeling;
using RegressionGuard.Suites.Evaluation;
using RegressionGuard.Suites.Items;

namespace RegressionGuard.Suites.Lengths;

/// <summary>What the too-long policy did with one item.</summary>
public enum FitOutcome
{
    /// <summary>The prompt fits as it is.</summary>
    Fits,

    /// <summary>Too long, cut from the left (<c>truncate: left</c>).</summary>
    Cut,

    /// <summary>Too long, left out (<c>truncate: skip</c>, or the two models of a pair would not see it alike).</summary>
    Skipped,

    /// <summary>Too long under <c>truncate: error</c>: an entry of <see cref="PromptFit.Errors"/>.</summary>
    TooLong,
}

/// <summary>One item's decision: the item as it is sent (cut under <c>truncate: left</c>), the outcome, its token count.</summary>
/// <param name="Reason">why a skipped item was left out (shown in items.jsonl and the reports).</param>
public sealed record ItemFit(SuiteItem Sent, FitOutcome Outcome, int Tokens, string? Reason = null);

/// <summary>What the too-long policy did to a suite's items for one model (or one pair of models).</summary>
/// <param name="Decisions">one per item, in the items' order (positions never shift: a skipped item keeps its place).</param>
/// <param name="ContextLength">the context the items were fitted to (a pair: the smaller of the two).</param>
/// <param name="Errors">under <c>truncate: error</c>: one per item that does not fit, at the suite with the row.</param>
public sealed record PromptFit(IReadOnlyList<ItemFit> Decisions, int ContextLength, TooLongPolicy Policy, IReadOnlyList<SuiteError> Errors)
{
    /// <summary>The items to evaluate (cut from the left under <c>truncate: left</c> where needed).</summary>
    public IReadOnlyList<SuiteItem> Items => Decisions.Where(d => d.Outcome is FitOutcome.Fits or FitOutcome.Cut).Select(d => d.Sent).ToList();

    /// <summary>Items left out.</summary>
    public IReadOnlyList<SuiteItem> Skipped => Decisions.Where(d => d.Outcome == FitOutcome.Skipped).Select(d => d.Sent).ToList();

    /// <summary>How many items were cut under <c>truncate: left</c>.</summary>
    public int Truncated => Decisions.Count(d => d.Outcome == FitOutcome.Cut);

    /// <summary>A line for people: nothing when every item fits.</summary>
    public string? Summary(string suiteId, int contextLength) =>
        Skipped.Count > 0 ? $"{suiteId}: skipped {Skipped.Count:N0} item(s) whose prompt does not fit the context of {contextLength:N0} tokens (truncate: skip), first {Skipped[0].Source}"
        : Truncated > 0 ? $"{suiteId}: cut the start of {Truncated:N0} prompt(s) to fit the context of {contextLength:N0} tokens (truncate: left)"
        : null;

    /// <summary>
    /// The result of every item, in the items' order, from <paramref name="evaluated"/> (the result of <see cref="Items"/>):
    /// a skipped item appears with its reason and no metrics (no metric counts it), a cut one is marked
    /// <see cref="ItemResult.Truncated"/>; the result records the context and the policy.
    /// </summary>
    public SuiteResult Complete(SuiteResult evaluated)
    {
        ArgumentNullException.ThrowIfNull(evaluated);
        var items = new List<ItemResult>(Decisions.Count);
        int k = 0;
        foreach (var d in Decisions)
        {
            items.Add(d.Outcome == FitOutcome.Skipped ? SkippedResult(d) : d.Outcome == FitOutcome.Cut ? evaluated.Items[k++] with { Truncated = true } : evaluated.Items[k++]);
        }
        return evaluated with { Items = items, ContextLength = ContextLength, Truncate = PromptLengths.PolicyName(Policy) };
    }

    internal static ItemResult SkippedResult(ItemFit d) => new()
    {
        Id = d.Sent.Id,
        Source = d.Sent.Source,
        Prompt = d.Sent.Context,
        Group = d.Sent.Group,
        Skipped = d.Reason,
        Metrics = new Dictionary<string, double>(),
    };
}

/// <summary>What the too-long policy did to a suite, for reports: counts, the context, the policy and a line for people.</summary>
/// <param name="Note">"3 items skipped (prompt longer than the context of 256 tokens; first …)", "5 prompts truncated left (…)".</param>
public sealed record PromptLengthReport(int? ContextLength, string? Policy, int Skipped, int Truncated, string Note)
{
    /// <summary>Null when no item of <paramref name="result"/> was skipped or cut.</summary>
    public static PromptLengthReport? Of(SuiteResult result) =>
        PromptLengths.Note(result) is { } note ? new PromptLengthReport(result.ContextLength, result.Truncate, result.SkippedItems, result.TruncatedItems, note) : null;
}

/// <summary>
/// Checks every item's prompt against a model's context before the model runs, and applies the suite's
/// <see cref="TooLongPolicy"/>. A multiple-choice item fits when its context and longest continuation do (the runtime
/// keeps at most the context length + 1 tokens); a generate/refusal item fits when its prompt leaves room for
/// <c>generation.max_new_tokens</c> (at least one token when that is larger than the context). Under
/// <c>truncate: left</c> a multiple-choice context is cut by the runtime (as lm-evaluation-harness does), a
/// generation prompt here: the fewest leading characters are dropped that make it fit. Each item is decided alone,
/// so a shard of a suite gets the same decisions for its items as the whole suite.
/// </summary>
public static class PromptLengths
{
    /// <param name="countTokens">the model's token count of a text (with BOS when the suite's requests add it).</param>
    public static PromptFit Apply(SuiteDefinition suite, IReadOnlyList<SuiteItem> items, Func<string, int> countTokens, int contextLength)
    {
        ArgumentNullException.ThrowIfNull(suite);
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(countTokens);
        int room = Room(suite, contextLength);
        var decisions = new List<ItemFit>(items.Count);
        var errors = new List<SuiteError>();
        foreach (var item in items)
        {
            int tokens = Tokens(suite, item, countTokens);
            if (tokens <= room)
            {
                decisions.Add(new ItemFit(item, FitOutcome.Fits, tokens));
                continue;
            }

            switch (suite.Truncate)
            {
                case TooLongPolicy.Skip:
                    decisions.Add(new ItemFit(item, FitOutcome.Skipped, tokens, $"prompt of {tokens:N0} tokens{With(suite)} does not fit the context of {contextLength:N0} tokens (truncate: skip)"));
                    break;
                case TooLongPolicy.Left:
                    decisions.Add(new ItemFit(suite.Task == TaskType.MultipleChoice ? item : item with { Context = CutLeft(item.Context, countTokens, room) }, FitOutcome.Cut, tokens));
                    break;
                default:
                    decisions.Add(new ItemFit(item, FitOutcome.TooLong, tokens));
                    errors.Add(new SuiteError(suite.File, 1, 1,
                        $"the prompt does not fit the model's context of {contextLength:N0} tokens{With(suite)}; set truncate: left (cut its start) or truncate: skip (leave it out, counted)")
                    { Row = item.Source });
                    break;
            }
        }
        return new PromptFit(decisions, contextLength, suite.Truncate, errors);
    }

    /// <summary>
    /// The policy for <paramref name="model"/> through <see cref="ILanguageModel"/>: its tokenizer
    /// (<see cref="ILanguageModel.CountPromptTokens"/>) and its context (<see cref="ModelDescription.ContextLength"/>, or
    /// <paramref name="contextLength"/> when smaller). Null when the backend cannot count tokens or does not say its
    /// context (a generation-only chat client): then prompts are sent as they are.
    /// </summary>
    public static PromptFit? ForModel(SuiteDefinition suite, IReadOnlyList<SuiteItem> items, ILanguageModel model, int? contextLength = null)
    {
        ArgumentNullException.ThrowIfNull(suite);
        ArgumentNullException.ThrowIfNull(model);
        int context = Math.Min(model.Description.ContextLength, contextLength ?? int.MaxValue);
        bool special = SuiteEvaluator.AddsSpecialTokens(suite);
        if (context <= 0 || model.CountPromptTokens("", special) is null)
        {
            return null;
        }

        return Apply(suite, items, text => model.CountPromptTokens(text, special)!.Value, context);
    }

    /// <summary>
    /// The decisions both models of a pair share. <paramref name="baseFit"/> is what the base model was given;
    /// <paramref name="tunedFit"/> the tuned model's own fit at the smaller context. An item is skipped when either model
    /// cannot take it; a kept item must reach both models alike: the same text and, for a multiple-choice context the
    /// runtime cuts, the same context. An item the tuned model would see differently (a smaller context or another
    /// tokenizer) is skipped for both and says why. Items a policy of <c>error</c> refuses stay errors.
    /// </summary>
    /// <param name="tunedContext">the tuned model's own context (its runtime cuts a multiple-choice context there).</param>
    /// <returns>the shared fit, and the positions the base kept that the pair leaves out.</returns>
    public static (PromptFit Pair, IReadOnlyList<int> DroppedFromBase) Pair(SuiteDefinition suite, PromptFit baseFit, PromptFit tunedFit, int tunedContext)
    {
        ArgumentNullException.ThrowIfNull(suite);
        ArgumentNullException.ThrowIfNull(baseFit);
        ArgumentNullException.ThrowIfNull(tunedFit);
        var decisions = new List<ItemFit>(baseFit.Decisions.Count);
        var dropped = new List<int>();
        bool sameContext = baseFit.ContextLength == tunedContext;
        for (int i = 0; i < baseFit.Decisions.Count; i++)
        {
            var (b, t) = (baseFit.Decisions[i], tunedFit.Decisions[i]);
            string? reason = b.Outcome == FitOutcome.Skipped || t.Outcome == FitOutcome.TooLong ? null
                : t.Outcome == FitOutcome.Skipped ? $"{t.Reason} on the tuned model"
                : b.Sent.Context != t.Sent.Context || (suite.Task == TaskType.MultipleChoice && !sameContext && (b.Outcome == FitOutcome.Cut || t.Outcome == FitOutcome.Cut))
                    ? $"the prompt does not reach both models alike: the base model's context is {(baseFit.ContextLength == UnknownContext ? "unknown (it got the prompt whole)" : $"{baseFit.ContextLength:N0} tokens")}, the tuned model's {tunedContext:N0} (truncate: left)"
                : null;
            if (reason is not null)
            {
                dropped.Add(i);
                decisions.Add(new ItemFit(b.Sent, FitOutcome.Skipped, t.Tokens, reason));
            }
            else
            {
                decisions.Add(t.Outcome == FitOutcome.TooLong ? t : b);
            }
        }
        return (new PromptFit(decisions, Math.Min(baseFit.ContextLength, tunedFit.ContextLength), suite.Truncate, tunedFit.Errors), dropped);
    }

    /// <summary>The context of a model that does not say it (<see cref="Whole"/>).</summary>
    public const int UnknownContext = int.MaxValue;

    /// <summary>What a backend that cannot count tokens was given: every item whole, at an unknown context.</summary>
    public static PromptFit Whole(SuiteDefinition suite, IReadOnlyList<SuiteItem> items)
    {
        ArgumentNullException.ThrowIfNull(suite);
        ArgumentNullException.ThrowIfNull(items);
        return new PromptFit(items.Select(i => new ItemFit(i, FitOutcome.Fits, 0)).ToList(), UnknownContext, suite.Truncate, []);
    }

    /// <summary>The suite's name of a policy: <c>left</c>, <c>skip</c> or <c>error</c>.</summary>
    public static string PolicyName(TooLongPolicy policy) => policy.ToString().ToLowerInvariant();

    /// <summary>
    /// A line for reports: "3 items skipped (prompt longer than the context of 256 tokens)", "5 prompts truncated left
    /// (to the context of 256 tokens)", both joined by "; "; null when the result has neither.
    /// </summary>
    public static string? Note(SuiteResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var parts = new List<string>();
        string context = result.ContextLength is int c ? $"the context of {c:N0} tokens" : "the model's context";
        if (result.SkippedItems > 0)
        {
            var first = result.Items.First(i => i.Skipped is not null);
            parts.Add($"{Plural(result.SkippedItems, "item")} skipped (prompt longer than {context}; first {first.Source}: {first.Skipped})");
        }

        if (result.TruncatedItems > 0)
        {
            parts.Add($"{Plural(result.TruncatedItems, "prompt")} truncated left (to {context})");
        }

        return parts.Count == 0 ? null : string.Join("; ", parts);
    }

    static string Plural(int n, string noun) => $"{n:N0} {noun}{(n == 1 ? "" : "s")}";

    static int Room(SuiteDefinition suite, int contextLength) =>
        suite.Task == TaskType.MultipleChoice ? contextLength + 1 : Math.Max(1, contextLength - suite.Generation.MaxNewTokens);

    static int Tokens(SuiteDefinition suite, SuiteItem item, Func<string, int> countTokens) => suite.Task == TaskType.MultipleChoice
        ? item.Choices.Max(c => countTokens(item.Context + suite.TargetDelimiter + c))
        : countTokens(item.Context);

    static string With(SuiteDefinition suite) =>
        suite.Task == TaskType.MultipleChoice ? " (with its longest choice)" : $" with generation.max_new_tokens {suite.Generation.MaxNewTokens:N0}";

    /// <summary>The text without the fewest leading characters that make it fit <paramref name="room"/> tokens (binary search).</summary>
    static string CutLeft(string text, Func<string, int> countTokens, int room)
    {
        int low = 0, high = text.Length;
        while (low < high)
        {
            int mid = low + (high - low) / 2;
            if (countTokens(text[mid..]) <= room)
            {
                high = mid;
            }
            else
            {
                low = mid + 1;
            }
        }
        return text[low..];
    }
}
