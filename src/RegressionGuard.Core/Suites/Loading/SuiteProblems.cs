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
        return $"{Place}: {Message} — {RowCount:N0} row{(RowCount == 1 ? "" : "s")}: {string.Join(", ", FirstRows)}{more}";
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
        return order.Select(k => new SuiteProblem(k.Item1, k.Item2, groups[k].Rows, groups[k].Count)).ToList();
    }
}
