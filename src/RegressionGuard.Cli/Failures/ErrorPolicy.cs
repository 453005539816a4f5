using System.Text.Json;
using System.Text.RegularExpressions;
using RegressionGuard.Law;
using RegressionGuard.Ledger;
using RegressionGuard.Suites;
using RegressionGuard.Suites.Scaffolding;
using RegressionGuard.Torch.Checkpoints;
using RegressionGuard.Torch.Tokenization;

namespace RegressionGuard.Cli.Failures;

/// <summary>How a failed command ends: its exit code and the lines printed to standard error.</summary>
/// <param name="LogFile">the file holding the full stack trace (programming errors only).</param>
public sealed record Failure(int ExitCode, IReadOnlyList<string> Lines, string? LogFile);

/// <summary>
/// The one top-level policy for exceptions that leave a command. Input problems (the project's typed input errors,
/// missing or unreadable files, malformed JSON/YAML, bad option values) exit 2 with their message. Anything else is a
/// programming error: exit 3 with "this is a bug in RegressionGuard", the exception's type and message and the log file
/// where <see cref="CrashLog"/> wrote the stack trace. No stack trace is ever printed.
/// </summary>
public static class ErrorPolicy
{
    const string LogKey = "RegressionGuard.CrashLog";

    /// <summary>Parameter names of the .NET collection and string members whose range errors are our bugs, not input.</summary>
    static readonly HashSet<string> CollectionParameters = new(StringComparer.Ordinal) { "index", "startIndex", "length", "count" };

    /// <summary>
    /// Classifies <paramref name="exception"/>; for a programming error the crash log is written once per exception
    /// (to <paramref name="logFolder"/> when given, else where <see cref="CrashLog.Folders"/> says).
    /// </summary>
    public static Failure Describe(Exception exception, IReadOnlyList<string> args, string? logFolder = null)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var e = Unwrap(exception);
        if (e is SuiteValidationException validation)
        {
            var problems = RegressionGuard.Suites.Loading.SuiteProblems.Group(validation.Errors);
            return new Failure(CliApp.ExitUsage, [$"error: {problems.Count} problem(s):", .. problems.Select(p => $"  {p}")], null);
        }

        if (IsInputProblem(e))
        {
            return new Failure(CliApp.ExitUsage, [$"error: {InputMessage(e)}"], null);
        }

        var log = exception.Data[LogKey] as string ?? CrashLog.Write(exception, args, logFolder);
        exception.Data[LogKey] = log;
        return new Failure(CliApp.ExitBug,
        [
            $"error: this is a bug in RegressionGuard: {e.GetType().FullName}: {OneLine(e.Message)}",
            log is null ? "  the stack trace could not be written to a log file" : $"  the full stack trace is in {log}",
            "  please report it with that file and the command line",
        ], log);
    }

    /// <summary>True for the exceptions a user's input causes (exit 2); false for programming errors (exit 3).</summary>
    public static bool IsInputProblem(Exception exception) => Unwrap(exception) switch
    {
        UsageException or SuiteValidationException or SuiteDataException or SuiteGuessException or CheckpointException
            or TokenizerFormatException or LedgerException or LawException
            or RegressionGuard.Modeling.ChatTemplateException or RegressionGuard.Jinja.JinjaException => true,
        RegressionGuard.Remote.RemoteModelException or RegressionGuard.Modeling.ModelCapabilityException => true,
        InvalidDataException or JsonException or YamlDotNet.Core.YamlException => true,
        // IOException covers missing files and folders, paths too long, files in use, a file where a folder is needed
        IOException or UnauthorizedAccessException => true,
        RegexMatchTimeoutException => true,
        // option validation in the libraries throws ArgumentException with the option's name; a null argument is always a bug
        ArgumentNullException => false,
        ArgumentOutOfRangeException range => range.ParamName is { Length: > 0 } name && !CollectionParameters.Contains(name),
        ArgumentException => true,
        _ => false,
    };

    static string InputMessage(Exception e) => e switch
    {
        UnauthorizedAccessException => $"permission denied: {OneLine(e.Message)}",
        RegexMatchTimeoutException timeout => $"the regular expression '{timeout.Pattern}' took longer than {timeout.MatchTimeout.TotalSeconds:0.###} s on an input; simplify it",
        YamlDotNet.Core.YamlException yaml => $"invalid YAML at line {yaml.Start.Line}, column {yaml.Start.Column}: {OneLine(yaml.Message)}",
        _ => OneLine(e.Message),
    };

    /// <summary>The exception that says what happened: the single inner exception of an aggregate or reflection wrapper.</summary>
    static Exception Unwrap(Exception e)
    {
        while (true)
        {
            if (e is AggregateException { InnerExceptions.Count: 1 } aggregate)
            {
                e = aggregate.InnerExceptions[0];
            }
            else if (e is System.Reflection.TargetInvocationException { InnerException: { } inner })
            {
                e = inner;
            }
            else if (e is TypeInitializationException { InnerException: { } init } && IsInputProblem(init))
            {
                e = init;
            }
            else
            {
                return e;
            }
        }
    }

    /// <summary>Messages stay on their line (a multi-line message is joined with " / ").</summary>
    static string OneLine(string message) =>
        string.Join(" / ", message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
