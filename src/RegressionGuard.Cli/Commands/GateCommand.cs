using System.CommandLine;
using System.Globalization;
using RegressionGuard.Cli.Console;
using RegressionGuard.Cli.Failures;
using RegressionGuard.Gate;
using RegressionGuard.Gate.Sharding;
using RegressionGuard.Law;
using RegressionGuard.Reports;

namespace RegressionGuard.Cli.Commands;

/// <summary><c>regressionguard gate</c>: exit 0 = pass, 1 = regression found, 2 = configuration or input error.</summary>
public static class GateCommand
{
    public static Command Create()
    {
        var config = new Option<string>("--config", "-c") { Description = "gate config", DefaultValueFactory = _ => "regressionguard.yaml" };
        var output = new Option<string?>("--out") { Description = "report folder (default: the config's 'output')" };
        var set = SuiteCommands.SetOption();
        var noCache = new Option<bool>("--no-cache") { Description = "neither read nor write cached base results" };
        var timings = new Option<bool>("--timings") { Description = "print where the time went to stderr: wall, CPU and JIT seconds per stage, from process start to the reports" };
        var shard = ShardOption();
        var command = new Command("gate", "Run the release gate: suites on base and tuned, L_f against the law; write report.json/md/html and junit.xml. Exit 0 pass, 1 regression, 2 bad input.");
        foreach (var o in new Option[] { config, output, set, noCache, shard, timings })
        {
            command.Add(o);
        }

        command.SetAction(parse =>
        {
            var gate = GateConfig.Load(parse.GetValue(config)!, SuiteCommands.Variables(parse.GetValue(set)));
            if (parse.GetValue(noCache))
            {
                gate = gate with { UseCache = false };
            }

            if (parse.GetValue(output) is { } o)
            {
                gate = gate with { Output = Path.GetFullPath(o) };
            }

            if (parse.GetValue(shard) is { } spec && ShardSpec.TryParse(spec, out var part, out _))
            {
                return RunShard(gate, part!, parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error);
            }

            var clock = parse.GetValue(timings) ? new GateTimings() : null;
            var report = Run(gate, parse.InvocationConfiguration.Error, parse.Tokens.Select(t => t.Value).ToList(), clock);
            Print(report, parse.InvocationConfiguration.Output);
            parse.InvocationConfiguration.Output.WriteLine($"reports: {Path.Combine(gate.Output, "report.html")} (also report.md, report.json, junit.xml)");
            foreach (var line in clock?.Lines() ?? [])
            {
                parse.InvocationConfiguration.Error.WriteLine(line);
            }

            return ExitCode(report);
        });
        return command;
    }

    /// <summary><c>--shard i/N</c>, checked while the command line is parsed.</summary>
    static Option<string?> ShardOption()
    {
        var shard = new Option<string?>("--shard")
        {
            Description = "run shard i of N (e.g. 2/5): a stable 1/N of every suite's items and of the L_f corpus; writes gate-part.json for `report merge`",
        };
        shard.Validators.Add(result =>
        {
            if (result.Tokens is [var token] && !ShardSpec.TryParse(token.Value, out _, out var problem))
            {
                result.AddError($"--shard: {problem}");
            }
        });
        return shard;
    }

    /// <summary>
    /// Runs one shard and writes its part (<see cref="GatePart.FileName"/>) into the output folder: exit 0, or 2 when an
    /// input problem stopped part of it (the part records it, and the merged report will too).
    /// </summary>
    static int RunShard(GateConfig gate, ShardSpec shard, TextWriter output, TextWriter error)
    {
        CheckOutput(gate);
        var runner = new GateRunner(gate, line => error.WriteLine(line))
        {
            Progress = (label, total, work) => WorkProgress.Run(label, total, error, work),
        };
        var (part, stop) = runner.RunShard(shard);
        var path = GatePartFile.Write(part, gate.Output);
        if (stop is not null)
        {
            error.WriteLine($"part (stopped early, partial): {path}");
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(stop);
        }

        output.WriteLine($"RegressionGuard gate shard {part.Label}: {(part.Errors.Count > 0 ? "ERROR" : "done")}");
        foreach (var suite in part.Suites)
        {
            output.WriteLine($"  {suite.Suite}: {suite.Positions.Count} of {suite.TotalItems} items");
        }

        if (part.Forgetting is { } f)
        {
            output.WriteLine($"  L_f corpus: {f.PerDocument.Count} of {f.Documents} documents");
        }

        foreach (var problem in part.Errors)
        {
            output.WriteLine($"  error: {problem}");
        }

        output.WriteLine($"part: {path}");
        output.WriteLine($"merge the {shard.Count} part folders with: regressionguard report merge <folders…> --out <folder>");
        return part.Errors.Count > 0 ? CliApp.ExitUsage : CliApp.ExitOk;
    }

    /// <summary>
    /// Runs the gate with progress and log lines on <paramref name="error"/>, and writes every report to its output folder.
    /// The output folder is checked before any model work; when the run throws, a report with outcome <c>error</c> and
    /// the failure is written before the exception goes on to the CLI's <see cref="ErrorPolicy"/>.
    /// </summary>
    internal static GateReport Run(GateConfig gate, TextWriter error, IReadOnlyList<string>? args = null, GateTimings? timings = null)
    {
        CheckOutput(gate);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var runner = new GateRunner(gate, line => error.WriteLine(line))
        {
            Progress = (label, total, work) => WorkProgress.Run(label, total, error, work),
            Timings = timings,
        };
        GateReport report;
        try
        {
            report = runner.Run();
        }
        catch (GateRunException e)
        {
            // a bug, or a failure on the base side: the partial report keeps every comparison finished before it and
            // says where the run stopped; the exception then goes on to the error policy (exit 2 input, 3 bug)
            ReportFiles.WriteAll(e.Partial, gate.Output);
            error.WriteLine($"reports (outcome error, partial): {Path.Combine(gate.Output, ReportFiles.Html)}");
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(e.InnerException!);
            throw;
        }
        catch (Exception e)
        {
            var failure = ErrorPolicy.Describe(e, args ?? []);
            ReportFiles.WriteAll(ErrorReport(gate, failure, clock.Elapsed), gate.Output);
            error.WriteLine($"reports (outcome error): {Path.Combine(gate.Output, ReportFiles.Html)}");
            throw;
        }
        ReportFiles.WriteAll(report, gate.Output);
        timings?.Mark("reports (json, md, html, junit)");
        return report;
    }

    /// <summary>
    /// The report folder must be a folder (or not exist yet) and each report file name in it free for a file: checked,
    /// and the folder created, before any model work, so a bad <c>output:</c> costs nothing.
    /// </summary>
    internal static void CheckOutput(GateConfig gate) => CheckOutput(gate.Output, $"{gate.File}: the report folder (output: or --out)");

    /// <summary>The same checks for any report folder; <paramref name="what"/> names it in errors.</summary>
    internal static void CheckOutput(string output, string what)
    {
        if (File.Exists(output))
        {
            throw new UsageException($"{what} {output} is an existing file; name a folder for report.json, report.md, report.html and junit.xml");
        }

        foreach (var name in new[] { ReportFiles.Json, ReportFiles.Markdown, ReportFiles.Html, ReportFiles.JUnit, GatePart.FileName })
        {
            if (Directory.Exists(Path.Combine(output, name)))
            {
                throw new UsageException($"{what}: the file {Path.Combine(output, name)} would overwrite a folder; remove it or choose another output folder");
            }
        }

        try
        {
            Directory.CreateDirectory(output);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"{what}: cannot create {output}: {e.Message}");
        }
    }

    /// <summary>The exit code of a gate's outcome: 0 pass, 1 regression, 2 error.</summary>
    internal static int ExitCode(GateReport report) => report.Outcome switch
    {
        GateOutcome.Pass => CliApp.ExitOk,
        GateOutcome.Fail => CliApp.ExitRegression,
        _ => CliApp.ExitUsage,
    };

    /// <summary>What a run that threw still reports: outcome error, the models by path and the failure.</summary>
    static GateReport ErrorReport(GateConfig gate, Failure failure, TimeSpan elapsed) => new()
    {
        ToolVersion = RegressionGuard.Law.LawProvenance.CurrentToolVersion,
        GeneratedUtc = DateTimeOffset.UtcNow,
        DurationSeconds = elapsed.TotalSeconds,
        Outcome = GateOutcome.Error,
        Reasons = [],
        Base = new ModelReference(gate.Base, ""),
        Tuned = new ModelReference(gate.Tuned, ""),
        Suites = [],
        Errors = failure.Lines.Select(l => l.StartsWith("error: ", StringComparison.Ordinal) ? l["error: ".Length..] : l.Trim()).ToList(),
    };

    internal static void Print(GateReport report, TextWriter o)
    {
        var inv = CultureInfo.InvariantCulture;
        o.WriteLine($"RegressionGuard gate: {report.Outcome.ToString().ToUpperInvariant()}");
        o.WriteLine($"{"suite",-26} {"metric",-18} {"base",7} {"tuned",7} {"Δ [95% CI]",-28} {"p (Holm)",9} {"threshold",9}  verdict");
        foreach (var suite in report.Suites)
        {
            foreach (var m in suite.Metrics)
            {
                var c = m.Comparison;
                o.WriteLine(string.Create(inv,
                    $"{suite.Suite,-26} {c.QualifiedName(),-18} {c.Base,7:F4} {c.Tuned,7:F4} {$"{c.Delta:+0.0000;-0.0000} [{c.CiLower:+0.000;-0.000}, {c.CiUpper:+0.000;-0.000}]",-28} {(c.PHolm ?? c.PValue)?.ToString("G3", inv) ?? "—",9} {m.Threshold?.ToString("F3", inv) ?? "—",9}  {m.Outcome}"));
            }
        }

        if (report.Forgetting is { } f)
        {
            var v = f.Verdict;
            o.WriteLine(string.Create(inv,
                $"L_f {f.Lf:F4} (H {f.BaseEntropy:F4} + KL {f.Kl:F4}); law {(v.Predicted is double p ? $"{p:F4} [{v.Lower:F4}, {v.Upper:F4}]" : "—")}; budget {v.Budget:F4}; {v.Outcome.ToString().ToLowerInvariant()}: {v.Reason}"));
        }
        PrintReasons(report, o);
    }

    /// <summary>One line per reason — ✗ for a failure, ! for the forgetting warning and for items skipped or cut as too
    /// long, which do not fail the gate — then the errors.</summary>
    internal static void PrintReasons(GateReport report, TextWriter o)
    {
        var warning = report.Forgetting?.Verdict is { Outcome: ForgettingOutcome.Warn } v ? $"L_f: {v.Reason}" : null;
        var lengths = report.Suites.Where(s => s.Lengths is not null).Select(s => $"{s.Suite}: {s.Lengths!.Note}").ToHashSet(StringComparer.Ordinal);
        foreach (var reason in report.Reasons)
        {
            o.WriteLine(reason == warning || lengths.Contains(reason) ? $"  ! warning, not a failure: {reason}" : $"  ✗ {reason}");
        }

        foreach (var problem in report.Errors)
        {
            o.WriteLine($"  error: {problem}");
        }
    }
}
