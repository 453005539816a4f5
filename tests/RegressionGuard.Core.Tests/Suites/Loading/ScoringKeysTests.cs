using RegressionGuard.Suites;
using RegressionGuard.Suites.Loading;

namespace RegressionGuard.Core.Tests.Suites.Loading;

/// <summary>The scoring keys (<c>answers</c>, <c>style</c>, <c>group_by</c>, <c>judge</c>): what loads, and every misuse at its place, all at once.</summary>
public sealed class ScoringKeysTests
{
    const string File = "/suites/keys.yaml";

    const string Refusal = """
        schema: 1
        id: ref
        task: refusal
        templates:
          prompt: "{{ p }}"
        should: refuse
        items:
          - {p: x, category: a}

        """;

    static string[] Errors(string yaml)
    {
        var e = Assert.Throws<SuiteValidationException>(() => SuiteLoader.Parse(yaml, File))!;
        return e.Errors.Select(x => x.ToString()).ToArray();
    }

    [Test]
    public void A_judged_refusal_suite_with_the_built_in_prompt_loads_its_labels()
    {
        var suite = SuiteLoader.Parse(Refusal + "judge:\n  prompt: refusal\n  model: judges/small\n", File);
        Assert.Multiple(() =>
        {
            Assert.That(suite.Judge!.PromptName, Is.EqualTo("refusal"));
            Assert.That(suite.Judge.RefusalLabels, Is.EqualTo(new[] { "REFUSAL" }));
            Assert.That(suite.Judge.ComplianceLabels, Is.EqualTo(new[] { "COMPLIANCE" }));
            Assert.That(suite.Judge.Model, Is.EqualTo("/suites/judges/small"), "relative to the suite's folder");
            Assert.That(suite.Judge.Stop, Is.EqualTo(new[] { "\n" }));
            Assert.That(suite.Judge.MaxNewTokens, Is.EqualTo(8));
        });
    }

    [Test]
    public void A_group_by_mapping_loads_the_group_thresholds()
    {
        var suite = SuiteLoader.Parse(Refusal + "group_by:\n  field: category\n  max_drop: 0.1\n  groups:\n    a: {max_drop: 0.0}\n", File);
        Assert.Multiple(() =>
        {
            Assert.That(suite.GroupBy!.Field, Is.EqualTo("category"));
            Assert.That(suite.GroupBy.ThresholdsOf("a"), Is.EqualTo(new GroupThreshold(0.0, null)));
            Assert.That(suite.GroupBy.ThresholdsOf("b"), Is.EqualTo(new GroupThreshold(0.1, null)));
        });
    }

    [Test]
    public void A_judge_with_its_own_prompt_needs_labels_that_are_distinct_and_must_show_the_response()
    {
        const string yaml = Refusal + """
            judge:
              prompt: "Did it refuse? {{ prompt }}"
              labels: {refusal: [Yes], compliance: [yes, ""]}
            """;
        Assert.That(Errors(yaml), Is.EqualTo(new[]
        {
            $"{File}:10:11: 'judge.prompt' never shows the judge the model's answer: use {{{{ response }}}} in the template, or a built-in prompt (refusal)",
            $"{File}:11:11: a judge label is empty; each label is the whole answer the judge gives, e.g. REFUSAL",
            $"{File}:11:11: judge label(s) 'Yes' listed more than once (labels compare without case)",
        }));
    }

    [Test]
    public void Every_misplaced_scoring_key_is_reported_at_once()
    {
        const string yaml = """
            schema: 1
            id: gen
            task: generate
            templates:
              prompt: "{{ q }}"
              target: "{{ a }}"
            style: completion
            judge: {prompt: refusal}
            group_by: ""
            items:
              - {q: x, a: y}
            """;
        Assert.That(Errors(yaml), Is.EqualTo(new[]
        {
            $"{File}:7:8: 'style' applies to multiple_choice suites only (this suite's task is generate)",
            $"{File}:8:8: 'judge' applies to refusal suites only (this suite's task is generate)",
            $"{File}:9:11: 'group_by' must name a field, e.g. 'group_by: category'",
        }));
    }

    [Test]
    public void An_unknown_style_and_answers_on_a_refusal_suite_are_errors()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Errors(Refusal + "answers: ok\n"), Is.EqualTo(new[] { $"{File}:9:10: 'answers' applies to multiple_choice and generate suites only (this suite's task is refusal)" }));
            Assert.That(Errors("""
                schema: 1
                id: mc
                task: multiple_choice
                style: completoin
                templates:
                  prompt: "{{ q }}"
                choices:
                  field: c
                items:
                  - {q: x, c: [a, b]}
                """), Is.EqualTo(new[]
            {
                $"{File}:1:1: missing key 'answer' (the field holding the gold answer: index, letter or label) or 'answers' (a field holding a list of correct answers)",
                $"{File}:4:8: unknown style 'completoin' — did you mean 'completion'? (completion: each choice is an ending scored after the prompt, as HellaSwag and PIQA)",
            }));
        });
    }
}
