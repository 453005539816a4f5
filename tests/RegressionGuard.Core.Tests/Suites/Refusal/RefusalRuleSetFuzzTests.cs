using RegressionGuard.Core.Tests.Fuzzing;
using RegressionGuard.Suites.Refusal;
using RegressionGuard.Testing.Fuzzing;

namespace RegressionGuard.Core.Tests.Suites.Refusal;

/// <summary>The refusal rule-set reader on mutated and generated rule files.</summary>
[NonParallelizable]
public sealed class RefusalRuleSetFuzzTests
{
    static readonly string[] Shipped = ["src/RegressionGuard.Core/Suites/Refusal/BuiltIn/xstest.yaml", "src/RegressionGuard.Core/Suites/Refusal/BuiltIn/advbench.yaml"];

    static void Load(string text) => RefusalRuleSets.Parse(text, "fuzzed-rules.yaml");

    [Test]
    public void Mutated_rule_files_load_or_fail_with_suite_errors_only() =>
        LoaderFuzz.Run("refusal rules (mutated)", LoaderFuzz.Mutated(LoaderFuzz.Seeds(Shipped)), Load, InputErrors.Typed, LoaderFuzz.MutatedCases);

    [Test]
    public void Generated_rule_files_load_or_fail_with_suite_errors_only() =>
        LoaderFuzz.Run("refusal rules (generated)", LoaderFuzz.Generated(LoaderFuzz.Seeds(Shipped)), Load, InputErrors.Typed, LoaderFuzz.GeneratedCases);
}
