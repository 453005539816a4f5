namespace RegressionGuard.Law;

/// <summary>
/// A law that cannot be fitted or used as asked: a ledger that cannot support the fit (too few rows, no spread in P or
/// N, non-finite values), a fit that did not converge, a prediction the law's form cannot make, or a checkpoint
/// without scale metadata. The message says what was wrong, where (rows by cell, files by path) and what would be valid.
/// </summary>
public sealed class LawException : Exception
{
    /// <summary>An error with the given message.</summary>
    public LawException(string message) : base(message) { }

    /// <summary>An error with the given message, caused by <paramref name="inner"/>.</summary>
    public LawException(string message, Exception inner) : base(message, inner) { }
}
