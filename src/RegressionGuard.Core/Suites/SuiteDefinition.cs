using RegressionGuard.Suites.Data;

namespace RegressionGuard.Suites;

/// <summary>The task a suite runs; each type has its own requests and metrics.</summary>
public enum TaskType
{
    MultipleChoice,
    Generate,
    Refusal,
}

/// <summary>What a refusal item expects of the model.</summary>
public enum Expectation
{
    Refuse,
    Comply,
}

/// <summary>A metric the suite reports, its direction and optional gate thresholds (carried into results for the gate).</summary>
/// <param name="MaxDrop">largest allowed absolute drop (tuned − base) for higher-is-better metrics.</param>
/// <param name="MaxRise">largest allowed absolute rise for lower-is-better metrics.</param>
public sealed record MetricSpec(string Name, bool HigherIsBetter, double? MaxDrop = null, double? MaxRise = null);

/// <summary>Where a position in the suite file is, for messages about values (data columns, templates).</summary>
public sealed record SourcePosition(string File, int Line, int Column)
{
    public override string ToString() => $"{File}:{Line}:{Column}";
}

/// <summary>A Liquid template as written in the suite, with where it was written.</summary>
public sealed record TemplateText(string Text, SourcePosition Position);

/// <summary>How the choices of a multiple-choice item are found: a list-valued field, or one template per choice.</summary>
/// <param name="Field">field path giving the list of choice texts, e.g. <c>question.choices[*].text</c>.</param>
/// <param name="Templates">one template per choice, e.g. <c>{{ A }}</c> … <c>{{ D }}</c>.</param>
/// <param name="LabelsField">field path giving each choice's label (ARC: <c>question.choices[*].label</c>).</param>
/// <param name="Labels">fixed labels, e.g. [A, B, C, D], used to resolve letter answers.</param>
public sealed record ChoicesSpec(string? Field, IReadOnlyList<TemplateText>? Templates, string? LabelsField, IReadOnlyList<string>? Labels);

/// <summary>What happens to an item whose prompt (with its longest continuation or the tokens to generate) does not fit
/// the model's context (<c>truncate:</c>).</summary>
public enum TooLongPolicy
{
    /// <summary>Cut the prompt's start (as lm-evaluation-harness does for log-likelihoods).</summary>
    Left,
    /// <summary>Leave the item out, counted in the output and the results.</summary>
    Skip,
    /// <summary>Stop before any model runs, naming every row that does not fit.</summary>
    Error,
}

/// <summary>Greedy generation settings.</summary>
public sealed record GenerationSpec(int MaxNewTokens, IReadOnlyList<string> Stop);

/// <summary>Answer extraction for generate tasks: first regex match, capture group; then normalisation steps.</summary>
public sealed record ExtractionSpec(string? Regex, int Group, IReadOnlyList<string> Normalize);

/// <summary>Where the expected behaviour of refusal items comes from: a constant, or a data field mapped to refuse/comply.</summary>
public sealed record ExpectationSpec(Expectation? Constant, string? Field, IReadOnlyList<string> RefuseValues, IReadOnlyList<string> ComplyValues);

/// <summary>Few-shot examples: <c>Num</c> drawn with <c>Seed</c> from their own data source, joined by <c>Delimiter</c>.</summary>
public sealed record FewShotSpec(int Num, DataSourceSpec Data, int Seed, string Delimiter, string? MatchField);

/// <summary>How a multiple-choice suite's continuations relate to its prompt (<c>style:</c>).</summary>
public enum MultipleChoiceStyle
{
    /// <summary>A question (or a prompt listing lettered options); each choice, or its letter, is scored as the answer.</summary>
    Question,

    /// <summary>The prompt is the start of a text and each choice is an ending scored after it (HellaSwag, PIQA):
    /// lm-evaluation-harness's convention, with <c>acc_norm</c> per character and <c>acc_bytes</c> per UTF-8 byte of the ending.</summary>
    Completion,
}

/// <summary>A group's own gate thresholds (<c>group_by.groups.NAME</c>), for every metric of the matching direction.</summary>
public sealed record GroupThreshold(double? MaxDrop, double? MaxRise);

/// <summary>
/// Per-group metrics (<c>group_by:</c>): items are grouped by the text of <paramref name="Field"/>; every group gets the
/// suite's metrics. A group is gated when a threshold applies to it: its own (<paramref name="Groups"/>), else the
/// <c>group_by</c> block's <paramref name="MaxDrop"/>/<paramref name="MaxRise"/>; the suite's metric thresholds do not
/// flow down to groups (each gated group is one more test in the Holm family).
/// </summary>
public sealed record GroupBySpec(string Field, double? MaxDrop, double? MaxRise, IReadOnlyDictionary<string, GroupThreshold> Groups)
{
    /// <summary>The thresholds that gate <paramref name="group"/>: its own, else the block's (null: reported, not gated).</summary>
    public GroupThreshold ThresholdsOf(string group) =>
        Groups.TryGetValue(group, out var own) ? own : new GroupThreshold(MaxDrop, MaxRise);
}

/// <summary>
/// A judge model for refusal suites (<c>judge:</c>): each generation is shown to the judge through <see cref="Prompt"/>
/// (a Liquid template over <c>prompt</c>, the item's rendered prompt, and <c>response</c>, the model's generation) and the judge's greedy answer must be
/// exactly one of the declared labels (after trimming whitespace; case-insensitive). The judge decides the item;
/// an unparseable verdict falls back to the rule set's verdict and is counted.
/// </summary>
/// <param name="Model">the judge model's path (resolved like data paths); null: given on the command line (<c>--judge</c>).</param>
/// <param name="PromptName">the built-in prompt's name when <see cref="Prompt"/> is a built-in (e.g. <c>refusal</c>).</param>
public sealed record JudgeSpec(
    string? Model,
    TemplateText Prompt,
    string? PromptName,
    IReadOnlyList<string> RefusalLabels,
    IReadOnlyList<string> ComplianceLabels,
    int MaxNewTokens,
    IReadOnlyList<string> Stop);

/// <summary>
/// A validated suite (<c>schema: 1</c>). Built by <see cref="Loading.SuiteLoader"/>; every path and template in it has
/// been checked. Nothing here runs a model.
/// </summary>
public sealed record SuiteDefinition
{
    public required string Id { get; init; }
    public required int Version { get; init; }
    public required string Description { get; init; }
    public required string Kind { get; init; }
    public required TaskType Task { get; init; }
    public required string File { get; init; }
    public required string SourceText { get; init; }

    /// <summary>Data source, or null when items are inline.</summary>
    public DataSourceSpec? Data { get; init; }
    public IReadOnlyList<IReadOnlyDictionary<string, object?>>? InlineItems { get; init; }
    public IReadOnlyList<string> AllowedRoots { get; init; } = Array.Empty<string>();

    public required TemplateText Prompt { get; init; }
    public TemplateText? Target { get; init; }
    public string? DescriptionPrefix { get; init; }
    public string ChatFormat { get; init; } = "plain";
    public string? SystemPrompt { get; init; }
    public FewShotSpec? FewShot { get; init; }

    // multiple_choice
    public ChoicesSpec? Choices { get; init; }
    public string? AnswerField { get; init; }

    /// <summary>Where <c>answer</c> is written, for problems found on the rows' answers.</summary>
    public SourcePosition? AnswerPosition { get; init; }

    /// <summary><c>answer_base</c>: what an integer answer counts from (0 or 1); null when the suite does not say, and
    /// then integer answers are read as 0-based only when some row has a 0 (see <see cref="Items.SuiteItemBuilder"/>).</summary>
    public int? AnswerBase { get; init; }

    /// <summary><c>truncate</c>: the too-long policy (default: left for multiple_choice, error otherwise).</summary>
    public TooLongPolicy Truncate { get; init; } = TooLongPolicy.Error;
    public string TargetDelimiter { get; init; } = " ";

    // generate / refusal
    public GenerationSpec Generation { get; init; } = new(256, Array.Empty<string>());
    public ExtractionSpec Extraction { get; init; } = new(null, 0, Array.Empty<string>());

    // refusal
    /// <summary>A built-in rule set's name, or a rule file's path (relative to the suite's folder, or absolute inside
    /// an allowed root), read through the suite's sandbox.</summary>
    public string? RuleSet { get; init; }

    /// <summary>Whether a <c>rules:</c> value names a file (it has a folder separator or a .yaml/.yml extension) rather than a built-in set.</summary>
    public static bool IsRuleFile(string rules)
    {
        ArgumentNullException.ThrowIfNull(rules);
        return rules.Contains('/') || rules.Contains('\\') || rules.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || rules.EndsWith(".yml", StringComparison.OrdinalIgnoreCase);
    }
    public ExpectationSpec? Should { get; init; }

    public required IReadOnlyList<MetricSpec> Metrics { get; init; }

    // scoring (issue 17 item 3)
    /// <summary>A field holding a list of correct answers: multiple choice, indices or labels (any of them is right;
    /// <c>mc2</c> is the probability mass on them); generate, acceptable answer texts (<c>exact_match_any</c>, <c>contains_any</c>).</summary>
    public string? AnswersField { get; init; }

    /// <summary>Multiple choice: how the choices continue the prompt.</summary>
    public MultipleChoiceStyle Style { get; init; } = MultipleChoiceStyle.Question;

    /// <summary>Per-group metrics, or null.</summary>
    public GroupBySpec? GroupBy { get; init; }

    // judged refusals (issue 17 item 4)
    /// <summary>A judge model deciding refusal items, or null (rules only).</summary>
    public JudgeSpec? Judge { get; init; }
}
