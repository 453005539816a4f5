using RegressionGuard.Core.Tests.Fuzzing;
using RegressionGuard.Suites.Items;
using RegressionGuard.Suites.Loading;
using RegressionGuard.Testing;
using RegressionGuard.Testing.Fuzzing;

namespace RegressionGuard.Core.Tests.Suites.Loading;

/// <summary>The suite loader (and, for suites that load, the item builder) on mutated and generated suite files.</summary>
[NonParallelizable]
public sealed class SuiteLoaderFuzzTests
{
    static readonly string[] Shipped =
    [
        "suites/organism/knowledge.yaml", "suites/organism/reasoning.yaml", "suites/organism/refusal.yaml",
        "suites/tinystories/tinystories_facts.yaml", "suites/tinystories/tinystories_common_sense.yaml",
        "suites/public/mmlu.yaml", "suites/public/arc_easy.yaml", "suites/public/gsm8k.yaml", "suites/public/xstest.yaml", "suites/public/advbench.yaml",
    ];

    // beside the organism's suites, so that data paths of mutated organism suites still resolve to real data
    static readonly string File = RepositoryFiles.Path("suites/organism/fuzzed.yaml");

    static void Load(string text)
    {
        var suite = SuiteLoader.Parse(text, File);
        SuiteItemBuilder.Build(suite, limit: 50);
    }

    [Test]
    public void Mutated_suites_load_or_fail_with_suite_errors_only() =>
        LoaderFuzz.Run("suite (mutated)", LoaderFuzz.Mutated(LoaderFuzz.Seeds(Shipped)), Load, InputErrors.Typed, LoaderFuzz.MutatedCases);

    [Test]
    public void Generated_suites_load_or_fail_with_suite_errors_only() =>
        LoaderFuzz.Run("suite (generated)", LoaderFuzz.Generated(LoaderFuzz.Seeds(Shipped)), Load, InputErrors.Typed, LoaderFuzz.GeneratedCases);

    static IEnumerable<TestCaseData> Corpus() => LoaderFuzz.Corpus("RegressionGuard.Core.Tests", "suite");

    [TestCaseSource(nameof(Corpus))]
    public void An_input_that_once_found_a_bug_fails_with_suite_errors_only(string text) =>
        Assert.That(LoaderFuzz.Check(text, Load, InputErrors.Typed), Is.Null.Or.Empty);
}
