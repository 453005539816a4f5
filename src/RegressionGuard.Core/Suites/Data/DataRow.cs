namespace RegressionGuard.Suites.Data;

/// <summary>
/// One item read from a data file. <paramref name="Fields"/> hold plain .NET values: <see cref="string"/>,
/// <see cref="long"/>, <see cref="double"/>, <see cref="bool"/>, null, <see cref="IReadOnlyList{T}"/> of object? and
/// <see cref="IReadOnlyDictionary{TKey, TValue}"/> of string to object? (JSON, converted recursively, keys in file
/// order); CSV/TSV values are strings. <paramref name="File"/> is the full path of the file (as reached from the suite's
/// folder, before links are resolved). <paramref name="Line"/> is the 1-based line where the item starts: the line of a
/// JSONL object, the line of a CSV/TSV record counting every line of the file (header, blank lines and the lines
/// inside quoted fields included), the line where an element of a JSON array starts.
/// </summary>
public sealed record DataRow(IReadOnlyDictionary<string, object?> Fields, string File, int Line)
{
    /// <summary><c>file:line</c>, for messages and reports.</summary>
    public string Where => $"{File}:{Line}";
}
