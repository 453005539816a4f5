namespace RegressionGuard.Suites;

/// <summary>One problem in a suite (or data, rule-set) file, at a 1-based line and column.</summary>
public sealed record SuiteError(string File, int Line, int Column, string Message)
{
    public override string ToString() => $"{File}:{Line}:{Column}: {Message}";
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
}
