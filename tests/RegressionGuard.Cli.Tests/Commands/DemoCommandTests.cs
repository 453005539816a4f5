using System.Text.Json;
using RegressionGuard.Testing;

namespace RegressionGuard.Cli.Tests.Commands;

/// <summary>`regressionguard demo` on the organism committed under suites/organism.</summary>
public class DemoCommandTests
{
    static TempFolder? _folder;
    static CliRun? _run;

    [OneTimeSetUp]
    public static void RunDemo()
    {
        _folder = new TempFolder("rg-demo");
        _run = CliRun.Of("demo", "--out", _folder.Path, "--no-cache");
    }

    [OneTimeTearDown]
    public static void Remove() => _folder?.Dispose();

    [Test]
    public void The_demo_passes_the_mild_candidate_fails_the_aggressive_one_and_exits_0()
    {
        Assert.That(_run!.ExitCode, Is.EqualTo(0), _run.Out + _run.Error);
        Assert.That(_run.Out, Does.Contain("mild candidate").And.Contain("→ PASS"));
        Assert.That(_run.Out, Does.Contain("aggressive candidate").And.Contain("→ FAIL"));
        Assert.That(_run.Out, Does.Contain("As designed"));
    }

    [TestCase("mild")]
    [TestCase("aggressive")]
    public void The_demo_writes_every_report_of_both_candidates(string candidate)
    {
        foreach (var file in new[] { "report.json", "report.md", "report.html", "junit.xml" })
        {
            Assert.That(File.Exists(Path.Combine(_folder!.Path, candidate, file)), $"{candidate}/{file}");
        }
    }

    [Test]
    public void The_aggressive_report_shows_a_significant_suite_regression_and_a_failing_forgetting_verdict()
    {
        using var report = JsonDocument.Parse(File.ReadAllText(Path.Combine(_folder!.Path, "aggressive", "report.json")));
        var metrics = report.RootElement.GetProperty("suites").EnumerateArray().SelectMany(s => s.GetProperty("metrics").EnumerateArray()).ToList();
        Assert.That(metrics.Select(m => m.GetProperty("outcome").GetString()), Has.Some.EqualTo("fail"));
        Assert.That(report.RootElement.GetProperty("forgetting").GetProperty("verdict").GetProperty("outcome").GetString(), Is.EqualTo("fail").IgnoreCase);
    }

    [TestCase("mild")]
    [TestCase("aggressive")]
    public void The_reports_show_the_adapters_weight_diagnostics_and_the_sweeps_frontier(string candidate)
    {
        using var report = JsonDocument.Parse(File.ReadAllText(Path.Combine(_folder!.Path, candidate, "report.json")));
        var diagnostics = report.RootElement.GetProperty("diagnostics");
        Assert.That(diagnostics.GetProperty("update").GetString(), Is.EqualTo("lora"), "measured from the adapter's factors");
        Assert.That(diagnostics.GetProperty("modules").GetArrayLength(), Is.EqualTo(4 * 7), "4 layers × q, k, v, o, gate, up, down");
        Assert.That(diagnostics.GetProperty("total_frobenius").GetDouble(), Is.Positive);
        int ledgerRows = File.ReadLines(RepositoryFiles.Path("suites/organism/ledger.csv")).Count(l => l.Length > 0) - 1;
        Assert.That(report.RootElement.GetProperty("frontier").GetProperty("points").GetArrayLength(), Is.EqualTo(ledgerRows));
        var html = File.ReadAllText(Path.Combine(_folder!.Path, candidate, "report.html"));
        Assert.That(html, Does.Contain("<h2>Weight diagnostics</h2>").And.Contain("<h2>Learning–forgetting frontier</h2>"));
    }

    [Test]
    public void The_summary_names_the_html_reports()
    {
        Assert.That(_run!.Out, Does.Contain(Path.Combine(_folder!.Path, "mild", "report.html")));
        Assert.That(_run.Out, Does.Contain(Path.Combine(_folder!.Path, "aggressive", "report.html")));
    }
}
