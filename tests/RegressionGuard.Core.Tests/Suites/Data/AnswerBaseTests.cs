using RegressionGuard.Suites;
using RegressionGuard.Suites.Evaluation;
using RegressionGuard.Suites.Items;
using RegressionGuard.Suites.Loading;
using RegressionGuard.Testing;

namespace RegressionGuard.Core.Tests.Suites.Data;

/// <summary><c>answer_base</c> and <c>labels</c> for integer answers: 1-based data is never read as 0-based in silence.</summary>
public sealed class AnswerBaseTests
{
    static string Suite(string extra) => $$$"""
        schema: 1
        id: binary
        task: multiple_choice
        data: {path: d.jsonl}
        templates: {prompt: "{{ q }}"}
        choices: {field: options}
        answer: label
        {{{extra}}}
        """;

    static TempFolder OneBased()
    {
        var dir = new TempFolder();
        File.WriteAllLines(dir.File("d.jsonl"),
        [
            """{"q": "a", "options": ["right", "wrong"], "label": 1}""",
            """{"q": "b", "options": ["wrong", "right"], "label": 2}""",
            """{"q": "c", "options": ["right", "wrong"], "label": 1}""",
        ]);
        return dir;
    }

    static IReadOnlyList<SuiteItem> Build(TempFolder dir, string extra) => SuiteItemBuilder.Build(SuiteLoader.Parse(Suite(extra), dir.File("s.yaml")));

    [Test]
    public void A_limit_whose_rows_lack_0_is_not_taken_for_1_based_when_the_whole_data_uses_0()
    {
        // Given 0-based data whose first two rows both answer 1
        using var dir = new TempFolder();
        File.WriteAllLines(dir.File("d.jsonl"),
        [
            """{"q": "a", "options": ["wrong", "right"], "label": 1}""",
            """{"q": "b", "options": ["wrong", "right"], "label": 1}""",
            """{"q": "c", "options": ["right", "wrong"], "label": 0}""",
        ]);
        var suite = SuiteLoader.Parse(Suite(""), dir.File("s.yaml"));

        // When only the first two rows are built (--limit 2)
        var items = SuiteItemBuilder.Build(suite, 2);

        // Then the whole data's 0 decides: they are read 0-based, with no answer_base error
        Assert.That(items.Select(i => i.Choices[i.Gold]), Is.All.EqualTo("right"));
        Assert.That(() => SuiteItemBuilder.Build(SuiteLoader.Parse(Suite(""), dir.File("s.yaml")), 2), Throws.Nothing);
    }

    [Test]
    public void One_based_answers_with_answer_base_1_pick_the_right_choice()
    {
        using var dir = OneBased();

        var items = Build(dir, "answer_base: 1");

        Assert.That(items.Select(i => i.Choices[i.Gold]), Is.All.EqualTo("right"));
    }

    [Test]
    public void One_based_answers_score_right_a_model_that_always_picks_the_right_choice_gets_acc_1()
    {
        using var dir = OneBased();
        var suite = SuiteLoader.Parse(Suite("answer_base: 1"), dir.File("s.yaml"));
        var model = new ScriptedModel(logLikelihood: r => r.Continuation.Trim() == "right" ? -1 : -5);

        var result = SuiteEvaluator.Evaluate(suite, SuiteItemBuilder.Build(suite), model);

        Assert.That(result.Metrics["acc"].Value, Is.EqualTo(1.0));
    }

    [Test]
    public void Labels_apply_to_integer_answers()
    {
        using var dir = OneBased();

        var labelled = SuiteItemBuilder.Build(SuiteLoader.Parse(Suite("").Replace("choices: {field: options}", "choices: {field: options, labels: [\"1\", \"2\"]}", StringComparison.Ordinal), dir.File("s.yaml")));

        Assert.That(labelled.Select(i => i.Choices[i.Gold]), Is.All.EqualTo("right"));
    }

    [Test]
    public void One_based_answers_without_answer_base_are_an_error_naming_the_column_and_answer_base()
    {
        using var dir = OneBased();
        File.WriteAllLines(dir.File("d.jsonl"), File.ReadAllLines(dir.File("d.jsonl")).Where(l => l.Contains("\"label\": 1", StringComparison.Ordinal)));

        var e = Assert.Throws<SuiteValidationException>(() => Build(dir, ""))!;

        Assert.That(e.Errors.Single().ToString(), Is.EqualTo($"{dir.File("s.yaml")}:7:9: the integer answers ('label') never use 0 (they run from 1 to 1 over 2 items), so they look 1-based; set answer_base: 1 if they count from 1, or answer_base: 0 if they really count from 0"));
    }

    [Test]
    public void A_top_value_out_of_range_names_answer_base_once_per_problem_with_its_rows()
    {
        using var dir = OneBased();

        var e = Assert.Throws<SuiteValidationException>(() => Build(dir, ""))!;
        var problem = SuiteProblems.Group(e.Errors, dir.File("s.yaml")).Single();

        Assert.That(problem.ToString(), Is.EqualTo($"{dir.File("s.yaml")}:7:9: answer 2 is out of range for 2 choices; an integer is a 0-based index 0 to 1; if the answers are 1-based (1 to 2), set answer_base: 1 — 1 row: {dir.File("d.jsonl")} line 2"));
    }

    [Test]
    public void Zero_based_answers_that_use_0_need_no_answer_base()
    {
        using var dir = new TempFolder();
        File.WriteAllLines(dir.File("d.jsonl"), ["""{"q": "a", "options": ["x", "y"], "label": 0}""", """{"q": "b", "options": ["x", "y"], "label": 1}"""]);

        Assert.That(Build(dir, "").Select(i => i.Gold), Is.EqualTo(new[] { 0, 1 }));
    }
}
