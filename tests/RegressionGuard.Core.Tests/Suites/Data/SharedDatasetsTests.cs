using RegressionGuard.Suites.Data;
using RegressionGuard.Testing;

namespace RegressionGuard.Core.Tests.Suites.Data;

/// <summary>The public datasets in ../shared read as the suites will read them (counts from shared/README.md).</summary>
public sealed class SharedDatasetsTests
{
    static IReadOnlyList<DataRow> Read(DataSourceSpec spec)
    {
        var datasets = SharedData.Path("datasets");
        return DataReader.Read(spec, datasets, [datasets]);
    }

    [Test]
    public void Mmlu_test_has_14042_questions_in_57_subjects_and_every_answer_names_one_of_four_choices()
    {
        var rows = Read(new DataSourceSpec("mmlu/test/*_test.csv")
        {
            Columns = ["question", "A", "B", "C", "D", "answer"],
            FileField = "subject",
            FileFieldPattern = @"^(.*)_test\.csv$",
        });

        Assert.That(rows, Has.Count.EqualTo(14_042));
        Assert.That(rows.Select(r => r.Fields["subject"]).Distinct().Count(), Is.EqualTo(57));
        Assert.That(rows[0].Fields["subject"], Is.EqualTo("abstract_algebra"));
        Assert.That(rows.Select(r => AnswerResolver.ResolveIndex(r.Fields["answer"], null, 4, r.Where)), Is.All.InRange(0, 3));
    }

    [TestCase("arc/arc_easy_test.clean.jsonl", 2376)]
    [TestCase("arc/arc_challenge_test.clean.jsonl", 1170)]
    public void Arc_answer_keys_all_name_one_of_the_labels_of_their_choices(string path, int count)
    {
        var rows = Read(new DataSourceSpec(path));

        Assert.That(rows, Has.Count.EqualTo(count));
        foreach (var row in rows)
        {
            var labels = ((IReadOnlyList<object?>)FieldPath.Evaluate(row, "question.choices[*].label")!).Select(FieldPath.AsText).ToList();
            var texts = (IReadOnlyList<object?>)FieldPath.Evaluate(row, "question.choices[*].text")!;
            Assert.That(texts, Has.Count.EqualTo(labels.Count), row.Where);
            Assert.That(AnswerResolver.ResolveIndex(FieldPath.Evaluate(row, "answerKey"), labels, labels.Count, row.Where), Is.InRange(0, labels.Count - 1));
        }
        Assert.That(rows.SelectMany(r => (IReadOnlyList<object?>)FieldPath.Evaluate(r, "question.choices[*].label")!).Distinct(),
            Does.Contain("1").And.Contain("A"), "labels mix digits and letters");
    }

    [Test]
    public void Gsm8k_test_has_1319_problems_whose_answers_end_after_four_hashes()
    {
        var rows = Read(new DataSourceSpec("gsm8k/test.jsonl"));

        Assert.That(rows, Has.Count.EqualTo(1319));
        Assert.That(rows.Select(r => FieldPath.AsText(FieldPath.Evaluate(r, "answer"))), Is.All.Contains("#### "));
    }

    [Test]
    public void Xstest_has_250_safe_and_200_unsafe_prompts()
    {
        var rows = Read(new DataSourceSpec("xstest/xstest_prompts.csv"));

        Assert.That(rows, Has.Count.EqualTo(450));
        Assert.That(rows.Count(r => (string?)r.Fields["label"] == "safe"), Is.EqualTo(250));
        Assert.That(rows.Count(r => (string?)r.Fields["label"] == "unsafe"), Is.EqualTo(200));
        Assert.That(rows.Select(r => FieldPath.AsText(r.Fields["prompt"])), Is.All.Not.Empty);
    }

    [Test]
    public void Advbench_has_520_harmful_behaviors_with_a_goal()
    {
        var rows = Read(new DataSourceSpec("advbench/harmful_behaviors.csv"));

        Assert.That(rows, Has.Count.EqualTo(520));
        Assert.That(rows.Select(r => FieldPath.AsText(FieldPath.Evaluate(r, "goal"))), Is.All.Not.Empty);
    }
}
