namespace RegressionGuard.Ledger;

/// <summary>
/// A ledger that cannot be read or written as asked: the message names the file (with line and column for CSV), the
/// cell or run at fault, and what would be valid, e.g. "cell 'lora-r4-qv@N=200' is already in the ledger".
/// </summary>
public sealed class LedgerException : Exception
{
    /// <summary>An error with the given message.</summary>
    public LedgerException(string message) : base(message) { }

    /// <summary>An error with the given message, caused by <paramref name="inner"/>.</summary>
    public LedgerException(string message, Exception inner) : base(message, inner) { }
}
