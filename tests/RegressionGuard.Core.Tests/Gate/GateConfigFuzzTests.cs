using RegressionGuard.Core.Tests.Fuzzing;
using RegressionGuard.Gate;
using RegressionGuard.Testing;
using RegressionGuard.Testing.Fuzzing;

namespace RegressionGuard.Core.Tests.Gate;

/// <summary>The gate config loader on mutated and generated regressionguard.yaml files.</summary>
[NonParallelizable]
public sealed class GateConfigFuzzTests
{
    static readonly string[] Shipped = ["suites/organism/gate-mild.yaml", "suites/organism/gate-aggressive.yaml"];
    static readonly string File = RepositoryFiles.Path("suites/organism/fuzzed-gate.yaml");

    static void Load(string text) => GateConfig.Parse(text, File);

    [Test]
    public void Mutated_gate_configs_load_or_fail_with_config_errors_only() =>
        LoaderFuzz.Run("gate config (mutated)", LoaderFuzz.Mutated(LoaderFuzz.Seeds(Shipped)), Load, InputErrors.Typed, LoaderFuzz.MutatedCases);

    [Test]
    public void Generated_gate_configs_load_or_fail_with_config_errors_only() =>
        LoaderFuzz.Run("gate config (generated)", LoaderFuzz.Generated(LoaderFuzz.Seeds(Shipped)), Load, InputErrors.Typed, LoaderFuzz.GeneratedCases);

    static IEnumerable<TestCaseData> Corpus() => LoaderFuzz.Corpus("RegressionGuard.Core.Tests", "gate-config");

    [TestCaseSource(nameof(Corpus))]
    public void An_input_that_once_found_a_bug_fails_with_config_errors_only(string text) =>
        Assert.That(LoaderFuzz.Check(text, Load, InputErrors.Typed), Is.Null.Or.Empty);
}
