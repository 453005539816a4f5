using System.Security.Cryptography;
using System.Text;

namespace RegressionGuard.Ledger;

/// <summary>
/// The content hash of a set of ledger rows, for law files to record which rows a law was fitted to: the SHA-256
/// (64 lowercase hex digits) of the UTF-8 canonical CSV, which is <see cref="LedgerCsv.Export(IEnumerable{LedgerRow}, TextWriter)"/>
/// of the rows sorted by run, then N, then cell (ordinal). So the order the rows come in does not matter, and any change
/// to any value (a metric, the config, the creation time) changes the hash.
/// </summary>
public static class LedgerHash
{
    /// <summary>The hash of <paramref name="rows"/>, 64 lowercase hex digits.</summary>
    public static string Of(IEnumerable<LedgerRow> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var sorted = rows
            .OrderBy(r => r.Run, StringComparer.Ordinal)
            .ThenBy(r => r.N)
            .ThenBy(r => r.Cell, StringComparer.Ordinal)
            .ToList();
        using var text = new StringWriter(System.Globalization.CultureInfo.InvariantCulture);
        LedgerCsv.Export(sorted, text);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }
}
