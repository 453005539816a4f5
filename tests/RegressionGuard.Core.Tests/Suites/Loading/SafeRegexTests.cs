using RegressionGuard.Core.Tests.Suites;
using RegressionGuard.Suites;
using RegressionGuard.Suites.Evaluation;
using RegressionGuard.Suites.Items;
using RegressionGuard.Suites.Loading;

namespace RegressionGuard.Core.Tests.Suites.Loading;

/// <summary>Regexes from suites are validated at load (compiled, probed for catastrophic backtracking) and run with a
/// timeout that becomes a per-item error, never a crash.</summary>
public sealed class SafeRegexTests
{
    static string GenerateSuite(string regex) => $$$"""
        schema: 1
        id: gen
        task: generate
        items:
          - {q: "say b", a: "b"}
          - {q: "say 7", a: "7"}
        templates:
          prompt: "{{ q }}"
          target: "{{ a }}"
        extract:
          regex: '{{{regex}}}'
        """;

    [Test]
    public void A_catastrophic_extract_regex_is_reported_by_validate_at_its_position()
    {
        var error = Assert.Throws<SuiteValidationException>(() => SuiteLoader.Parse(GenerateSuite("(a+)+$"), "/suites/gen.yaml"))!;
        Assert.That(error.Errors.Single().ToString(), Does.StartWith("/suites/gen.yaml:11:10: 'extract.regex' backtracks catastrophically: matching 32 characters of 'a' followed by '!'"));
    }

    [Test]
    public void A_word_list_regex_with_nested_quantifiers_is_reported_too()
    {
        Assert.That(SafeRegex.Compile(@"^(\w+\s?)*$", out var error), Is.Null);
        Assert.That(error, Does.Contain("backtracks catastrophically"));
    }

    [TestCase(@"(\d+)")]
    [TestCase(@"####\s*(-?[0-9.,]+)")]
    [TestCase(@"(?i)answer:\s*([a-d])")]
    public void Ordinary_extract_regexes_pass(string pattern)
    {
        Assert.That(SafeRegex.Compile(pattern, out var error), Is.Not.Null, error);
    }

    [Test]
    public void A_regex_that_times_out_on_one_generation_makes_that_item_an_error_and_the_run_goes_on()
    {
        // Given a regex that passes the probes but backtracks catastrophically on a run of 'b's
        var suite = SuiteLoader.Parse(GenerateSuite("^(b+)+$"), "/suites/gen.yaml");
        var model = new ScriptedModel(generate: r => r.Prompt == "say b" ? new string('b', 40) + "!" : "7");

        // When the suite is evaluated
        var result = SuiteEvaluator.Evaluate(suite, SuiteItemBuilder.Build(suite), model);

        // Then the first item records the timeout and scores 0, the other is scored, and the errors are counted
        Assert.Multiple(() =>
        {
            Assert.That(result.Items[0].Error, Does.StartWith("extract.regex timed out after 1 s on this generation (41 characters)"));
            Assert.That(result.Items[0].Metrics["exact_match"], Is.Zero);
            Assert.That(result.Items[1].Error, Is.Null);
            Assert.That(result.Errors, Is.EqualTo(1));
        });
    }
}
