namespace RegressionGuard.Jinja;

/// <summary>What went wrong in a template.</summary>
public enum JinjaErrorKind
{
    /// <summary>The template text is not valid Jinja (or uses a tag this interpreter does not support).</summary>
    Syntax,

    /// <summary>An expression failed while rendering (wrong type, undefined attribute of an undefined value, ...).</summary>
    Runtime,

    /// <summary>The template called <c>raise_exception(message)</c>.</summary>
    Raised,

    /// <summary>A limit of <see cref="JinjaOptions"/> was exceeded (loop iterations, output size, recursion depth, template size).</summary>
    Limit,
}

/// <summary>A template error with its 1-based line and column in the template text.</summary>
public sealed class JinjaException : Exception
{
    public JinjaException(JinjaErrorKind kind, string detail, int line, int column)
        : base($"{line}:{column}: {KindText(kind)}{detail}")
    {
        Kind = kind;
        Detail = detail;
        Line = line;
        Column = column;
    }

    public JinjaErrorKind Kind { get; }

    /// <summary>The message without the position.</summary>
    public string Detail { get; }

    public int Line { get; }

    public int Column { get; }

    static string KindText(JinjaErrorKind kind) => kind switch
    {
        JinjaErrorKind.Syntax => "syntax error: ",
        JinjaErrorKind.Raised => "the template raised: ",
        JinjaErrorKind.Limit => "limit exceeded: ",
        _ => "",
    };
}
