using CsvHelper;

namespace RegressionGuard.Suites.Data;

/// <summary>
/// Reads CSV and TSV files with CsvHelper: RFC 4180 quoting (quoted fields may hold separators, doubled quotes and
/// line breaks), blank lines skipped, values kept as strings exactly as written. A stray quote inside an unquoted field
/// is kept as text, as Python's csv module and pandas read it; a quoted field that is never closed is an error.
/// </summary>
internal static class CsvRows
{
    /// <param name="header">whether the file has a header row (see <see cref="DataSourceSpec.Header"/>): null means
    /// yes without <paramref name="columns"/>; with columns, a first row equal to them is skipped as the header and one
    /// that looks like a header is an error.</param>
    public static IEnumerable<DataRow> Read(DataFile file, char separator, IReadOnlyList<string>? columns, bool? header = null)
    {
        CsvMalformedRecord? unterminated = null;
        var options = Options(separator, hasHeader: columns is null || header == true, record =>
        {
            if (record.Reason == CsvMalformedReason.UnterminatedQuote)
            {
                unterminated ??= record;
            }
        });
        using var reader = CsvReader.FromFile(file.RealPath, options);
        var names = columns ?? Header(reader, file);
        if (columns is not null && header == true)
        {
            var read = Header(reader, file);
            if (read.Count != columns.Count)
            {
                throw new SuiteDataException($"{file.Path}:1: the header has {read.Count} columns ({string.Join(", ", read)}) but columns names {columns.Count} ({string.Join(", ", columns)}); with header: true, columns rename the header's columns one for one");
            }
        }

        bool first = columns is not null && header is null;
        string Expected() => columns is null ? $"header: {string.Join(", ", names)}" : $"columns: {string.Join(", ", names)}";

        while (true)
        {
            bool more = Next(reader, file);
            if (unterminated is { } open)
            {
                throw new SuiteDataException($"{file.Path}:{open.LineNumber}: a quoted field is never closed; its opening quote makes the field run to the end of the file");
            }

            if (!more)
            {
                yield break;
            }

            int line = (int)reader.LineNumber;
            if (reader.FieldCount != names.Count)
            {
                throw new SuiteDataException($"{file.Path}:{line}: expected {names.Count} fields ({Expected()}), got {reader.FieldCount}");
            }

            if (first)
            {
                first = false;
                var cells = Enumerable.Range(0, reader.FieldCount).Select(i => reader.GetString(i) ?? "").ToList();
                if (cells.Select(c => c.Trim()).SequenceEqual(names, StringComparer.OrdinalIgnoreCase))
                {
                    continue; // the header repeats the columns: not an item
                }

                if (LooksLikeHeader(cells))
                {
                    throw new SuiteDataException($"{file.Path}:{line}: the first row ({string.Join(", ", cells)}) looks like a header, but columns are given, so it would be read as the first item; set header: true (skip it; columns rename its columns) or header: false (it is data)");
                }
            }

            var fields = new Dictionary<string, object?>(names.Count + 1, StringComparer.Ordinal);
            for (int i = 0; i < names.Count; i++)
            {
                fields[names[i]] = reader.GetString(i) ?? "";
            }

            yield return new DataRow(fields, file.Path, line);
        }
    }

    /// <summary>The fields of the file's first record (a header row or the first item, read the same way), or an
    /// empty list for an empty file.</summary>
    public static IReadOnlyList<string> FirstRecord(DataFile file, char separator)
    {
        using var reader = CsvReader.FromFile(file.RealPath, Options(separator, hasHeader: false, onMalformed: null));
        if (!Next(reader, file))
        {
            return [];
        }

        return Enumerable.Range(0, reader.FieldCount).Select(i => reader.GetString(i) ?? "").ToList();
    }

    static CsvReaderOptions Options(char separator, bool hasHeader, Action<CsvMalformedRecord>? onMalformed) => CsvReaderOptions.Default with
    {
        Separator = separator,
        HasHeader = hasHeader,
        Mode = CsvMode.Rfc4180,
        TrackLineNumbers = true,
        SkipEmptyLines = true,
        DetectSeparatorHint = false,
        MalformedData = CsvMalformedDataHandling.Recover,
        FieldCountMismatch = CsvFieldCountHandling.Allow,
        OnMalformedRecord = onMalformed,
    };

    static List<string> Header(CsvReader reader, DataFile file)
    {
        IReadOnlyList<string> header;
        try
        {
            header = reader.Headers;
        }
        catch (CsvFormatException e)
        {
            throw Malformed(file, e);
        }
        if (header.Count == 0)
        {
            throw new SuiteDataException($"{file.Path}: no header row (the file is empty); for a headerless file, give its columns");
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < header.Count; i++)
        {
            if (header[i].Length == 0)
            {
                throw new SuiteDataException($"{file.Path}:1: column {i + 1} of the header has no name; name it, or give columns and drop the header line");
            }

            if (!seen.Add(header[i]))
            {
                throw new SuiteDataException($"{file.Path}:1: column '{header[i]}' appears twice in the header");
            }
        }
        return [.. header];
    }

    static bool Next(CsvReader reader, DataFile file)
    {
        try
        {
            return reader.Read();
        }
        catch (CsvFormatException e)
        {
            throw Malformed(file, e);
        }
    }

    static SuiteDataException Malformed(DataFile file, CsvFormatException e) =>
        new(e.LineNumber > 0 ? $"{file.Path}:{e.LineNumber}: malformed CSV: {e.Message}" : $"{file.Path}: malformed CSV: {e.Message}", e);

    /// <summary>A first row of short, distinct names with no number among them and no single letter (MMLU's answer
    /// column): what a header looks like, and data rarely does.</summary>
    static bool LooksLikeHeader(IReadOnlyList<string> cells) =>
        cells.Count > 1
        && cells.All(c => c.Trim().Length is > 1 and <= 40 && !c.Contains('\n', StringComparison.Ordinal))
        && cells.Distinct(StringComparer.Ordinal).Count() == cells.Count
        && !cells.Any(c => double.TryParse(c, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out _))
        && cells.All(c => c.Trim().All(ch => char.IsLetterOrDigit(ch) || ch is ' ' or '_' or '-' or '.'));
}
