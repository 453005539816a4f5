using System.Diagnostics;
using System.Xml.Linq;
using RegressionGuard.Reports;
using RegressionGuard.Testing;
using Snapshooter.NUnit;

namespace RegressionGuard.Core.Tests.Reports;

public sealed class ReportRenderingTests
{
    [Test]
    public void The_failing_report_renders_to_the_markdown_snapshot() => Snapshot.Match(MarkdownReport.Render(ReportFixtures.Failing()));

    [Test]
    public void The_passing_report_renders_to_the_markdown_snapshot() => Snapshot.Match(MarkdownReport.Render(ReportFixtures.Passing()));

    [Test]
    public void The_failing_report_renders_to_the_junit_snapshot() => Snapshot.Match(JUnitReport.Render(ReportFixtures.Failing()));

    [Test]
    public void The_passing_report_renders_to_the_junit_snapshot() => Snapshot.Match(JUnitReport.Render(ReportFixtures.Passing()));

    [Test]
    public void Rendering_twice_gives_the_same_text()
    {
        var first = ReportFixtures.Failing();
        var second = ReportFixtures.Failing();
        Assert.Multiple(() =>
        {
            Assert.That(MarkdownReport.Render(first), Is.EqualTo(MarkdownReport.Render(second)));
            Assert.That(JUnitReport.Render(first), Is.EqualTo(JUnitReport.Render(second)));
            Assert.That(HtmlReport.Render(first), Is.EqualTo(HtmlReport.Render(second)));
        });
    }

    [Test]
    public void The_markdown_starts_with_the_verdict_and_counts_the_regressions()
    {
        var failing = MarkdownReport.Render(ReportFixtures.Failing());
        var passing = MarkdownReport.Render(ReportFixtures.Passing());
        Assert.Multiple(() =>
        {
            Assert.That(failing, Does.StartWith("## ❌ RegressionGuard: FAIL — 3 regressions"));
            Assert.That(passing, Does.StartWith("## ✅ RegressionGuard: PASS"));
            Assert.That(failing, Does.Contain("<details>").And.Contain("Top regressions"));
            Assert.That(passing, Does.Not.Contain("Top regressions"));
            Assert.That(failing, Does.Not.Contain("<script>"), "user text is HTML-escaped in markdown too");
        });
    }

    [Test]
    public void The_junit_counts_match_the_elements()
    {
        foreach (var report in new[] { ReportFixtures.Failing(), ReportFixtures.Passing() })
        {
            var root = XDocument.Parse(JUnitReport.Render(report)).Root!;
            var suites = root.Elements("testsuite").ToList();
            Assert.Multiple(() =>
            {
                Assert.That(root.Name.LocalName, Is.EqualTo("testsuites"));
                Assert.That((string?)root.Attribute("name"), Is.EqualTo("RegressionGuard"));
                Assert.That((int)root.Attribute("tests")!, Is.EqualTo(root.Descendants("testcase").Count()));
                Assert.That((int)root.Attribute("failures")!, Is.EqualTo(root.Descendants("failure").Count()));
                Assert.That((int)root.Attribute("skipped")!, Is.EqualTo(root.Descendants("skipped").Count()));
                Assert.That(suites.Select(s => (string?)s.Attribute("name")), Is.EqualTo(report.Suites.Select(s => s.Suite).Append("forgetting")));
                foreach (var suite in suites)
                {
                    Assert.That((int)suite.Attribute("tests")!, Is.EqualTo(suite.Elements("testcase").Count()));
                    Assert.That((int)suite.Attribute("failures")!, Is.EqualTo(suite.Elements("testcase").Count(c => c.Element("failure") is not null)));
                    Assert.That(suite.Elements("testcase").Select(c => (string?)c.Attribute("classname")), Is.All.EqualTo((string?)suite.Attribute("name")));
                }
            });
        }
    }

    [Test]
    public void The_junit_has_one_testcase_per_gated_metric_and_fails_the_failing_ones()
    {
        var report = ReportFixtures.Failing();
        var root = XDocument.Parse(JUnitReport.Render(report)).Root!;
        var cases = root.Descendants("testcase").ToList();
        Assert.Multiple(() =>
        {
            Assert.That(cases, Has.Count.EqualTo(report.Suites.Sum(s => s.Metrics.Count(m => m.Threshold is not null)) + 1));
            Assert.That(cases.Where(c => c.Element("failure") is not null).Select(c => $"{c.Attribute("classname")!.Value}/{c.Attribute("name")!.Value}"),
                Is.EquivalentTo(new[] { "mmlu-mini/accuracy", "refusal-core/over_refusal_rate", "forgetting/L_f (wikitext-2 (held-out))" }));
            Assert.That(cases.Single(c => c.Attribute("name")!.Value == "exact_match").Element("skipped"), Is.Not.Null);
            Assert.That(cases.Select(c => c.Attribute("name")!.Value), Does.Not.Contain("length_ratio"), "metrics without a threshold are not test cases");
            Assert.That(cases.Single(c => c.Attribute("name")!.Value == "accuracy").Element("failure")!.Value, Does.Contain(ReportFixtures.ScriptPrompt));
        });
    }

    [Test]
    public void The_html_is_self_contained_escapes_prompts_and_shows_the_verdict()
    {
        var html = HtmlReport.Render(ReportFixtures.Failing());
        Assert.Multiple(() =>
        {
            Assert.That(html, Does.Not.Match("(src|href)\\s*=\\s*[\"']?(https?:)?//"), "no external assets");
            Assert.That(html, Does.Not.Contain("http://").And.Not.Contain("https://"));
            Assert.That(html, Does.Not.Contain("<script"), "no scripts at all, and prompts are escaped");
            Assert.That(html, Does.Contain("&lt;script&gt;alert(1)&lt;/script&gt;"));
            Assert.That(html, Does.Contain("class=\"badge\">✗ FAIL</div>"));
            Assert.That(html, Does.Contain("<svg").And.Contain("<details"));
        });
        Assert.That(HtmlReport.Render(ReportFixtures.Passing()), Does.Contain("class=\"badge\">✓ PASS</div>"));
    }

    [Test]
    public void The_html_charts_are_well_formed_svg()
    {
        var html = HtmlReport.Render(ReportFixtures.Failing());
        int start = 0;
        int charts = 0;
        while ((start = html.IndexOf("<svg", start, StringComparison.Ordinal)) >= 0)
        {
            int end = html.IndexOf("</svg>", start, StringComparison.Ordinal) + "</svg>".Length;
            Assert.DoesNotThrow(() => XElement.Parse(html[start..end]));
            start = end;
            charts++;
        }
        Assert.That(charts, Is.EqualTo(3), "one delta chart per suite and the law chart");
    }

    [Test]
    public void The_json_round_trips()
    {
        var report = ReportFixtures.Failing();
        var json = ReportJson.Serialize(report);
        var back = ReportJson.Deserialize(json);
        Assert.Multiple(() =>
        {
            Assert.That(ReportJson.Serialize(back), Is.EqualTo(json));
            Assert.That(back.Suites[0].Metrics[0].Comparison, Is.EqualTo(report.Suites[0].Metrics[0].Comparison));
            Assert.That(back.Suites[1].Flips[0].Items[0], Is.EqualTo(report.Suites[1].Flips[0].Items[0]));
            Assert.That(back.Forgetting!.Verdict with { Crossing = null }, Is.EqualTo(report.Forgetting!.Verdict with { Crossing = null }));
            Assert.That(back.Forgetting.Curve, Is.EqualTo(report.Forgetting.Curve));
            Assert.That(back.GeneratedUtc, Is.EqualTo(report.GeneratedUtc));
            Assert.That(json, Does.Contain("\"outcome\": \"fail\"").And.Contain("\"schema_version\": 1").And.Contain("\"rule\": \"anomalous_forgetting\""));
        });
    }

    [Test]
    public void Reports_that_differ_only_in_time_serialize_the_same_apart_from_those_fields()
    {
        var a = ReportJson.Serialize(ReportFixtures.Failing());
        var b = ReportJson.Serialize(ReportFixtures.Failing() with { GeneratedUtc = DateTimeOffset.UnixEpoch, DurationSeconds = 1 });
        static string[] Stable(string json) => json.Split('\n').Where(l => !l.Contains("\"generated_utc\"") && !l.Contains("\"duration_seconds\"")).ToArray();
        Assert.Multiple(() =>
        {
            Assert.That(a, Is.Not.EqualTo(b));
            Assert.That(Stable(a), Is.EqualTo(Stable(b)));
        });
    }

    [Test]
    public void An_unknown_schema_version_is_a_clear_error()
    {
        var json = ReportJson.Serialize(ReportFixtures.Passing()).Replace("\"schema_version\": 1", "\"schema_version\": 7");
        var error = Assert.Throws<InvalidDataException>(() => ReportJson.Deserialize(json));
        Assert.That(error!.Message, Does.Contain("schema_version 7").And.Contain("schema_version 1"));
    }

    [Test]
    public void The_diff_shows_delta_and_verdict_changes_and_lf()
    {
        var diff = ReportDiff.Markdown(ReportFixtures.Passing(), ReportFixtures.Failing());
        Assert.Multiple(() =>
        {
            Assert.That(diff, Does.StartWith("## RegressionGuard: PASS → FAIL"));
            Assert.That(diff, Does.Contain("| mmlu-mini | accuracy | −0.005 | −0.060 | −0.055 ▼ | **pass → fail** |"));
            Assert.That(diff, Does.Contain("| refusal-core | refusal\\_rate | — | +0.000 | — | added (pass) |").Or.Contain("| refusal-core | refusal\\_rate | — | 0.000 | — | added (pass) |"));
            Assert.That(diff, Does.Contain("**L_f**: 0.043 → 0.081 (+0.038) · verdict pass → fail"));
        });
    }

    [Test]
    public void Write_all_writes_the_four_files()
    {
        var folder = Path.Combine(Path.GetTempPath(), "rg-report-" + Guid.NewGuid().ToString("N"));
        try
        {
            var paths = ReportFiles.WriteAll(ReportFixtures.Failing(), folder);
            Assert.Multiple(() =>
            {
                Assert.That(paths.Select(Path.GetFileName), Is.EqualTo(new[] { "report.json", "report.md", "report.html", "junit.xml" }));
                Assert.That(Directory.GetFiles(folder), Has.Length.EqualTo(4), "no temporary files left");
                Assert.That(ReportJson.Deserialize(File.ReadAllText(paths[0])).Outcome, Is.EqualTo(GateOutcome.Fail));
            });
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Test]
    public void Chromium_renders_the_html_without_console_errors()
    {
        if (!File.Exists("/usr/bin/chromium"))
        {
            Assert.Ignore("/usr/bin/chromium is not installed");
        }

        var script = Path.Combine(RepositoryRoot(), "tests", "render-report.sh");
        var folder = Path.Combine(Path.GetTempPath(), "rg-render-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            var html = Path.Combine(folder, "report.html");
            var png = Path.Combine(folder, "report.png");
            File.WriteAllText(html, HtmlReport.Render(ReportFixtures.Failing()));
            var info = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
            info.ArgumentList.Add(script);
            info.ArgumentList.Add(html);
            info.ArgumentList.Add(png);
            using var process = Process.Start(info)!;
            var stderr = process.StandardError.ReadToEndAsync();
            var stdout = process.StandardOutput.ReadToEnd();
            Assert.That(process.WaitForExit(TimeSpan.FromMinutes(3)), Is.True, "chromium timed out");
            Assert.That(process.ExitCode, Is.Zero, stdout + stderr.Result);
            Assert.That(new FileInfo(png).Length, Is.GreaterThan(20_000), "a non-trivial screenshot");
            // set RG_KEEP_REPORT_RENDER to a folder to look at the page and its screenshot
            if (Environment.GetEnvironmentVariable("RG_KEEP_REPORT_RENDER") is { Length: > 0 } keep)
            {
                Directory.CreateDirectory(keep);
                File.Copy(html, Path.Combine(keep, "report.html"), overwrite: true);
                File.Copy(png, Path.Combine(keep, "report.png"), overwrite: true);
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    static string RepositoryRoot()
    {
        return RepositoryFiles.Root;
    }
}
