namespace RegressionGuard.Ledger;

/// <summary>Reads a ledger from either kind of file, chosen by its extension.</summary>
public static class LedgerFile
{
    /// <summary>Extensions of SQLite ledgers (<see cref="LedgerStore"/>).</summary>
    public static IReadOnlyList<string> StoreExtensions { get; } = [".db", ".sqlite", ".sqlite3"];

    /// <summary>Extensions of ledger CSVs (<see cref="LedgerCsv"/>).</summary>
    public static IReadOnlyList<string> CsvExtensions { get; } = [".csv"];

    /// <summary>
    /// Every row of the ledger at <paramref name="path"/>: a SQLite ledger (<c>.db</c>, <c>.sqlite</c>, <c>.sqlite3</c>),
    /// ordered by run then N, or a ledger CSV (<c>.csv</c>), in file order. Extensions are matched ignoring case.
    /// </summary>
    /// <exception cref="FileNotFoundException">There is no such file (a missing SQLite ledger is not created).</exception>
    /// <exception cref="LedgerException">The extension is none of the accepted ones, or the file is not a valid ledger.</exception>
    public static IReadOnlyList<LedgerRow> Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var extension = Path.GetExtension(path);
        if (StoreExtensions.Contains(extension, StringComparer.OrdinalIgnoreCase))
        {
            if (!File.Exists(path))
            {
                throw new FileNotFoundException($"ledger '{path}' does not exist", path);
            }

            using var store = LedgerStore.Open(path);
            return store.Rows();
        }
        if (CsvExtensions.Contains(extension, StringComparer.OrdinalIgnoreCase))
        {
            return LedgerCsv.Import(path);
        }

        var shown = extension.Length == 0 ? "no extension" : $"extension '{extension}'";
        throw new LedgerException($"{path}: {shown} is not a ledger file type; accepted: {string.Join(", ", StoreExtensions)} (SQLite ledger) or {string.Join(", ", CsvExtensions)} (ledger CSV)");
    }
}
