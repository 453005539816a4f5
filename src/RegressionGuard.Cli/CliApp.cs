using System.CommandLine;
using RegressionGuard.Cli.Commands;
using RegressionGuard.Cli.Failures;

namespace RegressionGuard.Cli;

/// <summary>
/// The <c>regressionguard</c> command tree. Exit codes: 0 success, 1 a gate found a regression, 2 bad input, 3 a bug
/// in RegressionGuard (<see cref="ErrorPolicy"/>: the stack trace goes to a log file, never to the console).
/// </summary>
public static class CliApp
{
    public const int ExitOk = 0;
    public const int ExitRegression = 1;
    public const int ExitUsage = 2;
    public const int ExitBug = 3;

    public static RootCommand BuildRoot()
    {
        var root = new RootCommand("RegressionGuard: catch forgetting in fine-tuned LLMs before release.");
        root.Add(GenerateCommand.Create());
        root.Add(ScoreCommand.Create());
        root.Add(TokenizeCommand.Create());
        root.Add(ConvertCommand.Create());
        root.Add(SuiteCommands.Suite());
        root.Add(SuiteCommands.Eval());
        root.Add(JudgeCommands.Create());
        root.Add(ForgettingCommand.Create());
        root.Add(DiagnoseCommand.Create());
        root.Add(CompareCommand.Create());
        root.Add(FineTuneCommand.Create());
        root.Add(SweepCommands.Sweep());
        root.Add(SweepCommands.Ledger());
        root.Add(LawCommands.Fit());
        root.Add(LawCommands.Law());
        root.Add(GateCommand.Create());
        root.Add(ReportCommand.Create());
        root.Add(OrganismCommands.Create());
        root.Add(DemoCommand.Create());
        root.Add(ServeCommand.Create());
        return root;
    }

    public static int Run(string[] args, TextWriter? stdout = null, TextWriter? stderr = null) =>
        Run(BuildRoot(), args, stdout ?? System.Console.Out, stderr ?? System.Console.Error, logFolder: null);

    /// <summary>Runs <paramref name="root"/> under the exit-code policy; crash logs go to <paramref name="logFolder"/> when given.</summary>
    internal static int Run(RootCommand root, string[] args, TextWriter stdout, TextWriter stderr, string? logFolder)
    {
        try
        {
            var parse = root.Parse(args);
            if (parse.Errors.Count > 0)
            {
                foreach (var error in parse.Errors)
                {
                    stderr.WriteLine($"error: {error.Message}");
                }

                stderr.WriteLine("run 'regressionguard --help' for usage");
                return ExitUsage;
            }

            return parse.Invoke(new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false });
        }
        catch (Exception e)
        {
            // the one exit for every failure: exit 2 for input problems, 3 for bugs (stack trace in a log file, never here)
            var failure = ErrorPolicy.Describe(e, args, logFolder);
            foreach (var line in failure.Lines)
            {
                stderr.WriteLine(line);
            }

            return failure.ExitCode;
        }
    }
}

/// <summary>A command line that parses but makes no sense (e.g. a negative token limit); exit code 2.</summary>
public sealed class UsageException(string message) : Exception(message);
