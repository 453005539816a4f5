using System.Text.RegularExpressions;
using RegressionGuard.Suites.Loading;
using RegressionGuard.Suites.Sandbox;

namespace RegressionGuard.Suites.Data;

/// <summary>
/// Reads the items of a suite from the files a <see cref="DataSourceSpec"/> names.
/// <list type="bullet">
/// <item>Paths resolve against the suite's folder; every file read, after following links, must lie inside one of
/// the allowed folders. Files over 2 GiB and JSON nested deeper than 64 levels are refused.</item>
/// <item>Formats: JSON lines (one object per line, blank lines skipped), a JSON document holding an array of objects
/// (at the top, or at <see cref="DataSourceSpec.JsonItemsPath"/>), CSV and TSV (a header row unless
/// <see cref="DataSourceSpec.Columns"/> are given; every row must have as many fields as there are columns).</item>
/// <item>Selection, after the files are concatenated in order: without <see cref="DataSourceSpec.Sample"/>,
/// <see cref="DataSourceSpec.Limit"/> keeps the first N rows (and reading stops there). With a sample, the row indices
/// are shuffled by the first steps of a Fisher–Yates shuffle driven by <see cref="SeededShuffle"/> (SplitMix64 seeded
/// with <see cref="DataSourceSpec.Seed"/>, the same on every platform and .NET version); the sample is the first N
/// indices drawn and a limit keeps the first N of those, so a limited sample is itself a uniform sample, and a smaller
/// sample (or limit) with the same seed is a subset of a larger one. Rows come back in file order.</item>
/// </list>
/// Every problem is a <see cref="SuiteDataException"/> whose message names the file (and line, when there is one) and
/// what would be valid.
/// </summary>
public static class DataReader
{
    public const string AutoFormat = "auto";

    /// <summary>The values <see cref="DataSourceSpec.Format"/> may take.</summary>
    public static IReadOnlyList<string> Formats { get; } = [AutoFormat, "jsonl", "json", "csv", "tsv"];

    /// <summary>Reads, checks and selects the rows. <paramref name="baseDirectory"/> is the suite file's folder;
    /// <paramref name="allowedRoots"/> are full paths of the folders that data may be read from.</summary>
    public static IReadOnlyList<DataRow> Read(DataSourceSpec spec, string baseDirectory, IReadOnlyList<string> allowedRoots)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(baseDirectory);
        ArgumentNullException.ThrowIfNull(allowedRoots);
        var fileField = Validate(spec);
        var sandbox = new SuiteSandbox(baseDirectory, allowedRoots);
        var files = sandbox.Resolve(spec.Path);
        IEnumerable<DataRow> rows = files.SelectMany(file => ReadFile(sandbox, file, spec, fileField));
        if (spec.Shape.Count > 0)
        {
            // shaping sees every row of the file(s): a join by row number counts them, a filter comes before limit/sample
            rows = DataShaping.Apply(rows.ToList(), spec.Shape, baseDirectory, allowedRoots);
        }

        if (spec.Sample is not int sample)
        {
            return (spec.Limit is int limit ? rows.Take(limit) : rows).ToList();
        }

        var all = rows.ToList();
        var take = SeededShuffle.FirstIndices(all.Count, Math.Min(sample, spec.Limit ?? int.MaxValue), spec.Seed);
        Array.Sort(take);
        return take.Select(i => all[i]).ToList();
    }

    /// <summary>Checks the settings that need no file, all at once; returns the file-name pattern, if any.</summary>
    static Regex? Validate(DataSourceSpec spec)
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(spec.Path))
        {
            errors.Add("path is empty");
        }

        if (!Formats.Contains(spec.Format.ToLowerInvariant()))
        {
            errors.Add($"unknown format '{spec.Format}'{DidYouMean.Hint(spec.Format, Formats.ToList())}");
        }

        if (spec.Columns is { } columns)
        {
            if (columns.Count == 0)
            {
                errors.Add("columns is empty; name the columns of the headerless file, or leave columns out when the file has a header row");
            }

            foreach (var twice in columns.GroupBy(c => c, StringComparer.Ordinal).Where(g => g.Count() > 1))
            {
                errors.Add($"columns names '{twice.Key}' twice");
            }

            if (columns.Any(string.IsNullOrEmpty))
            {
                errors.Add("columns has an empty name");
            }
        }
        if (spec.Limit < 1)
        {
            errors.Add($"limit must be at least 1, got {spec.Limit}");
        }

        if (spec.Sample < 1)
        {
            errors.Add($"sample must be at least 1, got {spec.Sample}");
        }

        if (spec.FileField is { Length: 0 })
        {
            errors.Add("file_field is empty");
        }

        if (spec.JsonItemsPath is { } itemsPath && itemsPath.Split('.').Any(p => p.Length == 0))
        {
            errors.Add($"json_items_path '{itemsPath}' has an empty property name; write names separated by single dots, e.g. data.items");
        }

        Regex? pattern = null;
        if (spec.FileFieldPattern is { } text)
        {
            if (spec.FileField is null)
            {
                errors.Add("file_field_pattern is set but file_field is not; name the field that receives the value");
            }

            pattern = SafeRegex.Compile(text, out var patternError);
            if (pattern is null)
            {
                errors.Add($"file_field_pattern '{text}' {patternError}");
            }
        }
        if (errors.Count > 0)
        {
            throw new SuiteDataException(string.Join(Environment.NewLine, errors.Select(e => $"data source '{spec.Path}': {e}")));
        }

        return pattern;
    }

    static IEnumerable<DataRow> ReadFile(SuiteSandbox sandbox, DataFile file, DataSourceSpec spec, Regex? fileFieldPattern)
    {
        DataPaths.CheckSize(file);
        sandbox.Verify(file, DataPaths.MaxFileBytes);
        var format = FormatOf(file, spec.Format.ToLowerInvariant());
        if (spec.Columns is not null && format is "jsonl" or "json")
        {
            throw new SuiteDataException($"{file.Path}: columns apply to CSV and TSV files only; a {format} file names its own fields");
        }

        if (spec.JsonItemsPath is not null && format != "json")
        {
            throw new SuiteDataException($"{file.Path}: json_items_path applies to JSON documents only, not to a {format} file");
        }

        var rows = format switch
        {
            "jsonl" => JsonRows.ReadLines(file),
            "json" => JsonRows.ReadDocument(file, spec.JsonItemsPath),
            "csv" => CsvRows.Read(file, ',', spec.Columns, spec.Header),
            _ => CsvRows.Read(file, '\t', spec.Columns, spec.Header),
        };
        if (spec.FileField is not { } field)
        {
            return rows;
        }

        var value = FileFieldValue(file, spec.FileFieldPattern, fileFieldPattern);
        return rows.Select(row =>
        {
            if (row.Fields.ContainsKey(field))
            {
                throw new SuiteDataException($"{row.Where}: file_field '{field}' is already a field of the row; choose another name");
            }

            var fields = (Dictionary<string, object?>)row.Fields;
            fields[field] = value;
            return row;
        });
    }

    static string FileFieldValue(DataFile file, string? patternText, Regex? pattern)
    {
        var name = System.IO.Path.GetFileName(file.Path);
        if (pattern is null)
        {
            return System.IO.Path.GetFileNameWithoutExtension(name);
        }

        Match match;
        try
        {
            match = pattern.Match(name);
        }
        catch (RegexMatchTimeoutException)
        {
            throw new SuiteDataException($"{file.Path}: file_field_pattern '{patternText}' timed out on the file name '{name}'");
        }

        if (!match.Success)
        {
            throw new SuiteDataException($"{file.Path}: file_field_pattern '{patternText}' does not match the file name '{name}'");
        }

        return pattern.GetGroupNumbers().Length > 1 ? match.Groups[1].Value : match.Value;
    }

    /// <summary>The format of <paramref name="file"/>: <paramref name="format"/>, or for <c>auto</c> the one its extension names.</summary>
    internal static string FormatOf(DataFile file, string format)
    {
        if (format != AutoFormat)
        {
            return format;
        }

        var extension = System.IO.Path.GetExtension(file.Path).ToLowerInvariant();
        return extension switch
        {
            ".jsonl" or ".ndjson" => "jsonl",
            ".json" => "json",
            ".csv" => "csv",
            ".tsv" or ".tab" => "tsv",
            _ => throw new SuiteDataException(
                $"{file.Path}: cannot tell the format from the extension '{extension}'; use .jsonl, .json, .csv or .tsv, or set format to jsonl, json, csv or tsv"),
        };
    }
}
