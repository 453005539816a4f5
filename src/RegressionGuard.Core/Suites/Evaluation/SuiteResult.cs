namespace RegressionGuard.Suites.Evaluation;

/// <summary>One item's outcome: what the model saw and did, and its per-item metric values.</summary>
public sealed record ItemResult
{
    public required string Id { get; init; }
    public required string Source { get; init; }
    public required string Prompt { get; init; }
    public IReadOnlyList<string>? Choices { get; init; }
    public IReadOnlyList<double>? LogLikelihoods { get; init; }
    public int? Gold { get; init; }

    /// <summary>Multiple choice with <c>answers:</c>: every correct choice.</summary>
    public IReadOnlyList<int>? Golds { get; init; }
    public int? Predicted { get; init; }
    public int? PredictedNorm { get; init; }
    public string? Generation { get; init; }
    public string? Extracted { get; init; }
    public string? Target { get; init; }

    /// <summary>Generate with <c>answers:</c>: every acceptable answer, normalised.</summary>
    public IReadOnlyList<string>? Targets { get; init; }

    /// <summary>With <c>group_by:</c>: the item's group.</summary>
    public string? Group { get; init; }
    public string? Should { get; init; }
    public string? Verdict { get; init; }
    public string? MatchedRule { get; init; }

    /// <summary>Judged refusal suites: the rule set's own verdict (the judge's decides <see cref="Verdict"/>, unless unparseable).</summary>
    public string? RulesVerdict { get; init; }

    /// <summary>Judged refusal suites: "refusal", "compliance" or "unparseable" (then the rules decided).</summary>
    public string? JudgeVerdict { get; init; }

    /// <summary>Judged refusal suites: the judge's answer as generated.</summary>
    public string? JudgeAnswer { get; init; }

    /// <summary>Why the item could not be scored normally (e.g. the extract regex timed out); it then scores 0.</summary>
    public string? Error { get; init; }

    /// <summary>Why the item was left out (<c>truncate: skip</c>: its prompt does not fit the model's context); it then
    /// has no metrics and no metric counts it.</summary>
    public string? Skipped { get; init; }

    /// <summary>True when the prompt's start was cut to fit the model's context (<c>truncate: left</c>).</summary>
    public bool? Truncated { get; init; }

    /// <summary>Per-item values (0/1 for every built-in metric); a metric absent here does not apply to the item.</summary>
    public required IReadOnlyDictionary<string, double> Metrics { get; init; }
}

/// <summary>An aggregate metric: mean over the items it applies to, its standard error, and the suite's thresholds.</summary>
public sealed record MetricValue(double Value, double Stderr, int Count, bool HigherIsBetter, double? MaxDrop, double? MaxRise);

/// <summary>A suite evaluated on one model.</summary>
public sealed record SuiteResult(
    string Suite,
    int Version,
    string Kind,
    string Task,
    string Model,
    IReadOnlyList<ItemResult> Items,
    IReadOnlyDictionary<string, MetricValue> Metrics)
{
    /// <summary>How many items carry an <see cref="ItemResult.Error"/>.</summary>
    public int Errors => Items.Count(i => i.Error is not null);

    /// <summary>With <c>group_by:</c>: the suite's metrics per group (thresholds: the group's own), else null.</summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, MetricValue>>? Groups { get; init; }

    /// <summary>Judged refusal suites: the judge model's path.</summary>
    public string? Judge { get; init; }

    /// <summary>Judged refusal suites: how many judge answers were not exactly one label (the rules decided those items).</summary>
    public int JudgeUnparseable => Items.Count(i => i.JudgeVerdict == "unparseable");

    /// <summary>The context the prompts were checked against (the smaller of a pair's), or null when they were not
    /// (a backend that cannot count tokens or does not say its context).</summary>
    public int? ContextLength { get; init; }

    /// <summary>The suite's too-long policy as applied: <c>left</c>, <c>skip</c> or <c>error</c>; null when not checked.</summary>
    public string? Truncate { get; init; }

    /// <summary>How many items were left out as too long (<see cref="ItemResult.Skipped"/>).</summary>
    public int SkippedItems => Items.Count(i => i.Skipped is not null);

    /// <summary>How many prompts were cut from the left to fit (<see cref="ItemResult.Truncated"/>).</summary>
    public int TruncatedItems => Items.Count(i => i.Truncated == true);
}
