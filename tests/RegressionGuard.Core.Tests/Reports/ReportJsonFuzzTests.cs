using RegressionGuard.Core.Tests.Fuzzing;
using RegressionGuard.Reports;
using RegressionGuard.Testing.Fuzzing;

namespace RegressionGuard.Core.Tests.Reports;

/// <summary>The report.json reader (behind `report --results/--compare`) on mutated reports; a report that loads must render.</summary>
[NonParallelizable]
public sealed class ReportJsonFuzzTests
{
    static void Load(string text)
    {
        var report = ReportJson.Deserialize(text);
        MarkdownReport.Render(report);
        HtmlReport.Render(report);
        JUnitReport.Render(report);
    }

    [Test]
    public void Mutated_reports_load_or_fail_with_format_errors_only()
    {
        var seeds = new[] { ReportJson.Serialize(ReportFixtures.Failing()) };
        LoaderFuzz.Run("report.json (mutated)", LoaderFuzz.Mutated(seeds), Load, InputErrors.TypedOrJson, LoaderFuzz.Cases);
    }

    [Test]
    public void A_report_with_null_where_text_belongs_is_a_format_error_not_a_crash_when_rendered()
    {
        // found by fuzzing: "reason": null loaded, and the JUnit renderer then failed on it
        var json = System.Text.RegularExpressions.Regex.Replace(ReportJson.Serialize(ReportFixtures.Failing()), "\"reason\": \"[^\"]*\"", "\"reason\": null");
        Assert.That(LoaderFuzz.Check(json, Load, InputErrors.TypedOrJson), Is.Empty, "rejected as a broken report");
    }
}
