using System.CommandLine;
using RegressionGuard.Cli.Console;
using RegressionGuard.Suites;
using RegressionGuard.Suites.Evaluation;
using RegressionGuard.Suites.Items;
using RegressionGuard.Suites.Loading;

namespace RegressionGuard.Cli.Commands;

/// <summary><c>regressionguard suite validate</c> and <c>regressionguard eval</c>.</summary>
public static class SuiteCommands
{
    public static Option<string[]> SetOption() => new("--set") { Description = "suite variable name=value (repeatable), e.g. --set mmlu_dir=/data/mmlu" };

    /// <summary>A chat format for the model, overriding each suite's own <c>chat_format</c>.</summary>
    public static Option<string?> ChatFormatOption()
    {
        var option = new Option<string?>("--chat-format") { Description = "prompt format of the model, overriding the suites': plain | llama2 | llama3 | chatml" };
        option.AcceptOnlyFromAmong(RegressionGuard.Suites.Templates.ChatFormats.Names);
        return option;
    }

    public static SuiteDefinition WithChatFormat(SuiteDefinition suite, string? format) => format is null ? suite : suite with { ChatFormat = format };

    public static IReadOnlyDictionary<string, string> Variables(string[]? sets)
    {
        var variables = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var set in sets ?? Array.Empty<string>())
        {
            int eq = set.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0) throw new UsageException($"--set '{set}' must look like name=value");
            variables[set[..eq]] = set[(eq + 1)..];
        }
        return variables;
    }

    /// <summary>Expands paths and globs (relative to the current folder) into suite files, in order.</summary>
    public static IReadOnlyList<string> ExpandPaths(IEnumerable<string> patterns)
    {
        var files = new List<string>();
        foreach (var pattern in patterns)
        {
            var matched = SuiteFiles.Expand(pattern, Directory.GetCurrentDirectory());
            if (matched.Count == 0) throw new UsageException($"no suite files match '{pattern}'");
            files.AddRange(matched);
        }
        return files;
    }

    public static Command Validate()
    {
        var paths = new Argument<string[]>("paths") { Description = "suite files or globs", Arity = ArgumentArity.OneOrMore };
        var set = SetOption();
        var command = new Command("validate", "Check suite files: keys, types, templates, regexes, data files and every item. Exit 0 when all are valid, 2 otherwise.");
        command.Add(paths);
        command.Add(set);
        command.SetAction(parse =>
        {
            var variables = Variables(parse.GetValue(set));
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            bool allValid = true;
            foreach (var file in ExpandPaths(parse.GetValue(paths)!))
            {
                try
                {
                    var suite = SuiteLoader.Load(file, variables);
                    var items = SuiteItemBuilder.Build(suite);
                    output.WriteLine($"ok   {file}: {suite.Id} v{suite.Version}, {SuiteLoader.TaskName(suite.Task)}, {items.Count:N0} items, metrics {string.Join(", ", suite.Metrics.Select(m => m.Name))}");
                }
                catch (SuiteValidationException e)
                {
                    allValid = false;
                    error.WriteLine($"FAIL {file}: {e.Errors.Count} problem(s)");
                    foreach (var problem in e.Errors) error.WriteLine($"  {problem}");
                }
            }
            return allValid ? CliApp.ExitOk : CliApp.ExitUsage;
        });
        var suiteCommand = new Command("suite", "Work with suite files.");
        suiteCommand.Add(command);
        return suiteCommand;
    }

    public static Command Eval()
    {
        var model = new ModelOptions();
        var suiteOption = new Option<string>("--suite", "-s") { Description = "suite file (YAML)", Required = true };
        var set = SetOption();
        var limit = new Option<int?>("--limit") { Description = "evaluate only the first N items" };
        var outDir = new Option<string?>("--out") { Description = "write items.jsonl and metrics.json to this folder" };
        var json = new Option<bool>("--json") { Description = "print {\"suite\", \"version\", \"items\", \"metrics\"} as JSON" };
        var chat = ChatFormatOption();
        var command = new Command("eval", "Evaluate one suite on one model, item by item.");
        command.Add(chat);
        model.AddTo(command);
        command.Add(suiteOption);
        command.Add(set);
        command.Add(limit);
        command.Add(outDir);
        command.Add(json);
        command.SetAction(parse =>
        {
            var suite = WithChatFormat(SuiteLoader.Load(parse.GetValue(suiteOption)!, Variables(parse.GetValue(set))), parse.GetValue(chat));
            var items = SuiteItemBuilder.Build(suite, parse.GetValue(limit));
            using var lm = model.Load(parse);
            var error = parse.InvocationConfiguration.Error;
            var result = WorkProgress.Run($"{suite.Id} ({items.Count} items)", SuiteEvaluator.RequestCount(suite, items), error,
                progress => SuiteEvaluator.Evaluate(suite, items, lm, progress));
            if (parse.GetValue(outDir) is { } dir) ResultFiles.Write(result, dir);
            var output = parse.InvocationConfiguration.Output;
            if (parse.GetValue(json))
            {
                output.WriteLine(ResultFiles.SummaryJson(result));
            }
            else
            {
                output.WriteLine($"{result.Suite} v{result.Version} ({result.Kind}, {result.Items.Count} items) on {result.Model}");
                foreach (var (name, m) in result.Metrics)
                    output.WriteLine(FormattableString.Invariant($"  {name,-18} {m.Value:F4} ± {m.Stderr:F4}  (n = {m.Count}, {(m.HigherIsBetter ? "higher" : "lower")} is better)"));
            }
            return CliApp.ExitOk;
        });
        return command;
    }
}
