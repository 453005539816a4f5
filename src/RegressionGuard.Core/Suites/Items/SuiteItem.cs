namespace RegressionGuard.Suites.Items;

/// <summary>
/// One rendered item, ready for a model. <see cref="Id"/> is a content hash of the request(s) the model will see, so
/// an item pairs with itself across models and runs, and a changed prompt never pairs with an old result.
/// </summary>
/// <param name="Source">where the item came from: "file:line", or "suite.yaml:items[3]" for inline items.</param>
/// <param name="Context">the full prompt: description, few-shot examples, the item, chat formatting.</param>
/// <param name="Choices">multiple choice: the choice texts (without the target delimiter).</param>
/// <param name="Gold">multiple choice: index of the right choice.</param>
/// <param name="Target">generate: the gold answer (before normalisation).</param>
/// <param name="Should">refusal: what the model should do.</param>
/// <param name="Golds">multiple choice with <c>answers:</c>: every correct choice's index (<see cref="Gold"/> is the first).</param>
/// <param name="Targets">generate with <c>answers:</c>: every acceptable answer (the target, if any, first).</param>
/// <param name="Group">with <c>group_by:</c>: the text of the group field.</param>
public sealed record SuiteItem(
    string Id,
    string Source,
    string Context,
    IReadOnlyList<string> Choices,
    int Gold,
    string? Target,
    Expectation? Should,
    IReadOnlyList<int>? Golds = null,
    IReadOnlyList<string>? Targets = null,
    string? Group = null);
