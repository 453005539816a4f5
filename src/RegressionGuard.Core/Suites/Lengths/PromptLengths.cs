using RegressionGuard.Suites.Items;

namespace RegressionGuard.Suites.Lengths;

/// <summary>What the too-long policy did to a suite's items for one model.</summary>
/// <param name="Items">the items to evaluate (cut from the left under <c>truncate: left</c> where needed).</param>
/// <param name="Skipped">items left out under <c>truncate: skip</c>.</param>
/// <param name="Truncated">how many items were cut under <c>truncate: left</c>.</param>
/// <param name="Errors">under <c>truncate: error</c>: one per item that does not fit, at the suite with the row.</param>
public sealed record PromptFit(IReadOnlyList<SuiteItem> Items, IReadOnlyList<SuiteItem> Skipped, int Truncated, IReadOnlyList<SuiteError> Errors)
{
    /// <summary>A line for people: nothing when every item fits.</summary>
    public string? Summary(string suiteId, int contextLength) =>
        Skipped.Count > 0 ? $"{suiteId}: skipped {Skipped.Count:N0} item(s) whose prompt does not fit the context of {contextLength:N0} tokens (truncate: skip), first {Skipped[0].Source}"
        : Truncated > 0 ? $"{suiteId}: cut the start of {Truncated:N0} prompt(s) to fit the context of {contextLength:N0} tokens (truncate: left)"
        : null;
}

/// <summary>
/// Checks every item's prompt against a model's context before the model runs, and applies the suite's
/// <see cref="TooLongPolicy"/>. A multiple-choice item fits when its context and longest continuation do (the runtime
/// keeps at most the context length + 1 tokens); a generate/refusal item fits when its prompt leaves room for
/// <c>generation.max_new_tokens</c> (at least one token when that is larger than the context). Under
/// <c>truncate: left</c> a multiple-choice context is cut by the runtime (as lm-evaluation-harness does), a
/// generation prompt here: the fewest leading characters are dropped that make it fit.
/// </summary>
public static class PromptLengths
{
    /// <param name="countTokens">the model's token count of a text (with BOS when the suite's requests add it).</param>
    public static PromptFit Apply(SuiteDefinition suite, IReadOnlyList<SuiteItem> items, Func<string, int> countTokens, int contextLength)
    {
        ArgumentNullException.ThrowIfNull(suite);
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(countTokens);
        int room = suite.Task == TaskType.MultipleChoice ? contextLength + 1 : Math.Max(1, contextLength - suite.Generation.MaxNewTokens);
        var kept = new List<SuiteItem>(items.Count);
        var skipped = new List<SuiteItem>();
        var errors = new List<SuiteError>();
        int truncated = 0;
        foreach (var item in items)
        {
            int tokens = suite.Task == TaskType.MultipleChoice
                ? item.Choices.Max(c => countTokens(item.Context + suite.TargetDelimiter + c))
                : countTokens(item.Context);
            if (tokens <= room)
            {
                kept.Add(item);
                continue;
            }

            switch (suite.Truncate)
            {
                case TooLongPolicy.Skip:
                    skipped.Add(item);
                    break;
                case TooLongPolicy.Left:
                    truncated++;
                    kept.Add(suite.Task == TaskType.MultipleChoice ? item : item with { Context = CutLeft(item.Context, countTokens, room) });
                    break;
                default:
                    errors.Add(new SuiteError(suite.File, 1, 1,
                        $"the prompt does not fit the model's context of {contextLength:N0} tokens{(suite.Task == TaskType.MultipleChoice ? " (with its longest choice)" : $" with generation.max_new_tokens {suite.Generation.MaxNewTokens:N0}")}; set truncate: left (cut its start) or truncate: skip (leave it out, counted)")
                    { Row = item.Source });
                    break;
            }
        }
        return new PromptFit(kept, skipped, truncated, errors);
    }

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
