namespace RegressionGuard.Suites.Data;

/// <summary>
/// One step of <c>data.shape</c>: a declarative change to the rows read from the data file, applied in order to
/// every row (no code: each step is data, and the one expression step, <see cref="FilterStep"/>, runs in the
/// sandboxed template engine). Fields are named exactly as in the data (spaces allowed); a name that is not a field
/// of the row may be a field path into nested JSON (<c>question.stem</c>).
/// </summary>
/// <param name="Position">where the step is written in the suite: every error of the step names it.</param>
public abstract record ShapeStep(SourcePosition Position)
{
    /// <summary>The step's key in the suite (<c>join</c>, <c>rename</c>, …).</summary>
    public abstract string Name { get; }
}

/// <summary>Adds the fields of a second file to each row: by row number (<see cref="On"/> null: the files must have as
/// many rows), or by a key field (<see cref="On"/> in the rows, <see cref="OtherOn"/> in the second file, default the
/// same name). A field the row already has is an error unless <see cref="Prefix"/> makes the names distinct.</summary>
public sealed record JoinStep(SourcePosition Position, DataSourceSpec Source, string? On, string? OtherOn, string Prefix) : ShapeStep(Position)
{
    public override string Name => "join";
}

/// <summary>Renames fields (old name → new name); the others keep their names and places.</summary>
public sealed record RenameStep(SourcePosition Position, IReadOnlyList<KeyValuePair<string, string>> Names) : ShapeStep(Position)
{
    public override string Name => "rename";
}

/// <summary>Keeps only these fields, in this order.</summary>
public sealed record SelectStep(SourcePosition Position, IReadOnlyList<string> Fields) : ShapeStep(Position)
{
    public override string Name => "select";
}

/// <summary>Splits a text field at <see cref="Separator"/> into a list (parts trimmed, empty parts dropped) stored in <see cref="Into"/>.</summary>
public sealed record SplitStep(SourcePosition Position, string Field, string Separator, string Into) : ShapeStep(Position)
{
    public override string Name => "split";
}

/// <summary>Replaces a field's value by the one <see cref="Values"/> gives for its text; a value not listed is an
/// error unless a <see cref="Default"/> is given (<see cref="HasDefault"/>).</summary>
public sealed record MapStep(SourcePosition Position, string Field, IReadOnlyDictionary<string, string> Values, string Into, string? Default, bool HasDefault) : ShapeStep(Position)
{
    public override string Name => "map";
}

/// <summary>Turns a one-hot list (numbers, booleans or their texts; exactly one set) into the 0-based index of the set entry.</summary>
public sealed record OneHotStep(SourcePosition Position, string Field, string Into) : ShapeStep(Position)
{
    public override string Name => "one_hot";
}

/// <summary>Gathers fields into one list (e.g. the choices of an item), leaving out missing and empty ones, so that
/// items may have choice lists of different lengths.</summary>
public sealed record ListStep(SourcePosition Position, IReadOnlyList<string> Fields, string Into) : ShapeStep(Position)
{
    public override string Name => "list";
}

/// <summary>Keeps the rows for which a template condition (Liquid, as in <c>{% if … %}</c>) holds, e.g.
/// <c>category == "violence" and label != "safe"</c>.</summary>
public sealed record FilterStep(SourcePosition Position, TemplateText Condition) : ShapeStep(Position)
{
    public override string Name => "filter";
}
