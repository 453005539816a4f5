using System.Reflection;

namespace RegressionGuard.Law;

/// <summary>
/// Where a law file came from, beyond what the fit itself knows (the rows' corpus and model hashes, the row count):
/// the ledger's hash (<see cref="Ledger.LedgerHash.Of"/>, or any string that identifies the rows), when it was fitted
/// and by which RegressionGuard.
/// </summary>
public sealed record LawProvenance(string LedgerHash, DateTimeOffset FittedUtc, string ToolVersion)
{
    /// <summary>Provenance for a fit made now by this RegressionGuard.</summary>
    public static LawProvenance Now(string ledgerHash) => new(ledgerHash, DateTimeOffset.UtcNow, CurrentToolVersion);

    /// <summary>This RegressionGuard's version: the core assembly's informational version (without a source-revision suffix).</summary>
    public static string CurrentToolVersion { get; } =
        (typeof(LawProvenance).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
         ?? typeof(LawProvenance).Assembly.GetName().Version?.ToString() ?? "unknown").Split('+')[0];
}
