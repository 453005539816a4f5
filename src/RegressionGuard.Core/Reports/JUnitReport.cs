using System.Globalization;
using System.Text;
using System.Xml;
using System.Xml.Linq;
using RegressionGuard.Law;

namespace RegressionGuard.Reports;

/// <summary>
/// A <see cref="GateReport"/> as JUnit XML for CI test panels: <c>&lt;testsuites name="RegressionGuard"&gt;</c> with one
/// <c>&lt;testsuite&gt;</c> per suite (plus "forgetting", and "errors" when the gate hit errors) and one
/// <c>&lt;testcase classname="suite" name="metric"&gt;</c> per gated metric (one with a threshold). Failing metrics carry
/// a <c>&lt;failure&gt;</c> with the numbers and the top flipped items; skipped ones a <c>&lt;skipped/&gt;</c>.
/// </summary>
public static class JUnitReport
{
    /// <summary>The report as a JUnit XML document (UTF-8 declaration, indented, LF line endings).</summary>
    public static string Render(GateReport report) => Serialize(Build(report));

    /// <summary>The JUnit document.</summary>
    public static XDocument Build(GateReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var suites = new List<XElement>();
        foreach (var suite in report.Suites)
        {
            var cases = suite.Metrics.Where(v => v.Threshold is not null).Select(v => MetricCase(suite, v)).ToList();
            suites.Add(Suite(suite.Suite, cases, new XElement("properties",
                Property("version", suite.Version.ToString(CultureInfo.InvariantCulture)),
                Property("kind", suite.Kind),
                Property("task", suite.Task),
                Property("paired_items", suite.PairedItems.ToString(CultureInfo.InvariantCulture)),
                suite.Lengths is { } lengths ? Property("skipped_items", lengths.Skipped.ToString(CultureInfo.InvariantCulture)) : null,
                suite.Lengths is { } cut ? Property("truncated_items", cut.Truncated.ToString(CultureInfo.InvariantCulture)) : null,
                suite.Lengths is { } note ? Property("lengths", note.Note) : null)));
        }
        if (report.Forgetting is { } f)
        {
            suites.Add(Suite("forgetting", [ForgettingCase(f)], null));
        }

        if (report.Errors.Count > 0)
        {
            suites.Add(Suite("errors", report.Errors.Select((e, i) => new XElement("testcase",
                new XAttribute("classname", "errors"), new XAttribute("name", $"error {i + 1}"), new XAttribute("time", "0"),
                new XElement("error", new XAttribute("message", Clean(e)), Clean(e)))).ToList(), null));
        }

        var root = new XElement("testsuites",
            new XAttribute("name", "RegressionGuard"),
            new XAttribute("tests", suites.Sum(s => (int)s.Attribute("tests")!)),
            new XAttribute("failures", suites.Sum(s => (int)s.Attribute("failures")!)),
            new XAttribute("errors", suites.Sum(s => (int)s.Attribute("errors")!)),
            new XAttribute("skipped", suites.Sum(s => (int)s.Attribute("skipped")!)),
            new XAttribute("time", report.DurationSeconds.ToString("0.###", CultureInfo.InvariantCulture)),
            suites);
        return new XDocument(new XDeclaration("1.0", "utf-8", null), root);
    }

    static XElement Suite(string name, IReadOnlyList<XElement> cases, XElement? properties) => new("testsuite",
        new XAttribute("name", Clean(name)),
        new XAttribute("tests", cases.Count),
        new XAttribute("failures", cases.Count(c => c.Element("failure") is not null)),
        new XAttribute("errors", cases.Count(c => c.Element("error") is not null)),
        new XAttribute("skipped", cases.Count(c => c.Element("skipped") is not null)),
        properties,
        cases);

    static XElement Property(string name, string value) => new("property", new XAttribute("name", name), new XAttribute("value", Clean(value)));

    static XElement MetricCase(SuiteReport suite, MetricVerdict v)
    {
        var m = v.Comparison;
        string numbers = $"base {ReportFormat.Value(m.Base)} \u2192 tuned {ReportFormat.Value(m.Tuned)}, \u0394 {ReportFormat.DeltaWithCi(m)} (95% CI), " +
                         $"p (Holm) {ReportFormat.P(m.PHolm)}, threshold {ReportFormat.Threshold(v)}, {m.Worsened} worsened / {m.Improved} improved of {m.Items}";
        var testcase = new XElement("testcase",
            new XAttribute("classname", Clean(suite.Suite)),
            new XAttribute("name", Clean(m.QualifiedName())),
            new XAttribute("time", "0"));
        if (ReportFormat.IsFail(v))
        {
            var body = new StringBuilder();
            body.Append(v.Reason).Append('\n').Append(numbers).Append('\n');
            var (label, items, total) = ReportFormat.WorstFlips(suite, m.Metric, ReportFormat.TopFlips, m.Group);
            if (items.Count > 0)
            {
                body.Append('\n').Append(label).Append(": ").Append(total).Append(total > items.Count ? $" (top {items.Count})" : "").Append('\n');
                foreach (var item in items)
                {
                    body.Append("- [").Append(item.Id).Append("] ").Append(ReportFormat.Truncate(item.Prompt)).Append('\n')
                        .Append("    base:  ").Append(ReportFormat.Truncate(item.BaseAnswer ?? "(none)")).Append('\n')
                        .Append("    tuned: ").Append(ReportFormat.Truncate(item.TunedAnswer ?? "(none)")).Append('\n');
                }
            }
            testcase.Add(new XElement("failure",
                new XAttribute("message", Clean($"{v.Reason} ({numbers})")),
                new XAttribute("type", "regression"),
                Clean(body.ToString())));
        }
        else if (ReportFormat.IsSkip(v))
        {
            testcase.Add(new XElement("skipped", new XAttribute("message", Clean(v.Reason))));
        }
        else
        {
            testcase.Add(new XElement("system-out", Clean($"{v.Reason} ({numbers})")));
        }

        return testcase;
    }

    static XElement ForgettingCase(ForgettingReport f)
    {
        var v = f.Verdict;
        string numbers = $"L_f {ReportFormat.G(v.Observed)} nats/token on {f.Corpus}" +
                         (v.Predicted is { } p ? $", law {ReportFormat.G(p)} [{ReportFormat.G(v.Lower)}, {ReportFormat.G(v.Upper)}]" : "") +
                         $", budget {ReportFormat.G(v.Budget)}, N = {ReportFormat.Int(v.N)}";
        var testcase = new XElement("testcase",
            new XAttribute("classname", "forgetting"),
            new XAttribute("name", Clean($"L_f ({f.Corpus})")),
            new XAttribute("time", "0"));
        if (v.Outcome == ForgettingOutcome.Fail)
        {
            testcase.Add(new XElement("failure", new XAttribute("message", Clean(v.Reason)), new XAttribute("type", System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(v.Rule.ToString())), Clean(numbers)));
        }
        else
        {
            testcase.Add(new XElement("system-out", Clean($"{ReportFormat.Outcome(v.Outcome)}: {v.Reason} ({numbers})")));
        }

        return testcase;
    }

    /// <summary>Drops characters XML 1.0 cannot hold (control characters, lone surrogates); LINQ to XML escapes the rest.</summary>
    static string Clean(string text)
    {
        if (text.All(XmlConvert.IsXmlChar))
        {
            return text;
        }

        var sb = new StringBuilder(text.Length);
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])) { sb.Append(c).Append(text[++i]); continue; }
            sb.Append(XmlConvert.IsXmlChar(c) ? c : '\uFFFD');
        }
        return sb.ToString();
    }

    static string Serialize(XDocument document)
    {
        var settings = new XmlWriterSettings { Indent = true, IndentChars = "  ", NewLineChars = "\n", Encoding = new UTF8Encoding(false), OmitXmlDeclaration = false };
        using var stream = new MemoryStream();
        using (var writer = XmlWriter.Create(stream, settings))
        {
            document.Save(writer);
        }

        return Encoding.UTF8.GetString(stream.ToArray()) + "\n";
    }
}
