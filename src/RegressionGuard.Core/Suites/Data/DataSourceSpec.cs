namespace RegressionGuard.Suites.Data;

/// <summary>
/// Where a suite's items come from and how to read them. Error messages name the settings by their suite-file keys:
/// <c>path</c>, <c>format</c>, <c>columns</c>, <c>file_field</c>, <c>file_field_pattern</c>, <c>limit</c>,
/// <c>sample</c>, <c>seed</c>, <c>json_items_path</c>.
/// </summary>
/// <param name="Path">
/// A file, or a glob (<c>*</c> within a name, <c>**</c> for any depth) such as <c>mmlu/test/*_test.csv</c>, relative to
/// the suite's folder or absolute; variables already substituted. Files matched by a glob are read in ordinal order.
/// </param>
public sealed record DataSourceSpec(string Path)
{
    /// <summary>Where the suite file names this data (its <c>path</c> key): errors about the whole source are reported there.</summary>
    public SourcePosition? Position { get; init; }

    /// <summary><c>auto</c> (from each file's extension: .jsonl/.ndjson, .json, .csv, .tsv/.tab) or one of
    /// <c>jsonl</c>, <c>json</c>, <c>csv</c>, <c>tsv</c>.</summary>
    public string Format { get; init; } = DataReader.AutoFormat;

    /// <summary>Column names of a headerless CSV/TSV file. When given, the first line is data, not a header, and every
    /// row must have exactly this many fields.</summary>
    public IReadOnlyList<string>? Columns { get; init; }

    /// <summary>A field added to every row holding a value derived from its file's name (see <see cref="FileFieldPattern"/>).</summary>
    public string? FileField { get; init; }

    /// <summary>A regular expression matched against the file name (not its folder): the value is capture group 1, or
    /// the whole match when the pattern has no group, e.g. <c>^(.*)_test\.csv$</c> gives <c>abstract_algebra</c>.
    /// Without a pattern the value is the file name without its extension. A file name it does not match is an error.</summary>
    public string? FileFieldPattern { get; init; }

    /// <summary>Keep only the first N rows (of all files, concatenated in order). With <see cref="Sample"/>: the first N
    /// rows drawn (see <see cref="DataReader"/>).</summary>
    public int? Limit { get; init; }

    /// <summary>Keep N rows drawn at random without replacement (deterministic for a <see cref="Seed"/>), in file order;
    /// all rows when there are no more than N.</summary>
    public int? Sample { get; init; }

    /// <summary>Seed of <see cref="Sample"/>.</summary>
    public int Seed { get; init; }

    /// <summary>For a JSON document whose array of items is nested: property names separated by dots, e.g.
    /// <c>data.items</c>. Default: the document itself is the array.</summary>
    public string? JsonItemsPath { get; init; }

    /// <summary>Whether a CSV/TSV file has a header row (<c>header</c>). Null: it has one unless <see cref="Columns"/>
    /// are given; with columns, a first row that repeats them is the header, and a first row that looks like a header
    /// (short distinct names, no numbers) is an error asking for <c>header: true</c> or <c>header: false</c>. True with
    /// columns: the header row is skipped and the columns rename its fields by position.</summary>
    public bool? Header { get; init; }

    /// <summary>Steps that reshape the rows after reading (<c>data.shape</c>), in order; see <see cref="DataShaping"/>.</summary>
    public IReadOnlyList<ShapeStep> Shape { get; init; } = [];
}
