using System.CommandLine;
using System.Text.Json;
using RegressionGuard.Ledger;
using RegressionGuard.Reports;

namespace RegressionGuard.Cli.Commands;

/// <summary>
/// <c>regressionguard report</c>: re-renders a saved <c>report.json</c> as Markdown, HTML or JUnit XML
/// (<c>--results</c>), or prints the Markdown trend between two saved reports (<c>--compare old new</c>).
/// Output goes to stdout unless <c>--out</c> names a file. Exit 2 on a missing file, invalid JSON or an unsupported schema_version.
/// </summary>
public static class ReportCommand
{
    static readonly string[] Formats = ["md", "html", "junit"];

    public static Command Create()
    {
        var results = new Option<string?>("--results", "-r") { Description = "a saved report.json to re-render" };
        var format = new Option<string>("--format", "-f") { Description = "md | html | junit", DefaultValueFactory = _ => "md" };
        format.AcceptOnlyFromAmong(Formats);
        var compare = new Option<string[]?>("--compare")
        {
            Description = "two saved report.json files, old then new: print the Markdown trend between them",
            Arity = new ArgumentArity(2, 2),
            AllowMultipleArgumentsPerToken = true,
        };
        var output = new Option<string?>("--out", "-o") { Description = "write to this file instead of stdout" };
        var ledger = new Option<string?>("--ledger") { Description = "a sweep ledger (.db or .csv) whose learning–forgetting frontier the re-rendered report shows" };
        var command = new Command("report", "Re-render a saved report.json (--results FILE --format md|html|junit) or compare two (--compare OLD NEW).");
        foreach (var o in new Option[] { results, format, compare, output, ledger })
        {
            command.Add(o);
        }

        command.Add(Merge());

        command.SetAction(parse =>
        {
            var resultsPath = parse.GetValue(results);
            var comparePaths = parse.GetValue(compare);
            string text;
            if (comparePaths is { Length: > 0 })
            {
                if (resultsPath is not null)
                {
                    throw new UsageException("use either --results or --compare, not both");
                }

                if (comparePaths.Length != 2)
                {
                    throw new UsageException("--compare takes two report.json files: OLD NEW");
                }

                text = ReportDiff.Markdown(Load(comparePaths[0]), Load(comparePaths[1]));
            }
            else if (resultsPath is not null)
            {
                var report = Load(resultsPath);
                if (parse.GetValue(ledger) is { } ledgerPath)
                {
                    report = report with { Frontier = FrontierReport.Of(ledgerPath, LedgerFile.Load(ledgerPath)) };
                }

                text = parse.GetValue(format) switch
                {
                    "html" => HtmlReport.Render(report),
                    "junit" => JUnitReport.Render(report),
                    _ => MarkdownReport.Render(report),
                };
            }
            else
            {
                throw new UsageException("give --results report.json [--format md|html|junit] or --compare old.json new.json");
            }

            if (parse.GetValue(output) is { } path)
            {
                var full = Path.GetFullPath(path);
                if (Path.GetDirectoryName(full) is { Length: > 0 } folder)
                {
                    Directory.CreateDirectory(folder);
                }

                File.WriteAllText(full, text);
                parse.InvocationConfiguration.Error.WriteLine($"wrote {full}");
            }
            else
            {
                var o = parse.InvocationConfiguration.Output;
                o.Write(text);
                if (!text.EndsWith('\n'))
                {
                    o.WriteLine();
                }
            }
            return CliApp.ExitOk;
        });
        return command;
    }

    /// <summary>
    /// <c>report merge PART_FOLDER… --out FOLDER</c>: the parts of a gate run as <c>gate --shard i/N</c> jobs → the reports
    /// the unsharded gate writes, with its exit code (0 pass, 1 regression, 2 error or parts that are not one gate).
    /// </summary>
    static Command Merge()
    {
        var parts = new Argument<string[]>("parts") { Description = "the output folder of every `gate --shard i/N` job (each holds gate-part.json), in any order", Arity = ArgumentArity.OneOrMore };
        var output = new Option<string>("--out", "-o") { Description = "report folder: report.json, report.md, report.html, junit.xml", Required = true };
        var command = new Command("merge", "Merge the parts of a sharded gate (gate --shard i/N) into the reports of the whole gate; exit 0 pass, 1 regression, 2 error.") { parts, output };
        command.SetAction(parse =>
        {
            var folder = Path.GetFullPath(parse.GetValue(output)!);
            GateCommand.CheckOutput(folder, "the report folder (--out)");
            var report = Gate.Sharding.GatePartMerger.Merge(parse.GetValue(parts)!);
            ReportFiles.WriteAll(report, folder);
            GateCommand.Print(report, parse.InvocationConfiguration.Output);
            parse.InvocationConfiguration.Output.WriteLine($"reports: {Path.Combine(folder, ReportFiles.Html)} (also report.md, report.json, junit.xml)");
            return GateCommand.ExitCode(report);
        });
        return command;
    }

    /// <summary>Reads a saved report; a missing file, invalid JSON or another schema_version is an <see cref="InvalidDataException"/> or <see cref="FileNotFoundException"/> (exit 2).</summary>
    static GateReport Load(string path)
    {
        var full = Path.GetFullPath(path);
        if (!File.Exists(full))
        {
            throw new FileNotFoundException($"report not found: {full}", full);
        }

        try
        {
            return ReportJson.Deserialize(File.ReadAllText(full));
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{full}: {e.Message}", e);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{full}: not valid report JSON: {e.Message}", e);
        }
    }
}
