using System.Xml.Linq;
using RegressionGuard.Reports;
using Snapshooter.NUnit;

namespace RegressionGuard.Core.Tests.Reports;

/// <summary>The forgetting diagnostics of a report: weight-space diagnostics and the sweep's learning–forgetting frontier.</summary>
public sealed class DiagnosticsRenderingTests
{
    [Test]
    public void A_report_with_diagnostics_and_a_frontier_renders_to_the_markdown_snapshot() =>
        Snapshot.Match(MarkdownReport.Render(ReportFixtures.WithDiagnostics()));

    [Test]
    public void The_frontier_marks_each_methods_pareto_optimal_checkpoints()
    {
        // Given five checkpoints of two methods, one of which (lora N=300) is beaten on both L_ft and L_f by N=200
        var frontier = ReportFixtures.WithDiagnostics().Frontier!;

        // Then the report lists every checkpoint, method by method, and only the dominated one is off the frontier
        Assert.That(frontier.Points.Select(p => (p.Cell, p.OnFrontier)), Is.EqualTo(new[]
        {
            ("full@N=200", true), ("full@N=100", true),
            ("lora-r4@N=200", true), ("lora-r4@N=300", false), ("lora-r4@N=100", true),
        }));
    }

    [Test]
    public void The_html_shows_the_diagnostics_table_and_a_well_formed_frontier_chart()
    {
        var html = HtmlReport.Render(ReportFixtures.WithDiagnostics());
        Assert.Multiple(() =>
        {
            Assert.That(html, Does.Contain("<h2>Weight diagnostics</h2>").And.Contain("<code>model.layers.1.mlp.down_proj</code>"));
            Assert.That(html.IndexOf("down_proj", StringComparison.Ordinal), Is.LessThan(html.IndexOf("q_proj", StringComparison.Ordinal)), "largest ‖ΔW‖_F first");
            Assert.That(html, Does.Contain("2 at ε 0.3, 3 at ε 0.5"), "intruder totals per threshold");
            Assert.That(html, Does.Contain("<h2>Learning–forgetting frontier</h2>").And.Contain("lora (2 of 3 on its frontier)").And.Contain("this run 0.043"));
        });
        int start = html.IndexOf("aria-label=\"Learning-forgetting frontier\"", StringComparison.Ordinal);
        Assert.That(start, Is.Positive);
        start = html.LastIndexOf("<svg", start, StringComparison.Ordinal);
        int end = html.IndexOf("</svg>", start, StringComparison.Ordinal) + "</svg>".Length;
        var svg = XElement.Parse(html[start..end]);
        Assert.That(svg.Elements("circle").Count(), Is.EqualTo(5), "one point per checkpoint");
        Assert.That(svg.Elements("polyline").Count(), Is.EqualTo(2), "one frontier line per method");
    }

    [Test]
    public void Diagnostics_and_frontier_round_trip_through_report_json()
    {
        var report = ReportFixtures.WithDiagnostics();
        var json = ReportJson.Serialize(report);
        var back = ReportJson.Deserialize(json);
        Assert.Multiple(() =>
        {
            Assert.That(ReportJson.Serialize(back), Is.EqualTo(json));
            Assert.That(back.Frontier!.Points, Is.EqualTo(report.Frontier!.Points));
            Assert.That(back.Diagnostics!.Modules[1].BestSimilarity, Is.EqualTo(report.Diagnostics!.Modules[1].BestSimilarity));
            Assert.That(back.Diagnostics.TotalIntruders, Is.EqualTo(new[] { 2, 3 }));
        });
    }

    [Test]
    public void A_report_without_them_renders_neither_section()
    {
        var passing = ReportFixtures.Passing();
        Assert.That(MarkdownReport.Render(passing), Does.Not.Contain("Weight diagnostics").And.Not.Contain("Learning–forgetting"));
        Assert.That(HtmlReport.Render(passing), Does.Not.Contain("Weight diagnostics").And.Not.Contain("Learning–forgetting"));
    }
}
