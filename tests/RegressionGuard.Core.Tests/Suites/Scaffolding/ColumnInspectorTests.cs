using RegressionGuard.Suites;
using RegressionGuard.Suites.Scaffolding;
using RegressionGuard.Testing;

namespace RegressionGuard.Core.Tests.Suites.Scaffolding;

public sealed class ColumnInspectorTests
{
    static DataSample Inspect(TempFolder dir, string name, string text, int sampleRows = ColumnInspector.DefaultSampleRows)
    {
        File.WriteAllText(dir.File(name), text);
        return ColumnInspector.Inspect(dir.File(name), sampleRows);
    }

    [Test]
    public void A_csv_whose_first_row_names_the_columns_is_read_with_its_header()
    {
        using var dir = new TempFolder();

        var sample = Inspect(dir, "x.csv", "id,prompt,label\n1,How do I kill a Python process?,safe\n2,How do I kill a person?,unsafe\n");

        Assert.That(sample.Columns, Is.Null);
        Assert.That(sample.HeaderEvidence, Is.EqualTo("the first row names the columns ('id', 'prompt', 'label')"));
        Assert.That(sample.Fields.Select(f => f.Path), Is.EqualTo(new[] { "id", "prompt", "label" }));
        Assert.That(sample.Rows, Has.Count.EqualTo(2));
        Assert.That(sample.Rows[0].Line, Is.EqualTo(2), "rows keep the line numbers the suite loader gives them");
    }

    [Test]
    public void An_mmlu_shaped_csv_without_a_header_gets_mmlus_column_names_and_says_why()
    {
        using var dir = new TempFolder();

        var sample = Inspect(dir, "algebra_test.csv", "What is 2+2?,3,4,5,6,B\n\"Which, if any, is prime?\",4,6,7,8,C\n");

        Assert.That(sample.Columns, Is.EqualTo(new[] { "question", "A", "B", "C", "D", "answer" }));
        Assert.That(sample.HeaderEvidence, Is.EqualTo(
            "no header row: in the first row, cells 2, 3, 4, 5 are numbers ('3', '4', '5', '6'); cell 6 is a single letter like the rest of its column ('B'); " +
            "the columns are named for their places, as MMLU's: a question, 4 choices A–D, the answer letter"));
        Assert.That(sample.Rows, Has.Count.EqualTo(2), "the first row is an item");
        Assert.That(sample.Field("question")!.Values[1], Is.EqualTo("Which, if any, is prime?"));
    }

    [Test]
    public void Another_headerless_csv_gets_numbered_columns()
    {
        using var dir = new TempFolder();

        var sample = Inspect(dir, "x.csv", "1,hello,hello\n2,bye,bye\n");

        Assert.That(sample.Columns, Is.EqualTo(new[] { "column1", "column2", "column3" }));
        Assert.That(sample.HeaderEvidence, Does.StartWith("no header row: in the first row, cell 3 repeats an earlier cell ('hello'); cell 1 is a number ('1')"));
    }

    [Test]
    public void Jsonl_fields_are_every_path_of_the_first_rows_with_missing_values_marked()
    {
        using var dir = new TempFolder();

        var sample = Inspect(dir, "x.jsonl", "{\"q\": {\"stem\": \"a\", \"choices\": [{\"text\": \"x\", \"label\": \"A\"}]}}\n{\"q\": {\"stem\": \"b\", \"choices\": []}, \"extra\": 1}\n{\"q\": {\"stem\": \"c\"}}\n", sampleRows: 2);

        Assert.That(sample.Fields.Select(f => f.Path), Is.EqualTo(new[] { "q.stem", "q.choices", "q.choices[*].text", "q.choices[*].label", "extra" }));
        Assert.That(sample.Field("extra")!.Values[0], Is.SameAs(SampledField.Missing));
        Assert.That(sample.Complete, Is.False);
        Assert.That(sample.RowsText, Is.EqualTo("the first 2 rows"));
    }

    [Test]
    public void A_file_the_suite_loader_cannot_read_is_refused_with_the_loaders_message()
    {
        using var dir = new TempFolder();

        Assert.That(() => Inspect(dir, "x.csv", "a,b\n1,2,3\n"),
            Throws.TypeOf<SuiteDataException>().With.Message.EqualTo($"{dir.File("x.csv")}:2: expected 2 fields (header: a, b), got 3"));
        Assert.That(() => Inspect(dir, "x.txt", "hello\n"), Throws.TypeOf<SuiteDataException>().With.Message.Contains("cannot tell the format from the extension '.txt'"));
    }
}
