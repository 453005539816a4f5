using System.Globalization;
using System.Text;
using CsvHelper;

namespace RegressionGuard.Ledger;

/// <summary>
/// The ledger as CSV (RFC 4180, comma separated, UTF-8, records ending in <c>\n</c>), for pandas, spreadsheets and
/// law files. Columns, in this order: the core <see cref="CoreColumns"/> (<c>run,method,P,N,L_ft,L_f</c>), then
/// <c>base_entropy,kl,seconds,seconds_per_step,train_tokens,cell,corpus,model,created_utc,config</c>, then one column
/// per suite metric, names sorted (ordinal). Empty fields are "not recorded" (<see langword="null"/>, or a missing metric).
/// <para>
/// Doubles are written in the shortest form that parses back to the same bits (<c>"R"</c>, invariant culture, e.g.
/// <c>0.1</c>, <c>1E-05</c>, <c>-0</c>, <c>NaN</c>), times as ISO 8601 round-trip UTC (<c>"O"</c>), so export then import
/// gives back equal rows, doubles bit for bit. The only losses: every NaN reads back as <see cref="double.NaN"/> (text
/// keeps no NaN payload or sign), and an empty string in an optional text field reads back as <see langword="null"/>.
/// </para>
/// </summary>
public static class LedgerCsv
{
    /// <summary>The columns every ledger CSV must have.</summary>
    public static IReadOnlyList<string> CoreColumns { get; } = ["run", "method", "P", "N", "L_ft", "L_f"];

    /// <summary>All columns that are not suite metrics, in the order they are written.</summary>
    public static IReadOnlyList<string> FixedColumns { get; } =
        ["run", "method", "P", "N", "L_ft", "L_f", "base_entropy", "kl", "seconds", "seconds_per_step", "train_tokens",
         "cell", "corpus", "model", "created_utc", "config"];

    /// <summary>
    /// Cheap forgetting signals (schema 2: <c>kl_train</c>, weight-space diagnostics). Written after <c>config</c> only when
    /// some row has one, so ledgers without them export (and hash, <see cref="LedgerHash"/>) exactly as before.
    /// </summary>
    public static IReadOnlyList<string> SignalColumns { get; } = ["kl_train", "dw_frobenius", "dw_stable_rank", "intruders"];

    /// <summary>Whether <paramref name="name"/> is one of <see cref="FixedColumns"/> or <see cref="SignalColumns"/> (ignoring case), so cannot name a metric.</summary>
    public static bool IsFixedColumn(string name) =>
        FixedColumns.Contains(name, StringComparer.OrdinalIgnoreCase) || SignalColumns.Contains(name, StringComparer.OrdinalIgnoreCase);

    static bool HasSignals(LedgerRow row) => row.KlTrain is not null || row.DeltaFrobenius is not null || row.DeltaStableRank is not null || row.Intruders is not null;

    /// <summary>Characters that make a spreadsheet read a cell as a formula when they start it (OWASP, CSV injection).</summary>
    static readonly char[] FormulaStarts = ['=', '+', '-', '@', '\t', '\r'];

    /// <summary>A text cell as written: one that starts like a formula gets a leading <c>'</c>, so spreadsheets show it
    /// as text (OWASP's advice against CSV injection). <see cref="Import(TextReader, string)"/> removes it again.</summary>
    public static string Neutralize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.Length > 0 && FormulaStarts.Contains(text[0]) ? "'" + text : text;
    }

    /// <summary>The text a neutralised cell stood for.</summary>
    public static string Restore(string cell)
    {
        ArgumentNullException.ThrowIfNull(cell);
        return cell.Length > 1 && cell[0] == '\'' && FormulaStarts.Contains(cell[1]) ? cell[1..] : cell;
    }

    /// <summary>Writes <paramref name="rows"/>, in the order given, as a ledger CSV with a header. Text cells that start
    /// like a formula (<c>= + - @</c>, tab, carriage return) are written with a leading <c>'</c>.</summary>
    /// <exception cref="LedgerException">A metric has the name of a fixed column.</exception>
    public static void Export(IEnumerable<LedgerRow> rows, TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(writer);
        var list = rows.ToList();
        var metricNames = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var row in list)
        {
            ArgumentNullException.ThrowIfNull(row, nameof(rows));
            foreach (var name in row.Metrics.Keys)
            {
                if (string.IsNullOrEmpty(name) || IsFixedColumn(name))
                {
                    throw new LedgerException($"cell '{row.Cell}': metric '{name}' cannot be a CSV column: it is empty or the name of a ledger column ({string.Join(", ", FixedColumns)}); rename the metric");
                }

                metricNames.Add(name);
            }
        }

        var options = CsvWriterOptions.Default with { NewLine = "\n" };
        using var csv = CsvWriter.Create(writer, options, leaveOpen: true);
        bool signals = list.Any(HasSignals);
        csv.WriteHeader([.. FixedColumns, .. signals ? SignalColumns : [], .. metricNames.Select(Neutralize)]);
        foreach (var row in list)
        {
            csv.WriteField(Neutralize(row.Run));
            csv.WriteField(Neutralize(row.Method));
            csv.WriteField(Format(row.P));
            csv.WriteField(Format(row.N));
            csv.WriteField(Format(row.LFt));
            csv.WriteField(Format(row.Lf));
            csv.WriteField(Format(row.BaseEntropy));
            csv.WriteField(Format(row.Kl));
            csv.WriteField(Format(row.Seconds));
            csv.WriteField(Format(row.SecondsPerStep));
            csv.WriteField(row.TrainTokens is { } tokens ? Format(tokens) : "");
            csv.WriteField(Neutralize(row.Cell));
            csv.WriteField(Neutralize(row.Corpus ?? ""));
            csv.WriteField(Neutralize(row.Model ?? ""));
            csv.WriteField(row.CreatedUtc is { } created ? LedgerStore.FormatTime(created) : "");
            csv.WriteField(Neutralize(row.Config ?? ""));
            if (signals)
            {
                csv.WriteField(Format(row.KlTrain));
                csv.WriteField(Format(row.DeltaFrobenius));
                csv.WriteField(Format(row.DeltaStableRank));
                csv.WriteField(row.Intruders is { } intruders ? Format(intruders) : "");
            }
            foreach (var name in metricNames)
            {
                csv.WriteField(row.Metrics.TryGetValue(name, out var value) ? Format(value) : "");
            }

            csv.EndRecord();
        }
    }

    /// <summary>Writes <paramref name="rows"/> to the file at <paramref name="path"/> (UTF-8 without BOM), replacing it.</summary>
    public static void Export(IEnumerable<LedgerRow> rows, string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var writer = new StreamWriter(path, append: false, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
        Export(rows, writer);
    }

    /// <summary>Reads the ledger CSV at <paramref name="path"/>.</summary>
    /// <exception cref="FileNotFoundException">There is no such file.</exception>
    /// <exception cref="LedgerException">A core column is missing, a number does not parse (file:line and column),
    /// a cell appears twice, or the CSV is malformed.</exception>
    public static IReadOnlyList<LedgerRow> Import(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"ledger CSV '{path}' does not exist", path);
        }

        using var reader = new StringReader(Suites.Sandbox.StrictUtf8.ReadAllText(path));
        return Import(reader, path);
    }

    /// <summary>
    /// Reads a ledger CSV from <paramref name="reader"/>; <paramref name="source"/> names it in errors. Columns may come in
    /// any order; only the <see cref="CoreColumns"/> are required, other fixed columns may be missing (their values are
    /// then <see langword="null"/>; a missing or empty <c>cell</c> becomes <see cref="LedgerRow.DefaultCell"/>). Every
    /// other column is a suite metric. Whole-number columns also accept integral decimals such as <c>200.0</c>, and
    /// doubles accept Python's <c>nan</c> and <c>inf</c>.
    /// </summary>
    public static IReadOnlyList<LedgerRow> Import(TextReader reader, string source)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(source);
        var options = CsvReaderOptions.Default with
        {
            Separator = ',',
            HasHeader = true,
            Mode = CsvMode.Rfc4180,
            TrackLineNumbers = true,
            SkipEmptyLines = true,
            DetectSeparatorHint = false,
            MalformedData = CsvMalformedDataHandling.Throw,
        };
        using var csv = CsvReader.Create(reader, options, leaveOpen: true);

        IReadOnlyList<string> header;
        try
        {
            header = csv.Headers;
        }
        catch (CsvFormatException e)
        {
            throw Malformed(source, e);
        }
        if (header.Count == 0)
        {
            throw new LedgerException($"{source}: the file is empty; a ledger CSV starts with a header naming at least {string.Join(", ", CoreColumns)}");
        }

        var fixedIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        var metricColumns = new List<(string Name, int Index)>();
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (int i = 0; i < header.Count; i++)
        {
            var name = Restore(header[i]);
            if (name.Length == 0)
            {
                throw new LedgerException($"{source}:1: column {i + 1} of the header has no name; name every column");
            }

            if (!seen.Add(name))
            {
                throw new LedgerException($"{source}:1: column '{name}' appears twice in the header");
            }

            var known = FixedColumns.Concat(SignalColumns).FirstOrDefault(c => string.Equals(c, name, StringComparison.OrdinalIgnoreCase));
            if (known is not null)
            {
                fixedIndex[known] = i;
            }
            else
            {
                metricColumns.Add((name, i));
            }
        }
        var missing = CoreColumns.Where(c => !fixedIndex.ContainsKey(c)).ToList();
        if (missing.Count > 0)
        {
            throw new LedgerException($"{source}:1: missing required column{(missing.Count == 1 ? "" : "s")} {string.Join(", ", missing)}; a ledger CSV needs {string.Join(", ", CoreColumns)} (header: {string.Join(", ", header)})");
        }

        var rows = new List<LedgerRow>();
        var cellLines = new Dictionary<string, long>(StringComparer.Ordinal);
        while (true)
        {
            try
            {
                if (!csv.Read())
                {
                    break;
                }
            }
            catch (CsvFormatException e)
            {
                throw Malformed(source, e);
            }
            long line = csv.LineNumber;
            if (csv.FieldCount != header.Count)
            {
                throw new LedgerException($"{source}:{line}: expected {header.Count} fields (header: {string.Join(", ", header)}), got {csv.FieldCount}");
            }

            string Text(string column) => fixedIndex.TryGetValue(column, out var index) ? Restore(csv.GetString(index) ?? "") : "";
            string Required(string column)
            {
                var text = Text(column);
                return text.Length > 0 ? text : throw new LedgerException($"{source}:{line}: column '{column}' is empty; every row needs {string.Join(", ", CoreColumns)}");
            }
            string? Optional(string column) => Text(column) is { Length: > 0 } text ? text : null;
            double? OptionalDouble(string column) => Optional(column) is { } text ? ParseDouble(text, source, line, column) : null;

            var run = Required("run");
            long n = ParseLong(Required("N"), source, line, "N");
            var metrics = new Dictionary<string, double>(StringComparer.Ordinal);
            foreach (var (name, index) in metricColumns)
            {
                if (csv.GetString(index) is { Length: > 0 } text)
                {
                    metrics[name] = ParseDouble(text, source, line, name);
                }
            }

            var created = Optional("created_utc") is { } time ? ParseTime(time, source, line) : (DateTimeOffset?)null;
            var row = new LedgerRow
            {
                Run = run,
                Method = Required("method"),
                P = ParseLong(Required("P"), source, line, "P"),
                N = n,
                LFt = ParseDouble(Required("L_ft"), source, line, "L_ft"),
                Lf = ParseDouble(Required("L_f"), source, line, "L_f"),
                BaseEntropy = OptionalDouble("base_entropy"),
                Kl = OptionalDouble("kl"),
                Seconds = OptionalDouble("seconds"),
                SecondsPerStep = OptionalDouble("seconds_per_step"),
                TrainTokens = Optional("train_tokens") is { } tokens ? ParseLong(tokens, source, line, "train_tokens") : null,
                Cell = Optional("cell") ?? LedgerRow.DefaultCell(run, n),
                Corpus = Optional("corpus"),
                Model = Optional("model"),
                CreatedUtc = created,
                Config = Optional("config"),
                KlTrain = OptionalDouble("kl_train"),
                DeltaFrobenius = OptionalDouble("dw_frobenius"),
                DeltaStableRank = OptionalDouble("dw_stable_rank"),
                Intruders = Optional("intruders") is { } intruders ? ParseLong(intruders, source, line, "intruders") : null,
                Metrics = metrics,
            };
            if (cellLines.TryGetValue(row.Cell, out var first))
            {
                throw new LedgerException($"{source}:{line}: cell '{row.Cell}' appears again (first at line {first}); each cell is one row");
            }

            cellLines[row.Cell] = line;
            rows.Add(row);
        }
        return rows;
    }

    static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    static string Format(double? value) => value is { } v ? Format(v) : "";

    static string Format(long value) => value.ToString(CultureInfo.InvariantCulture);

    static double ParseDouble(string text, string source, long line, string column)
    {
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
        {
            return value;
        }

        switch (text.Trim().ToLowerInvariant())
        {
            case "nan": return double.NaN;
            case "inf" or "+inf": return double.PositiveInfinity;
            case "-inf": return double.NegativeInfinity;
        }
        throw new LedgerException($"{source}:{line}: column '{column}': '{Clip(text)}' is not a number; write e.g. 2.3517 or 1E-05");
    }

    static long ParseLong(string text, string source, long line, string column)
    {
        if (long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
        {
            return value;
        }
        // pandas writes whole-number columns that have gaps as floats ("200.0").
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var real)
            && double.IsFinite(real) && Math.Floor(real) == real && Math.Abs(real) < 9.2e18)
        {
            return (long)real;
        }

        throw new LedgerException($"{source}:{line}: column '{column}': '{Clip(text)}' is not a whole number; write e.g. 200");
    }

    static DateTimeOffset ParseTime(string text, string source, long line) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time)
            ? time
            : throw new LedgerException($"{source}:{line}: column 'created_utc': '{Clip(text)}' is not a time; write ISO 8601, e.g. 2025-01-31T12:00:00Z");

    static string Clip(string text) => text.Length <= 40 ? text : text[..37] + "...";

    static LedgerException Malformed(string source, CsvFormatException e) =>
        new(e.LineNumber > 0 ? $"{source}:{e.LineNumber}: malformed CSV: {e.Message}" : $"{source}: malformed CSV: {e.Message}", e);
}
