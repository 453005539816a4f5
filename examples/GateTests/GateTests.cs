using NUnit.Framework;
using RegressionGuard.NUnit;

namespace GateTests;

/// <summary>
/// The gate of regressionguard.yaml beside this project (or of $REGRESSIONGUARD_GATE_CONFIG), one test per gated
/// metric and one for forgetting. Without a config there is one ignored test that says how to add one.
/// </summary>
[TestFixture]
public sealed class ReleaseGate
{
    [TestCaseSource(typeof(GateCases), nameof(GateCases.FromEnvironment))]
    public void Gate(GateCase c) => c.Assert();
}
