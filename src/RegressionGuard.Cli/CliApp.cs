using System.CommandLine;
using RegressionGuard.Cli.Commands;
using RegressionGuard.Suites;
using RegressionGuard.Torch.Checkpoints;
using RegressionGuard.Torch.Tokenization;

namespace RegressionGuard.Cli;

/// <summary>The <c>regressionguard</c> command tree. Exit codes: 0 success, 1 a gate found a regression, 2 bad input.</summary>
public static class CliApp
{
    public const int ExitOk = 0;
    public const int ExitRegression = 1;
    public const int ExitUsage = 2;

    public static RootCommand BuildRoot()
    {
        var root = new RootCommand("RegressionGuard: catch forgetting in fine-tuned LLMs before release.");
        root.Add(GenerateCommand.Create());
        root.Add(ScoreCommand.Create());
        root.Add(TokenizeCommand.Create());
        root.Add(ConvertCommand.Create());
        root.Add(SuiteCommands.Suite());
        root.Add(SuiteCommands.Eval());
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
        return root;
    }

    public static int Run(string[] args, TextWriter? stdout = null, TextWriter? stderr = null)
    {
        stdout ??= System.Console.Out;
        stderr ??= System.Console.Error;
        var parse = BuildRoot().Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
            {
                stderr.WriteLine($"error: {error.Message}");
            }

            stderr.WriteLine("run 'regressionguard --help' for usage");
            return ExitUsage;
        }
        try
        {
            return parse.Invoke(new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false });
        }
        catch (SuiteValidationException e)
        {
            stderr.WriteLine($"error: {e.Errors.Count} problem(s):");
            foreach (var problem in e.Errors)
            {
                stderr.WriteLine($"  {problem}");
            }

            return ExitUsage;
        }
        catch (Exception e) when (e is CheckpointException or SuiteDataException or RegressionGuard.Ledger.LedgerException or RegressionGuard.Law.LawException or TokenizerFormatException or FileNotFoundException or DirectoryNotFoundException
                                      or InvalidDataException or ArgumentException or UsageException or RegressionGuard.Modeling.ChatTemplateException)
        {
            stderr.WriteLine($"error: {e.Message}");
            return ExitUsage;
        }
    }
}

/// <summary>A command line that parses but makes no sense (e.g. a negative token limit); exit code 2.</summary>
public sealed class UsageException(string message) : Exception(message);
