using RegressionGuard.Core.Tests.Suites;
using RegressionGuard.Suites;
using RegressionGuard.Suites.Evaluation;
using RegressionGuard.Suites.Items;
using RegressionGuard.Suites.Loading;

namespace RegressionGuard.Core.Tests.Suites.Evaluation;

/// <summary>Several correct answers (<c>answers:</c>), mc2, acc_bytes, the *_any metrics and completion-style choices.</summary>
public sealed class MultiAnswerScoringTests
{
    static SuiteResult Run(string yaml, ScriptedModel model)
    {
        var suite = SuiteLoader.Parse(yaml, "/suites/test.yaml");
        return SuiteEvaluator.Evaluate(suite, SuiteItemBuilder.Build(suite), model);
    }

    const string TruthfulStyle = """
        schema: 1
        id: truthful
        task: multiple_choice
        templates:
          prompt: "Q: {{ q }}\nA:"
        choices:
          field: choices
        answers: true_answers
        metrics: [mc2, acc]
        items:
          - q: "Is the sky green?"
            choices: ["No.", "Yes.", "It is not.", "Always."]
            true_answers: [0, 2]
        """;

    [Test]
    public void Mc2_is_the_normalised_probability_mass_on_the_true_answers_checked_by_hand()
    {
        // Given log-likelihoods −1, −2, −3, −1.5 and true answers 0 and 2 (not contiguous)
        var lls = new Dictionary<string, double> { [" No."] = -1, [" Yes."] = -2, [" It is not."] = -3, [" Always."] = -1.5 };

        // When the suite is scored
        var result = Run(TruthfulStyle, new ScriptedModel(r => lls[r.Continuation]));

        // Then mc2 = (e^−1 + e^−3) / (e^−1 + e^−2 + e^−3 + e^−1.5) = 0.41766651 / 0.77613195, computed by hand
        Assert.Multiple(() =>
        {
            Assert.That(result.Items[0].Metrics["mc2"], Is.EqualTo(0.5381385316834354).Within(1e-12));
            Assert.That(result.Items[0].Golds, Is.EqualTo(new[] { 0, 2 }));
            Assert.That(result.Items[0].Metrics["acc"], Is.EqualTo(1), "the most likely choice (0) is one of the true answers");
        });
    }

    [Test]
    public void Mc2_does_not_underflow_on_very_negative_log_likelihoods()
    {
        // e^−2000 is 0 in doubles; the ratio e^0 / (e^0 + e^−1) is not
        Assert.That(SuiteEvaluator.Mc2([-2000, -2001], [0]), Is.EqualTo(1 / (1 + Math.Exp(-1))).Within(1e-12));
    }

    [Test]
    public void Acc_is_right_when_the_prediction_is_any_of_the_answers_and_wrong_otherwise()
    {
        var result = Run(TruthfulStyle, new ScriptedModel(r => r.Continuation == " Yes." ? -1 : -5));
        Assert.Multiple(() =>
        {
            Assert.That(result.Items[0].Metrics["acc"], Is.EqualTo(0), "'Yes.' (index 1) is not a true answer");
            Assert.That(result.Items[0].Metrics["mc2"], Is.EqualTo(2 * Math.Exp(-5) / (Math.Exp(-1) + 3 * Math.Exp(-5))).Within(1e-12));
        });
    }

    [Test]
    public void Answers_given_as_labels_resolve_like_answer_does()
    {
        const string yaml = """
            schema: 1
            id: labels
            task: multiple_choice
            templates:
              prompt: "{{ q }}"
            choices:
              templates: ["{{ a }}", "{{ b }}", "{{ c }}"]
              labels: [A, B, C]
            answers: right
            items:
              - {q: x, a: one, b: two, c: three, right: [C, A]}
            """;
        var suite = SuiteLoader.Parse(yaml, "/suites/labels.yaml");
        var item = SuiteItemBuilder.Build(suite)[0];
        Assert.Multiple(() =>
        {
            Assert.That(item.Golds, Is.EqualTo(new[] { 2, 0 }));
            Assert.That(item.Gold, Is.EqualTo(2), "without 'answer', the first of 'answers' is the gold answer");
        });
    }

    [Test]
    public void An_answers_field_that_is_not_a_list_names_the_row()
    {
        const string yaml = """
            schema: 1
            id: notalist
            task: multiple_choice
            templates:
              prompt: "{{ q }}"
            choices:
              field: choices
            answers: right
            items:
              - {q: x, choices: [a, b], right: "a;b"}
              - {q: y, choices: [a, b], right: []}
            """;
        var suite = SuiteLoader.Parse(yaml, "/suites/notalist.yaml");
        var e = Assert.Throws<SuiteValidationException>(() => SuiteItemBuilder.Build(suite))!;
        // each at its row (the place is given once, not repeated in the message)
        Assert.That(e.Errors.Select(x => (x.File, x.Line, x.Message)), Is.EqualTo(new[]
        {
            ("/suites/notalist.yaml:items[0]", 1, "'answers' right is not a list (got 'a;b'); a joined string must be split into a list first"),
            ("/suites/notalist.yaml:items[1]", 2, "'answers' right is an empty list: an item needs at least one correct answer"),
        }));
    }

    [Test]
    public void Acc_norm_divides_by_code_points_and_acc_bytes_by_utf8_bytes_as_lm_evaluation_harness()
    {
        // Given a two-emoji ending (2 code points, 4 UTF-16 units, 8 bytes) and "abc" (3 of each)
        const string yaml = """
            schema: 1
            id: lengths
            task: multiple_choice
            style: completion
            templates:
              prompt: "{{ ctx }}"
            choices:
              field: endings
            answer: label
            answer_base: 0
            metrics: [acc, acc_norm, acc_bytes]
            items:
              - {ctx: "She smiled", endings: ["😀😀", "abc"], label: 1}
            """;

        // When " 😀😀" scores −2.4 and " abc" −3.3
        var seen = new List<string>();
        var result = Run(yaml, new ScriptedModel(r => { seen.Add(r.Continuation); return r.Continuation == " abc" ? -3.3 : -2.4; }));

        // Then per code point abc wins (−1.1 > −1.2), per byte the emoji (−0.3 > −1.1), in total the emoji
        Assert.Multiple(() =>
        {
            Assert.That(result.Items[0].Metrics["acc_norm"], Is.EqualTo(1));
            Assert.That(result.Items[0].Metrics["acc_bytes"], Is.EqualTo(0));
            Assert.That(result.Items[0].Metrics["acc"], Is.EqualTo(0));
            Assert.That(seen, Is.EqualTo(new[] { " 😀😀", " abc" }), "completion style scores each ending after the context");
            Assert.That(SuiteLoader.Parse(yaml, "/suites/lengths.yaml").Style, Is.EqualTo(MultipleChoiceStyle.Completion));
        });
    }

    [Test]
    public void Exact_match_any_and_contains_any_accept_any_listed_answer()
    {
        const string yaml = """
            schema: 1
            id: anyof
            task: generate
            templates:
              prompt: "{{ q }}"
            answers: ok
            extract:
              normalize: [trim, lowercase]
            metrics: [exact_match, exact_match_any, contains_any]
            items:
              - {q: capital, ok: [Paris, "Paris, France"]}
              - {q: colour, ok: [blue, azure]}
              - {q: number, ok: ["7", seven]}
            """;
        var replies = new Dictionary<string, string> { ["capital"] = " paris, france ", ["colour"] = "It is azure today", ["number"] = "eight" };
        var result = Run(yaml, new ScriptedModel(generate: r => replies[r.Prompt]));
        Assert.Multiple(() =>
        {
            Assert.That(result.Items.Select(i => i.Metrics["exact_match"]), Is.EqualTo(new[] { 0.0, 0, 0 }), "the target is the first answer");
            Assert.That(result.Items.Select(i => i.Metrics["exact_match_any"]), Is.EqualTo(new[] { 1.0, 0, 0 }));
            Assert.That(result.Items.Select(i => i.Metrics["contains_any"]), Is.EqualTo(new[] { 1.0, 1, 0 }));
            Assert.That(result.Items[1].Targets, Is.EqualTo(new[] { "blue", "azure" }));
        });
    }
}
