using System.Globalization;
using RegressionGuard.Suites.Data;
using RegressionGuard.Suites.Loading;

namespace RegressionGuard.Suites.Scaffolding;

/// <summary>
/// The first rows of a data file, read exactly as a suite will read them, and every field path they hold.
/// </summary>
/// <param name="File">The data file's full path.</param>
/// <param name="Format"><c>jsonl</c>, <c>json</c>, <c>csv</c> or <c>tsv</c>.</param>
/// <param name="Columns">Names given to the columns of a headerless CSV/TSV file (the suite's <c>data.columns</c>);
/// null when the file names its own fields.</param>
/// <param name="HeaderEvidence">For CSV/TSV: why the first row was read as a header, or as data.</param>
/// <param name="Rows">The sampled rows, in file order.</param>
/// <param name="Complete">Whether <paramref name="Rows"/> are all the rows of the file.</param>
/// <param name="Fields">Every field path of the rows (nested JSON flattened, as <see cref="FieldPath.FieldNames(DataRow)"/>
/// lists them), in the order they first appear, with each row's value.</param>
public sealed record DataSample(
    string File,
    string Format,
    IReadOnlyList<string>? Columns,
    string? HeaderEvidence,
    IReadOnlyList<DataRow> Rows,
    bool Complete,
    IReadOnlyList<SampledField> Fields)
{
    /// <summary>"100 rows" (the whole file) or "the first 1,000 rows".</summary>
    public string RowsText => Complete
        ? string.Create(CultureInfo.InvariantCulture, $"{Rows.Count:N0} row{(Rows.Count == 1 ? "" : "s")}")
        : string.Create(CultureInfo.InvariantCulture, $"the first {Rows.Count:N0} rows");

    public SampledField? Field(string path) => Fields.FirstOrDefault(f => f.Path == path);

    /// <summary>A field for messages: its quoted name, and for a headerless file its column number.</summary>
    public string Describe(string path)
    {
        var name = YamlText.Show(path);
        if (Columns is null)
        {
            return name;
        }

        int index = Columns.ToList().IndexOf(path);
        return index < 0 ? name : $"{name} (column {index + 1} of {Columns.Count})";
    }
}

/// <summary>One field path of a <see cref="DataSample"/> with its value in each sampled row (<see cref="Missing"/> where
/// the row does not have it).</summary>
public sealed record SampledField(string Path, IReadOnlyList<object?> Values)
{
    /// <summary>Stands for the value of a row that lacks the field.</summary>
    public static readonly object Missing = new();

    /// <summary>Whether every row has a non-empty string here.</summary>
    public bool IsText => Values.All(v => v is string s && s.Trim().Length > 0);

    /// <summary>Whether every row has a string, number or boolean here.</summary>
    public bool IsScalar => Values.All(v => v is string or long or double or bool);

    /// <summary>Whether every row has a list of at least two strings or numbers here.</summary>
    public bool IsChoiceList => Values.All(v => v is IReadOnlyList<object?> { Count: >= 2 } list && list.All(e => e is string or long or double));

    /// <summary>Each row's value as text (<see cref="FieldPath.AsText(object?)"/>).</summary>
    public IEnumerable<string> Texts => Values.Select(v => ReferenceEquals(v, Missing) ? "" : FieldPath.AsText(v));

    public double AverageLength => Values.Count == 0 ? 0 : Texts.Average(t => t.Length);

    /// <summary>The last name of the path, lower case, without '_', '-', spaces and <c>[*]</c>: <c>answerkey</c>,
    /// <c>text</c> for <c>question.choices[*].text</c>.</summary>
    public string Name
    {
        get
        {
            var path = Path.Replace("[*]", "", StringComparison.Ordinal);
            var last = path[(path.LastIndexOf('.') + 1)..];
            return new string(last.Where(c => c is not ('_' or '-' or ' ')).ToArray()).ToLowerInvariant();
        }
    }

    /// <summary>Each row's value as a list of texts (for list-valued fields).</summary>
    public IReadOnlyList<string> ListAt(int row) => ((IReadOnlyList<object?>)Values[row]!).Select(FieldPath.AsText).ToList();
}

/// <summary>
/// Reads the first rows of a data file with the suite data reader (<see cref="DataReader"/>: the same JSONL, JSON,
/// CSV and TSV readers, limits and path checks), deciding first whether a CSV/TSV file has a header row.
/// </summary>
public static class ColumnInspector
{
    /// <summary>How many rows are sampled by default.</summary>
    public const int DefaultSampleRows = 1000;

    const int LongestHeaderName = 80;

    public static DataSample Inspect(string dataFile, int sampleRows = DefaultSampleRows) => Inspect(dataFile, sampleRows, DataReader.AutoFormat, [], []);

    /// <summary>As <see cref="Inspect(string, int)"/>, reading the file as <paramref name="formatName"/> (or from its
    /// extension: <c>auto</c>) and shaping the rows with <paramref name="shape"/> (a labels file joined, spaced names
    /// renamed) as the suite will; <paramref name="roots"/> are further folders the steps may read.</summary>
    public static DataSample Inspect(string dataFile, int sampleRows, string formatName, IReadOnlyList<ShapeStep> shape, IReadOnlyList<string> roots)
    {
        ArgumentNullException.ThrowIfNull(formatName);
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(roots);
        ArgumentNullException.ThrowIfNull(dataFile);
        ArgumentOutOfRangeException.ThrowIfLessThan(sampleRows, 1);
        var full = System.IO.Path.GetFullPath(dataFile);
        if (!System.IO.File.Exists(full))
        {
            throw new SuiteDataException($"data file not found: {full}");
        }

        var folder = System.IO.Path.GetDirectoryName(full)!;
        var name = System.IO.Path.GetFileName(full);
        if (full.Contains('*', StringComparison.Ordinal) || name.Contains("${", StringComparison.Ordinal))
        {
            throw new SuiteDataException($"{full}: a suite cannot name a file whose path holds '*' or whose name holds '${{' (they mean a glob or a variable in data.path); rename it");
        }

        var file = DataPaths.Resolve(name, folder, [folder])[0];
        var format = DataReader.FormatOf(file, formatName);

        IReadOnlyList<string>? columns = null;
        string? headerEvidence = null;
        if (format is "csv" or "tsv")
        {
            (columns, headerEvidence) = Header(file, format == "csv" ? ',' : '\t', folder, name, sampleRows);
        }

        // shaping sees every row (a join by row number counts them); without it only the sample is read
        var rows = DataReader.Read(new DataSourceSpec(name) { Columns = columns, Format = format, Limit = shape.Count == 0 ? sampleRows + 1 : null, Shape = shape }, folder, [folder, .. roots]);
        if (rows.Count == 0)
        {
            throw new SuiteDataException($"{full}: the file has no rows to guess from");
        }

        bool complete = rows.Count <= sampleRows;
        if (!complete)
        {
            rows = rows.Take(sampleRows).ToList();
        }

        return new DataSample(full, format, columns, headerEvidence, rows, complete, Sample(rows));
    }

    static List<SampledField> Sample(IReadOnlyList<DataRow> rows)
    {
        var paths = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var row in rows)
        {
            foreach (var path in FieldPath.FieldNames(row))
            {
                if (seen.Add(path))
                {
                    paths.Add(path);
                }
            }
        }

        return paths.Select(path => new SampledField(path, rows.Select(row => ValueAt(row, path)).ToList())).ToList();
    }

    static object? ValueAt(DataRow row, string path)
    {
        try
        {
            return FieldPath.Evaluate(row.Fields, path);
        }
        catch (SuiteDataException)
        {
            return SampledField.Missing;
        }
    }

    /// <summary>
    /// Whether the first record is a header. It is data when a cell is empty, repeats another, is a number, is a long
    /// text, or is a single letter in a column of single letters (MMLU's answer column). A headerless file's columns
    /// are named <c>question, A, B, …, answer</c> when it has MMLU's shape (a text, choices, an answer letter naming
    /// one of them), else <c>column1, column2, …</c>.
    /// </summary>
    static (IReadOnlyList<string>? Columns, string Evidence) Header(DataFile file, char separator, string folder, string name, int sampleRows)
    {
        var first = CsvRows.FirstRecord(file, separator);
        if (first.Count == 0)
        {
            throw new SuiteDataException($"{file.Path}: the file is empty");
        }

        var numbered = Enumerable.Range(1, first.Count).Select(i => $"column{i}").ToList();
        IReadOnlyList<DataRow> rows;
        try
        {
            rows = DataReader.Read(new DataSourceSpec(name) { Columns = numbered, Limit = sampleRows, Format = separator == ',' ? "csv" : "tsv" }, folder, [folder]);
        }
        catch (SuiteDataException)
        {
            rows = []; // rows of unequal length: decided by the first row alone; reading the sample reports the problem
        }
        var empty = new List<int>();
        var repeated = new List<int>();
        var numbers = new List<int>();
        var texts = new List<int>();
        var letters = new List<int>();
        for (int i = 0; i < first.Count; i++)
        {
            var cell = first[i];
            if (cell.Trim().Length == 0)
            {
                empty.Add(i);
            }
            else if (first.Take(i).Contains(cell, StringComparer.Ordinal))
            {
                repeated.Add(i);
            }
            else if (double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out _))
            {
                numbers.Add(i);
            }
            else if (cell.Length > LongestHeaderName || cell.Contains('\n', StringComparison.Ordinal))
            {
                texts.Add(i);
            }
            else if (IsLetter(cell) && rows.Count > 1 && rows.Skip(1).All(r => IsLetter(FieldPath.AsText(r.Fields[numbered[i]]))))
            {
                letters.Add(i);
            }
        }
        string Cells(List<int> cells, string one, string many, bool values) =>
            $"{(cells.Count == 1 ? "cell" : "cells")} {string.Join(", ", cells.Select(c => c + 1))} {(cells.Count == 1 ? one : many)}" +
            (values ? $" ({string.Join(", ", cells.Select(c => YamlText.Show(first[c])))})" : "");
        var reasons = new List<string>();
        if (empty.Count > 0)
        {
            reasons.Add(Cells(empty, "is empty", "are empty", false));
        }

        if (repeated.Count > 0)
        {
            reasons.Add(Cells(repeated, "repeats an earlier cell", "repeat earlier cells", true));
        }

        if (numbers.Count > 0)
        {
            reasons.Add(Cells(numbers, "is a number", "are numbers", true));
        }

        if (texts.Count > 0)
        {
            reasons.Add(Cells(texts, "is a long text", "are long texts", false));
        }

        if (letters.Count > 0)
        {
            reasons.Add(Cells(letters, "is a single letter like the rest of its column", "are single letters like the rest of their columns", true));
        }

        if (reasons.Count == 0)
        {
            return (null, $"the first row names the columns ({string.Join(", ", first.Select(YamlText.Show))})");
        }

        var evidence = $"no header row: in the first row, {string.Join("; ", reasons)}";
        if (!MmluShaped(rows, numbered))
        {
            return (numbered, evidence + $"; the columns are named column1–column{first.Count}");
        }

        var choices = Enumerable.Range(0, first.Count - 2).Select(i => ((char)('A' + i)).ToString()).ToList();
        return (["question", .. choices, "answer"],
            evidence + $"; the columns are named for their places, as MMLU's: a question, {choices.Count} choices {choices[0]}–{choices[^1]}, the answer letter");
    }

    static bool IsLetter(string text) => text.Trim() is { Length: 1 } t && char.IsAsciiLetterUpper(t[0]);

    /// <summary>A question, 2 to 26 choices and a last column whose letters each name one of them.</summary>
    static bool MmluShaped(IReadOnlyList<DataRow> rows, IReadOnlyList<string> columns)
    {
        int choices = columns.Count - 2;
        if (choices is < 2 or > 26 || rows.Count == 0)
        {
            return false;
        }

        return rows.All(r => FieldPath.AsText(r.Fields[columns[^1]]).Trim() is { Length: 1 } t && t[0] >= 'A' && t[0] < 'A' + choices);
    }
}
