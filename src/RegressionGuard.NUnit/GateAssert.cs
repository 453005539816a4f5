namespace RegressionGuard.NUnit;

/// <summary>Asserts a gate case (the verdict object a <see cref="GateCases"/> test case carries).</summary>
public static class GateAssert
{
    /// <summary>Passes, fails, warns or ignores like <see cref="GateCase.Assert"/>; <paramref name="verdict"/> must be a <see cref="GateCase"/>.</summary>
    public static void Passes(object verdict)
    {
        if (verdict is not GateCase gateCase)
        {
            throw new ArgumentException($"expected a {nameof(GateCase)} from {nameof(GateCases)}, got {verdict?.GetType().Name ?? "null"}", nameof(verdict));
        }

        gateCase.Assert();
    }
}
