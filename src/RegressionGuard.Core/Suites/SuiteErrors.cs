namespace RegressionGuard.Suites;

/// <summary>One problem in a suite (or data, rule-set) file, at a 1-based line and column; <see cref="Row"/> is the
/// data row (<c>file:line</c>) it happened on, when the place is a suite key applied to rows.</summary>
public sealed record SuiteError(string File, int Line, int Column, string Message)
{
    public string? Row { get; init; }

    public override string ToString() => $"{File}:{Line}:{Column}: {Message}{(Row is null ? "" : $" (row {Row})")}";
}

/// <summary>Every problem found in one or more files, reported together.</summary>
public sealed class SuiteValidationException : Exception
{
    public SuiteValidationException(IReadOnlyList<SuiteError> errors)
        : base(string.Join(Environment.NewLine, errors.Select(e => e.ToString())))
    {
        Errors = errors;
    }

    public IReadOnlyList<SuiteError> Errors { get; }
}

/// <summary>
/// A data file that cannot be read as the suite says: the message names file:line (or the file alone) and what
/// would be valid, e.g. "column 'answr' not found; columns: question, A, B, C, D, answer".
/// </summary>
public sealed class SuiteDataException : Exception
{
    public SuiteDataException(string message) : base(message) { }

    public SuiteDataException(string message, Exception inner) : base(message, inner) { }

    /// <summary>The suite position the problem belongs to (a template, a shaping step), when known.</summary>
    public SourcePosition? At { get; init; }

    /// <summary>The message without the places (<see cref="At"/> and the row), when they were given separately.</summary>
    public string? Detail { get; init; }
}
