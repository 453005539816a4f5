using System.Xml.Linq;
using RegressionGuard.Core.Tests.Reports;
using RegressionGuard.Reports;
using RegressionGuard.Testing;

namespace RegressionGuard.Cli.Tests.Commands;

/// <summary><c>regressionguard report</c>: re-render a saved report.json, compare two, and refuse bad input with exit 2.</summary>
public sealed class ReportCommandTests
{
    static string Save(TempFolder dir, string name, GateReport report)
    {
        var path = dir.File(name);
        File.WriteAllText(path, ReportJson.Serialize(report));
        return path;
    }

    [Test]
    public void Markdown_to_stdout_matches_the_renderer()
    {
        using var dir = new TempFolder();
        var report = ReportJson.Deserialize(ReportJson.Serialize(ReportFixtures.Failing()));
        var run = CliRun.Of("report", "--results", Save(dir, "report.json", report));
        Assert.That(run.ExitCode, Is.EqualTo(0), run.Error);
        Assert.That(run.Out.TrimEnd(), Is.EqualTo(MarkdownReport.Render(report).TrimEnd()));
        Assert.That(run.Out, Does.Contain("mmlu-mini"));
    }

    [Test]
    public void A_ledger_adds_the_sweeps_learning_forgetting_frontier_to_a_re_rendered_report()
    {
        // Given a saved report without a frontier and the organism's sweep ledger
        using var dir = new TempFolder();
        var input = Save(dir, "report.json", ReportFixtures.Passing());
        var ledger = RepositoryFiles.Path("suites/organism/ledger.csv");

        // When it is re-rendered with --ledger
        var run = CliRun.Of("report", "--results", input, "--format", "html", "--ledger", ledger);

        // Then the page shows every ledger checkpoint on the frontier chart beside this run's L_f
        Assert.That(run.ExitCode, Is.EqualTo(0), run.Error);
        Assert.That(run.Out, Does.Contain("<h2>Learning–forgetting frontier</h2>").And.Contain("this run 0.043"));
        int rows = File.ReadLines(ledger).Count(l => l.Length > 0) - 1;
        var chart = run.Out[run.Out.IndexOf("<h2>Learning–forgetting frontier</h2>", StringComparison.Ordinal)..];
        Assert.That(System.Text.RegularExpressions.Regex.Count(chart[..chart.IndexOf("</svg>", StringComparison.Ordinal)], "<circle cx=\"[^\"]+\" cy=\"[^\"]+\" r=\"(5|3\\.5)\""), Is.EqualTo(rows));
    }

    [Test]
    public void A_missing_ledger_exits_2_naming_it()
    {
        using var dir = new TempFolder();
        var run = CliRun.Of("report", "--results", Save(dir, "report.json", ReportFixtures.Passing()), "--ledger", dir.File("nope.csv"));
        Assert.That(run.ExitCode, Is.EqualTo(2), run.Out + run.Error);
        Assert.That(run.Error, Does.Contain("nope.csv").And.Not.Contain("   at "));
    }

    [Test]
    public void Html_to_a_file()
    {
        using var dir = new TempFolder();
        var input = Save(dir, "report.json", ReportFixtures.Failing());
        var output = dir.File("out/report.html");
        var run = CliRun.Of("report", "--results", input, "--format", "html", "--out", output);
        Assert.That(run.ExitCode, Is.EqualTo(0), run.Error);
        Assert.That(run.Out, Is.Empty);
        var html = File.ReadAllText(output);
        Assert.That(html, Does.Contain("<html").IgnoreCase);
        Assert.That(html, Does.Not.Contain("<script>alert(1)</script>"), "prompts are escaped");
        Assert.That(html, Is.EqualTo(HtmlReport.Render(ReportJson.Deserialize(File.ReadAllText(input)))));
    }

    [Test]
    public void Junit_is_xml_with_failures()
    {
        using var dir = new TempFolder();
        var run = CliRun.Of("report", "--results", Save(dir, "report.json", ReportFixtures.Failing()), "--format", "junit");
        Assert.That(run.ExitCode, Is.EqualTo(0), run.Error);
        var xml = XDocument.Parse(run.Out);
        Assert.That(xml.Descendants("testcase").Count(), Is.GreaterThan(0));
        Assert.That(xml.Descendants("failure").Count(), Is.GreaterThan(0));
    }

    [Test]
    public void Compare_prints_the_trend()
    {
        using var dir = new TempFolder();
        var old = ReportJson.Deserialize(ReportJson.Serialize(ReportFixtures.Passing()));
        var @new = ReportJson.Deserialize(ReportJson.Serialize(ReportFixtures.Failing()));
        var run = CliRun.Of("report", "--compare", Save(dir, "old.json", old), Save(dir, "new.json", @new));
        Assert.That(run.ExitCode, Is.EqualTo(0), run.Error);
        Assert.That(run.Out.TrimEnd(), Is.EqualTo(ReportDiff.Markdown(old, @new).TrimEnd()));

        var output = dir.File("trend.md");
        var toFile = CliRun.Of("report", "--compare", dir.File("old.json"), dir.File("new.json"), "--out", output);
        Assert.That(toFile.ExitCode, Is.EqualTo(0), toFile.Error);
        Assert.That(File.ReadAllText(output), Is.EqualTo(ReportDiff.Markdown(old, @new)));
    }

    [Test]
    public void Missing_file_is_exit_2()
    {
        using var dir = new TempFolder();
        var run = CliRun.Of("report", "--results", dir.File("nope.json"));
        Assert.That(run.ExitCode, Is.EqualTo(2));
        Assert.That(run.Error, Does.Contain("not found").And.Contain("nope.json"));
    }

    [Test]
    public void Unsupported_schema_version_is_exit_2()
    {
        using var dir = new TempFolder();
        var path = dir.File("future.json");
        File.WriteAllText(path, ReportJson.Serialize(ReportFixtures.Passing()).Replace("\"schema_version\": 1", "\"schema_version\": 99"));
        var run = CliRun.Of("report", "--compare", Save(dir, "old.json", ReportFixtures.Passing()), path);
        Assert.That(run.ExitCode, Is.EqualTo(2));
        Assert.That(run.Error, Does.Contain("schema_version 99").And.Contain("future.json"));
    }

    [Test]
    public void Invalid_json_is_exit_2()
    {
        using var dir = new TempFolder();
        var path = dir.File("broken.json");
        File.WriteAllText(path, "{ \"schema_version\": 1, ");
        var run = CliRun.Of("report", "--results", path, "--format", "md");
        Assert.That(run.ExitCode, Is.EqualTo(2));
        Assert.That(run.Error, Does.Contain("broken.json").And.Contain("JSON"));
    }

    [Test]
    public void Unknown_format_or_no_input_is_exit_2()
    {
        using var dir = new TempFolder();
        var input = Save(dir, "report.json", ReportFixtures.Passing());
        Assert.That(CliRun.Of("report", "--results", input, "--format", "pdf").ExitCode, Is.EqualTo(2));
        var none = CliRun.Of("report");
        Assert.That(none.ExitCode, Is.EqualTo(2));
        Assert.That(none.Error, Does.Contain("--results"));
    }
}
