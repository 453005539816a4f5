using RegressionGuard.Core.Tests.Fuzzing;
using RegressionGuard.Law;
using RegressionGuard.Testing.Fuzzing;

namespace RegressionGuard.Core.Tests.Law;

/// <summary>The law.yaml loader on mutated and generated law files; a law that loads must also predict.</summary>
[NonParallelizable]
public sealed class LawFileFuzzTests
{
    static readonly string[] Shipped = ["suites/organism/law.yaml", "experiments/organism_qv_lora/law.yaml", "experiments/stories260k_shakespeare/law-lora.yaml"];

    static void Load(string text)
    {
        var law = LawFile.Parse(text, "fuzzed-law.yaml");
        if (law.Form != LawForm.Linear)
        {
            law.Predict(1000, 100);
        }
    }

    [Test]
    public void Mutated_law_files_load_or_fail_with_law_errors_only() =>
        LoaderFuzz.Run("law.yaml (mutated)", LoaderFuzz.Mutated(LoaderFuzz.Seeds(Shipped)), Load, InputErrors.Typed, LoaderFuzz.MutatedCases);

    [Test]
    public void Generated_law_files_load_or_fail_with_law_errors_only() =>
        LoaderFuzz.Run("law.yaml (generated)", LoaderFuzz.Generated(LoaderFuzz.Seeds(Shipped)), Load, InputErrors.Typed, LoaderFuzz.GeneratedCases);

    static IEnumerable<TestCaseData> Corpus() => LoaderFuzz.Corpus("RegressionGuard.Core.Tests", "law");

    [TestCaseSource(nameof(Corpus))]
    public void An_input_that_once_found_a_bug_fails_with_law_errors_only(string text) =>
        Assert.That(LoaderFuzz.Check(text, Load, InputErrors.Typed), Is.Null.Or.Empty);
}
