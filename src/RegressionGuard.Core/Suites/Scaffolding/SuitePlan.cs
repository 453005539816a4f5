using RegressionGuard.Suites.Loading;

namespace RegressionGuard.Suites.Scaffolding;

/// <summary>What a field of the data does in a suite.</summary>
public enum SuiteRole
{
    /// <summary>The text the model is asked (a refusal suite's prompt).</summary>
    Question,
    /// <summary>The choices of a multiple-choice item: a list-valued field or one column per choice.</summary>
    Choices,
    /// <summary>Each choice's label (ARC's <c>question.choices[*].label</c>).</summary>
    Labels,
    /// <summary>The gold answer of a multiple-choice item.</summary>
    Answer,
    /// <summary>The gold answer of a generate item.</summary>
    Target,
    /// <summary>Whether a refusal item should be refused.</summary>
    Should,
}

/// <summary>One guess: which field plays <paramref name="Role"/>, why, and the suite key that holds it.</summary>
/// <param name="Field">The field path, a comma-separated list of columns (choices), or a description when no field is
/// used (a refusal suite whose items should all be refused).</param>
/// <param name="RoleName">The role as messages name it (<see cref="RoleNames.Of(SuiteRole, TaskType)"/>).</param>
public sealed record RoleGuess(SuiteRole Role, string RoleName, string Field, string Evidence, string YamlKey);

/// <summary>A role that could not be guessed: the suite key it needs and why nothing fits.</summary>
public sealed record MissingRole(SuiteRole Role, string RoleName, string YamlKey, string Why);

/// <summary>The names roles go by in messages and in <c>--field role=name</c>.</summary>
public static class RoleNames
{
    /// <summary>The roles <c>--field role=name</c> may name (<c>prompt</c> is <c>question</c>).</summary>
    public static IReadOnlyList<string> Overridable { get; } = ["question", "prompt", "choices", "answer", "target"];

    /// <summary>The role's name; a refusal suite's question is its <c>prompt</c>.</summary>
    public static string Of(SuiteRole role, TaskType task) => role switch
    {
        SuiteRole.Question => task == TaskType.Refusal ? "prompt" : "question",
        SuiteRole.Choices => "choices",
        SuiteRole.Labels => "labels",
        SuiteRole.Answer => "answer",
        SuiteRole.Target => "target",
        _ => "should",
    };

    /// <summary>The role a name given on the command line stands for (<c>prompt</c> is <c>question</c>), or null.</summary>
    public static SuiteRole? Parse(string name) => name.ToLowerInvariant() switch
    {
        "question" or "prompt" => SuiteRole.Question,
        "choices" => SuiteRole.Choices,
        "answer" => SuiteRole.Answer,
        "target" => SuiteRole.Target,
        _ => null,
    };
}

/// <summary>Nothing fits a role the suite needs; the message names each role, its suite key and the fields there are.</summary>
public sealed class SuiteGuessException(IReadOnlyList<MissingRole> missing, IReadOnlyList<string> fields)
    : Exception(string.Join(Environment.NewLine, missing.Select(m => $"cannot guess the {m.RoleName} (suite key '{m.YamlKey}'): {m.Why}")))
{
    public IReadOnlyList<MissingRole> Missing { get; } = missing;

    /// <summary>The fields of the data, each with an example value, for the message.</summary>
    public IReadOnlyList<string> Fields { get; } = fields;
}

/// <summary>
/// A starter suite guessed from a data sample: the keys <see cref="SuiteScaffoldWriter"/> writes, and the guesses
/// behind them. Templates hold only field names that <see cref="YamlText.IsTemplateName"/> accepts.
/// </summary>
public sealed record SuitePlan
{
    public required TaskType Task { get; init; }
    public required DataSample Data { get; init; }
    public required string Prompt { get; init; }
    public string? Target { get; init; }

    // multiple_choice: Field or Templates
    public string? ChoicesField { get; init; }
    public IReadOnlyList<string>? ChoiceTemplates { get; init; }
    public string? LabelsField { get; init; }
    public IReadOnlyList<string>? Labels { get; init; }
    public string? AnswerField { get; init; }

    /// <summary><c>answer_base</c> to write: integer answers read as positions counted from 0 or 1 (null: not integers).</summary>
    public int? AnswerBase { get; init; }

    /// <summary>Completion-style multiple choice (HellaSwag-like): the prompt is the context itself and each choice
    /// is scored as its continuation, instead of a "Question:/Answer:" or lettered prompt.</summary>
    public bool Completion { get; init; }

    // generate and refusal
    public GenerationSpec? Generation { get; init; }
    public ExtractionSpec? Extraction { get; init; }

    // refusal: a constant (ShouldField null) or a field mapped to refuse/comply
    public string? Rules { get; init; }
    public string? ShouldField { get; init; }
    public IReadOnlyList<string> Refuse { get; init; } = [];
    public IReadOnlyList<string> Comply { get; init; } = [];

    public required IReadOnlyList<MetricSpec> Metrics { get; init; }
    public required IReadOnlyList<RoleGuess> Guesses { get; init; }

    public RoleGuess? Guess(SuiteRole role) => Guesses.FirstOrDefault(g => g.Role == role);
}

/// <summary>What <c>suite new</c> is told beyond the data and the task.</summary>
/// <param name="Format"><c>--format</c>: jsonl, json, csv or tsv (null: from the extension).</param>
/// <param name="LabelsFile"><c>--labels</c>: answers kept in a separate file, one per row of the data (PIQA's .lst).</param>
/// <param name="AnswerBase"><c>--answer-base</c>: what integer answers count from, when the data cannot tell.</param>
/// <param name="Completion"><c>--style completion</c> (true) or <c>question</c> (false): whether the choices continue
/// the prompt (HellaSwag-like); null: completion when the question is a context (ctx, context) and the choices are
/// endings.</param>
public sealed record ScaffoldOptions(string? Format = null, string? LabelsFile = null, int? AnswerBase = null, bool? Completion = null);
