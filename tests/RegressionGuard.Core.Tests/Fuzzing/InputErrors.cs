using System.Text.Json;
using RegressionGuard.Law;
using RegressionGuard.Ledger;
using RegressionGuard.Suites;

namespace RegressionGuard.Core.Tests.Fuzzing;

/// <summary>The typed input errors a Core loader may throw on a bad file; anything else is a bug the fuzz tests report.</summary>
static class InputErrors
{
    public static bool Typed(Exception e) =>
        e is SuiteValidationException or SuiteDataException or LawException or LedgerException or InvalidDataException;

    /// <summary>Report JSON may also fail as JSON (the CLI turns that into an input error with the file name).</summary>
    public static bool TypedOrJson(Exception e) => Typed(e) || e is JsonException;
}
