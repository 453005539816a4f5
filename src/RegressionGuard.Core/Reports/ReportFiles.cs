using System.Text;

namespace RegressionGuard.Reports;

/// <summary>Writes every rendering of a gate run into one folder.</summary>
public static class ReportFiles
{
    public const string Json = "report.json";
    public const string Markdown = "report.md";
    public const string Html = "report.html";
    public const string JUnit = "junit.xml";

    /// <summary>
    /// Writes report.json, report.md, report.html and junit.xml into <paramref name="folder"/> (created), each atomically
    /// (a temporary file in the same folder, then a rename), and returns their paths in that order.
    /// </summary>
    public static IReadOnlyList<string> WriteAll(GateReport report, string folder)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentException.ThrowIfNullOrEmpty(folder);
        Directory.CreateDirectory(folder);
        (string Name, string Text)[] files =
        [
            (Json, ReportJson.Serialize(report) + "\n"),
            (Markdown, MarkdownReport.Render(report)),
            (Html, HtmlReport.Render(report)),
            (JUnit, JUnitReport.Render(report)),
        ];
        var paths = new List<string>();
        foreach (var (name, text) in files)
        {
            var path = Path.Combine(folder, name);
            WriteAtomically(path, text);
            paths.Add(path);
        }
        return paths;
    }

    internal static void WriteAtomically(string path, string text)
    {
        var tmp = $"{path}.tmp-{Environment.ProcessId}-{Guid.NewGuid():N}";
        try
        {
            File.WriteAllText(tmp, text, new UTF8Encoding(false));
            File.Move(tmp, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(tmp))
            {
                File.Delete(tmp);
            }
        }
    }
}
