using RegressionGuard.Suites;
using RegressionGuard.Suites.Data;
using RegressionGuard.Testing;

namespace RegressionGuard.Core.Tests.Suites.Data;

/// <summary><c>data.columns</c> on a CSV that has a header never turns the header into the first item.</summary>
public sealed class CsvHeaderTests
{
    static IReadOnlyList<DataRow> Read(TempFolder dir, IReadOnlyList<string> columns, bool? header) =>
        DataReader.Read(new DataSourceSpec("d.csv") { Columns = columns, Header = header }, dir.Path, [dir.Path]);

    [Test]
    public void A_first_row_that_repeats_the_columns_is_the_header_and_skipped()
    {
        using var dir = new TempFolder();
        File.WriteAllText(dir.File("d.csv"), "goal,sol1,sol2,label\nDry a phone,rice,water,0\n");

        var rows = Read(dir, ["goal", "sol1", "sol2", "label"], null);

        Assert.That(rows.Single().Fields["goal"], Is.EqualTo("Dry a phone"));
    }

    [Test]
    public void A_first_row_that_looks_like_a_header_is_an_error_asking_for_header_true_or_false()
    {
        using var dir = new TempFolder();
        File.WriteAllText(dir.File("d.csv"), "Question,Best Answer,Source\nIs the sky green?,No,web\n");

        var e = Assert.Throws<SuiteDataException>(() => Read(dir, ["q", "a", "s"], null))!;

        Assert.That(e.Message, Is.EqualTo($"{dir.File("d.csv")}:1: the first row (Question, Best Answer, Source) looks like a header, but columns are given, so it would be read as the first item; set header: true (skip it; columns rename its columns) or header: false (it is data)"));
    }

    [Test]
    public void Header_true_skips_the_header_and_the_columns_rename_it_header_false_keeps_it_as_data()
    {
        using var dir = new TempFolder();
        File.WriteAllText(dir.File("d.csv"), "Question,Best Answer,Source\nIs the sky green?,No,web\n");

        var renamed = Read(dir, ["q", "a", "s"], true);
        var data = Read(dir, ["q", "a", "s"], false);

        Assert.That(renamed.Single().Fields["a"], Is.EqualTo("No"));
        Assert.That(data.Select(r => r.Fields["q"]), Is.EqualTo(new[] { "Question", "Is the sky green?" }));
    }

    [Test]
    public void A_headerless_mmlu_row_is_data()
    {
        using var dir = new TempFolder();
        File.WriteAllText(dir.File("d.csv"), "What is 2+2?,3,4,5,6,B\n");

        Assert.That(Read(dir, ["question", "A", "B", "C", "D", "answer"], null).Single().Fields["answer"], Is.EqualTo("B"));
    }
}
