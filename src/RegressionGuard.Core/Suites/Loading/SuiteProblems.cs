namespace RegressionGuard.Suites.Loading;

/// <summary>One problem of a suite, however many rows it happened on: its place (printed once), its message, the
/// first rows and the true count.</summary>
public sealed record SuiteProblem(string Place, string Message, IReadOnlyList<string> FirstRows, int RowCount)
{
    public override string ToString()
    {
        if (RowCount == 0)
        {
            return $"{Place}: {Message}";
        }

        var more = RowCount > FirstRows.Count ? $", … ({RowCount - FirstRows.Count:N0} more)" : "";
        // rows of one file: the file once, then its lines
        var files = FirstRows.Select(r => r.LastIndexOf(':') is > 0 and var colon ? r[..colon] : r).Distinct().ToList();
        var rows = files.Count == 1 && !files[0].EndsWith(']') && FirstRows.All(r => r.Length > files[0].Length + 1)
            ? $"{files[0]} line{(FirstRows.Count == 1 ? "" : "s")} {string.Join(", ", FirstRows.Select(r => r[(files[0].Length + 1)..]))}"
            : string.Join(", ", FirstRows);
        return $"{Place}: {Message} — {RowCount:N0} row{(RowCount == 1 ? "" : "s")}: {rows}{more}";
    }
}

/// <summary>
/// Groups a suite's problems for people: the same message at the same suite place (a template, a shaping step, the
/// answer key) over many data rows is one problem with its first rows and a true count; the same message on many
/// lines of one data file is one problem at that file. Problems keep the order of their first appearance.
/// </summary>
public static class SuiteProblems
{
    public const int RowsShown = 5;

    /// <param name="suiteFile">the suite's full path: problems at other files' lines (data files) are grouped per file and
    /// message; null keeps every row-less problem at its own place.</param>
    public static IReadOnlyList<SuiteProblem> Group(IEnumerable<SuiteError> errors, string? suiteFile = null)
    {
        ArgumentNullException.ThrowIfNull(errors);
        var groups = new Dictionary<(string Place, string Message), (List<string> Rows, int Count)>();
        var firstPlace = new Dictionary<(string Place, string Message), string>();
        var order = new List<(string, string)>();
        foreach (var error in errors)
        {
            string place;
            string? row;
            if (error.Row is not null || suiteFile is null || string.Equals(error.File, suiteFile, StringComparison.Ordinal))
            {
                place = $"{error.File}:{error.Line}:{error.Column}";
                row = error.Row;
            }
            else
            {
                // a problem in a data file: one entry per message, its lines as the rows
                place = error.File;
                row = $"line {error.Line}";
            }

            var key = (place, error.Message);
            if (!groups.TryGetValue(key, out var group))
            {
                firstPlace[key] = $"{error.File}:{error.Line}:{error.Column}";
                group = (new List<string>(), 0);
                order.Add(key);
            }

            if (row is not null)
            {
                if (group.Rows.Count < RowsShown)
                {
                    group.Rows.Add(row);
                }

                group.Count++;
            }
            groups[key] = group;
        }
        // a message on one line of another file (a rule file, a data file) is printed at that line
        return order.Select(k => groups[k].Count == 1 && groups[k].Rows[0].StartsWith("line ", StringComparison.Ordinal)
            ? new SuiteProblem(firstPlace[k], k.Item2, [], 0)
            : new SuiteProblem(k.Item1, k.Item2, groups[k].Rows, groups[k].Count)).ToList();
    }
}
