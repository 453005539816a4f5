using System.CommandLine;
using RegressionGuard.Cli.Console;
using RegressionGuard.Suites;
using RegressionGuard.Suites.Evaluation;
using RegressionGuard.Suites.Items;
using RegressionGuard.Suites.Lengths;
using RegressionGuard.Suites.Loading;
using RegressionGuard.Suites.Scaffolding;
using RegressionGuard.Suites.Templates;

namespace RegressionGuard.Cli.Commands;

/// <summary><c>regressionguard suite validate</c>, <c>regressionguard suite new</c> and <c>regressionguard eval</c>.</summary>
public static class SuiteCommands
{
    public static Option<string[]> SetOption() => new("--set") { Description = "suite variable name=value (repeatable), e.g. --set mmlu_dir=/data/mmlu" };

    /// <summary>A chat format for the model, overriding each suite's own <c>chat_format</c>.</summary>
    public static Option<string?> ChatFormatOption()
    {
        var option = new Option<string?>("--chat-format") { Description = "prompt format of the model, overriding the suites': model (the model's own chat template) | plain | llama2 | llama3 | chatml" };
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
            if (eq <= 0)
            {
                throw new UsageException($"--set '{set}' must look like name=value");
            }

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
            if (matched.Count == 0)
            {
                throw new UsageException($"no suite files match '{pattern}'");
            }

            files.AddRange(matched);
        }
        return files;
    }

    public static Command Validate()
    {
        var paths = new Argument<string[]>("paths") { Description = "suite files or globs", Arity = ArgumentArity.OneOrMore };
        var set = SetOption();
        var modelOption = new Option<string?>("--model") { Description = "also check every prompt against this model's context (HF folder or llama2.c .bin), as eval will" };
        var tokenizerOption = new Option<string?>("--tokenizer") { Description = "tokenizer file for --model (default: found beside the model)" };
        var command = new Command("validate", "Check suite files as eval will use them: keys, types, templates against every row, regexes, rule sets, data files and shaping, answers, and with --model every prompt's length. All problems at once, one line per problem with its rows and a count. Exit 0 when all are valid, 2 otherwise.");
        command.Add(paths);
        command.Add(set);
        command.Add(modelOption);
        command.Add(tokenizerOption);
        command.SetAction(parse =>
        {
            var variables = Variables(parse.GetValue(set));
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            var files = ExpandPaths(parse.GetValue(paths)!);
            using var lm = parse.GetValue(modelOption) is { } modelPath ? LoadForLengths(modelPath, parse.GetValue(tokenizerOption)) : null;
            bool allValid = true;
            foreach (var file in files)
            {
                try
                {
                    // the suite's own problems and its rows' problems, in one pass (unless a problem changes how items are built)
                    var (checkedSuite, loadErrors) = SuiteLoader.Check(file, variables);
                    var suite = checkedSuite ?? throw new SuiteValidationException(loadErrors);
                    // chat_format: model needs a model's template: the items are checked in plain format here.
                    bool model = ChatFormats.IsModel(suite.ChatFormat);
                    IReadOnlyList<SuiteItem> items;
                    try
                    {
                        items = SuiteItemBuilder.Build(model ? suite with { ChatFormat = "plain" } : suite);
                    }
                    catch (SuiteValidationException rows)
                    {
                        throw new SuiteValidationException([.. loadErrors, .. rows.Errors]);
                    }

                    var fit = lm is null ? null : FitToModel(suite, items, lm);
                    if (loadErrors.Count > 0 || fit?.Errors.Count > 0)
                    {
                        throw new SuiteValidationException([.. loadErrors, .. fit?.Errors ?? []]);
                    }

                    string lengths = "";
                    if (lm is not null && fit is not null)
                    {
                        lengths = fit.Summary(suite.Id, lm.Description.ContextLength) is { } note ? $"; {note}" : $"; every prompt fits {lm.Description.ContextLength:N0} tokens";
                    }
                    output.WriteLine($"ok   {file}: {suite.Id} v{suite.Version}, {SuiteLoader.TaskName(suite.Task)}, {items.Count:N0} items, metrics {string.Join(", ", suite.Metrics.Select(m => m.Name))}"
                        + (model ? " (chat_format model: rendered with the model's chat template when evaluated)" : "") + lengths);
                }
                catch (SuiteValidationException e)
                {
                    allValid = false;
                    var problems = SuiteProblems.Group(e.Errors, Path.GetFullPath(file));
                    error.WriteLine($"FAIL {file}: {problems.Count} problem(s)");
                    foreach (var problem in problems)
                    {
                        error.WriteLine($"  {problem}");
                    }
                }
            }
            return allValid ? CliApp.ExitOk : CliApp.ExitUsage;
        });
        return command;
    }

    /// <summary>A model for counting prompt tokens (its tokenizer and context length).</summary>
    static RegressionGuard.Torch.Runtime.TorchLanguageModel LoadForLengths(string path, string? tokenizer)
    {
        var full = Path.GetFullPath(path);
        if (!File.Exists(full) && !Directory.Exists(full))
        {
            throw new UsageException($"--model {full} not found");
        }

        return RegressionGuard.Torch.Runtime.TorchLanguageModel.Load(full, tokenizer is null ? null : Path.GetFullPath(tokenizer));
    }

    /// <summary>The suite's too-long policy applied to its items for <paramref name="lm"/>.</summary>
    public static PromptFit FitToModel(SuiteDefinition suite, IReadOnlyList<SuiteItem> items, RegressionGuard.Torch.Runtime.TorchLanguageModel lm) =>
        PromptLengths.ForModel(suite, items, lm) ?? throw new InvalidOperationException($"{lm.Description.Path}: an in-process model counts tokens and has a context");

    /// <summary><c>regressionguard suite</c>: <c>validate</c> and <c>new</c>.</summary>
    public static Command Suite()
    {
        var suiteCommand = new Command("suite", "Work with suite files.");
        suiteCommand.Add(Validate());
        suiteCommand.Add(New());
        return suiteCommand;
    }

    static readonly string[] TaskNames = ["multiple_choice", "generate", "refusal"];

    /// <summary>
    /// <c>suite new</c>: guesses a starter suite from a data file, validates it with the suite loader and writes it only
    /// when it is valid (exit 0). A role it cannot guess, or a guessed suite that does not validate, is reported with
    /// the suite key to set and the fields there are; nothing is written (exit 2).
    /// </summary>
    public static Command New()
    {
        var data = new Option<string>("--data") { Description = "the data file: .jsonl, .json, .csv or .tsv (a CSV/TSV file may lack a header row)", Required = true };
        var type = new Option<string>("--type") { Description = "the suite's task: multiple_choice | generate | refusal", Required = true };
        type.AcceptOnlyFromAmong(TaskNames);
        var output = new Option<string?>("--out") { Description = "the suite file to write (default: <data file name without extension>.yaml in the current folder)" };
        var force = new Option<bool>("--force") { Description = "overwrite --out if it exists" };
        var field = new Option<string[]>("--field") { Description = $"role=field: use this field instead of guessing (repeatable); roles: {string.Join(", ", RoleNames.Overridable)} (prompt = question); choices: a list-valued field, or columns separated by commas" };
        var format = new Option<string?>("--format") { Description = "read the data as jsonl | json | csv | tsv (default: from its extension)" };
        format.AcceptOnlyFromAmong("jsonl", "json", "csv", "tsv");
        var labels = new Option<string?>("--labels") { Description = "the answers are in a separate file, one per row of the data (e.g. PIQA's train-labels.lst: one value a line; or a CSV/JSONL file): joined by row number (data.shape join)" };
        var answerBase = new Option<int?>("--answer-base") { Description = "integer answers count from 0 or 1 (asked for when the data cannot tell)" };
        answerBase.Validators.Add(result =>
        {
            // a value that does not parse is reported by the parser itself
            if (result.Tokens is [var token] && int.TryParse(token.Value, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out int value) && value is not (0 or 1))
            {
                result.AddError($"--answer-base must be 0 or 1, got {value}");
            }
        });
        var style = new Option<string?>("--style") { Description = "multiple_choice prompt style: question (\"Question: … Answer:\") or completion (the choices continue the context, as HellaSwag); default: completion for a context (ctx) with endings" };
        style.AcceptOnlyFromAmong("question", "completion");
        var command = new Command("new", "Write a commented starter suite for a data file: guesses which fields are the question, choices, answer, target or refusal label, says why, and validates the suite. Exit 0 when written and valid, 2 otherwise (nothing written).");
        command.Add(data);
        command.Add(type);
        command.Add(output);
        command.Add(force);
        command.Add(field);
        command.Add(format);
        command.Add(labels);
        command.Add(answerBase);
        command.Add(style);
        command.SetAction(parse =>
        {
            var stdout = parse.InvocationConfiguration.Output;
            var stderr = parse.InvocationConfiguration.Error;
            var dataFile = Path.GetFullPath(parse.GetValue(data)!);
            if (!File.Exists(dataFile))
            {
                throw new UsageException(Directory.Exists(dataFile) ? $"--data {dataFile} is a folder; name a data file" : $"data file not found: {dataFile}");
            }

            var task = parse.GetValue(type) switch
            {
                "multiple_choice" => TaskType.MultipleChoice,
                "generate" => TaskType.Generate,
                _ => TaskType.Refusal,
            };
            var suiteFile = Path.GetFullPath(parse.GetValue(output) ?? Path.GetFileNameWithoutExtension(dataFile) + ".yaml");
            bool overwrite = parse.GetValue(force);
            if (Directory.Exists(suiteFile))
            {
                throw new UsageException($"--out {suiteFile} is a folder; name the suite file to write");
            }

            if (File.Exists(suiteFile) && !overwrite)
            {
                throw new UsageException($"{suiteFile} exists; pass --force to overwrite it, or choose another --out");
            }

            var given = GivenFields(parse.GetValue(field), task);
            var labelsFile = parse.GetValue(labels) is { } l ? Path.GetFullPath(l) : null;
            if (labelsFile is not null && !File.Exists(labelsFile))
            {
                throw new UsageException(Directory.Exists(labelsFile) ? $"--labels {labelsFile} is a folder; name the labels file" : $"labels file not found: {labelsFile}");
            }

            if ((labelsFile is not null || parse.GetValue(answerBase) is not null || parse.GetValue(style) is not null) && task != TaskType.MultipleChoice)
            {
                throw new UsageException("--labels, --answer-base and --style apply to --type multiple_choice only");
            }

            var options = new ScaffoldOptions(parse.GetValue(format), labelsFile, parse.GetValue(answerBase), parse.GetValue(style) switch
            {
                "completion" => true,
                "question" => false,
                _ => null,
            });

            SuiteScaffold scaffold;
            try
            {
                scaffold = SuiteScaffold.Create(dataFile, task, suiteFile, given, options);
            }
            catch (SuiteGuessException e)
            {
                foreach (var missing in e.Missing)
                {
                    stderr.WriteLine($"error: cannot guess the {missing.RoleName} (suite key '{missing.YamlKey}'): {missing.Why}");
                    if (missing.YamlKey == "answer_base")
                    {
                        stderr.WriteLine("  name it: --answer-base 0 or --answer-base 1");
                    }
                    else if (RoleNames.Parse(missing.RoleName) is not null)
                    {
                        stderr.WriteLine($"  name it: --field {missing.RoleName}=<field>{(missing.Role == SuiteRole.Choices ? " (a list-valued field, or the choice columns separated by commas)" : "")}");
                    }
                }
                stderr.WriteLine($"fields in {dataFile}:");
                foreach (var name in e.Fields)
                {
                    stderr.WriteLine($"  {name}");
                }

                stderr.WriteLine("nothing written");
                return CliApp.ExitUsage;
            }

            IReadOnlyList<SuiteItem> items;
            try
            {
                items = SuiteItemBuilder.Build(SuiteLoader.Parse(scaffold.Text, suiteFile, scaffold.Variables));
            }
            catch (SuiteValidationException e)
            {
                PrintGuesses(stderr, scaffold);
                stderr.WriteLine($"error: the guessed suite does not validate ({e.Errors.Count} problem(s)); nothing written:");
                foreach (var problem in e.Errors)
                {
                    stderr.WriteLine($"  {problem}");
                }

                stderr.WriteLine("  name the right fields with --field role=<field>, or write the suite by hand (docs/suites.md)");
                return CliApp.ExitUsage;
            }

            Directory.CreateDirectory(Path.GetDirectoryName(suiteFile)!);
            using (var stream = new FileStream(suiteFile, overwrite ? FileMode.Create : FileMode.CreateNew, FileAccess.Write))
            using (var writer = new StreamWriter(stream, new System.Text.UTF8Encoding(false)))
            {
                writer.Write(scaffold.Text);
            }

            var plan = scaffold.Plan;
            var counts = task == TaskType.Refusal
                ? $" ({items.Count(i => i.Should == Expectation.Refuse):N0} refuse, {items.Count(i => i.Should == Expectation.Comply):N0} comply)"
                : "";
            stdout.WriteLine($"wrote {suiteFile}: {scaffold.Id}, {SuiteLoader.TaskName(task)}, {items.Count:N0} items{counts}, metrics {string.Join(", ", plan.Metrics.Select(m => m.Name))}; valid");
            PrintGuesses(stdout, scaffold);
            var suiteWord = YamlText.ShellWord(suiteFile);
            stdout.WriteLine("a wrong guess: edit the suite key named after '→' (or rerun with --field role=<field> --force), then check it:");
            stdout.WriteLine($"  regressionguard suite validate {suiteWord}{scaffold.SetArguments}");
            if (scaffold.Variables.Count > 0)
            {
                stdout.WriteLine($"the data lies outside the suite's folder, so data.path names its folder by a variable: pass{scaffold.SetArguments} (or set REGRESSIONGUARD_{scaffold.Variables.Keys.First().ToUpperInvariant()})");
            }

            stdout.WriteLine("evaluate:");
            stdout.WriteLine($"  regressionguard eval --model <model> --suite {suiteWord}{scaffold.SetArguments}");
            return CliApp.ExitOk;
        });
        return command;
    }

    /// <summary>Each guess as "role  field — evidence  → suite key".</summary>
    static void PrintGuesses(TextWriter writer, SuiteScaffold scaffold)
    {
        var plan = scaffold.Plan;
        var data = plan.Data;
        writer.WriteLine($"guessed from {data.RowsText} of {YamlText.Escape(data.File)} ({data.Format}):");
        if (data.HeaderEvidence is { } header)
        {
            writer.WriteLine($"  {"header",-9}{YamlText.Escape(header)}{(data.Columns is null ? "" : "  → data.columns")}");
        }

        foreach (var guess in plan.Guesses)
        {
            var field = data.Field(guess.Field) is not null ? data.Describe(guess.Field)
                : guess.Role == SuiteRole.Should && plan.ShouldField is null ? "every item" : YamlText.Escape(guess.Field);
            writer.WriteLine($"  {guess.RoleName,-9}{field} — {guess.Evidence}  → {guess.YamlKey}");
        }
    }

    /// <summary>Parses --field role=name (roles the task uses only).</summary>
    static Dictionary<SuiteRole, string> GivenFields(string[]? values, TaskType task)
    {
        var roles = task switch
        {
            TaskType.MultipleChoice => new[] { SuiteRole.Question, SuiteRole.Choices, SuiteRole.Answer },
            TaskType.Generate => new[] { SuiteRole.Question, SuiteRole.Target },
            _ => new[] { SuiteRole.Question },
        };
        var given = new Dictionary<SuiteRole, string>();
        foreach (var value in values ?? [])
        {
            int eq = value.IndexOf('=', StringComparison.Ordinal);
            var role = eq > 0 ? RoleNames.Parse(value[..eq]) : null;
            if (role is null || eq == value.Length - 1)
            {
                throw new UsageException($"--field '{value}' must look like role=field, with a role among {string.Join(", ", RoleNames.Overridable)}");
            }

            if (!roles.Contains(role.Value))
            {
                throw new UsageException($"--field {value[..eq]}: a {SuiteLoader.TaskName(task)} suite has no {value[..eq]}; its roles: {string.Join(", ", roles.Select(r => RoleNames.Of(r, task)))}");
            }

            given[role.Value] = value[(eq + 1)..];
        }
        return given;
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
        var judge = JudgeCommands.JudgeOption();
        var cacheDir = CompareCommand.CacheDirOption();
        var noCache = CompareCommand.NoCacheOption();
        var command = new Command("eval", "Evaluate one suite on one model, item by item.");
        command.Add(chat);
        command.Add(judge);
        command.Add(cacheDir);
        command.Add(noCache);
        model.AddTo(command);
        command.Add(suiteOption);
        command.Add(set);
        command.Add(limit);
        command.Add(outDir);
        command.Add(json);
        command.SetAction(parse =>
        {
            var suite = WithChatFormat(SuiteLoader.Load(parse.GetValue(suiteOption)!, Variables(parse.GetValue(set))), parse.GetValue(chat));
            var chatTemplate = ChatFormats.TemplateFor(new[] { suite }, parse.GetValue(model.Model)!, parse.GetValue(model.Tokenizer));
            var built = SuiteItemBuilder.Build(suite, parse.GetValue(limit), chatTemplate);
            using var judges = JudgeCommands.LoadJudges(new[] { suite }, parse.GetValue(judge), model.Compute(parse), suite.Judge is null ? null : CompareCommand.OpenCache(parse, cacheDir, noCache));
            using var lm = model.Load(parse);
            var error = parse.InvocationConfiguration.Error;
            // the too-long policy, before the model runs: truncate: error stops here naming every row (exit 2)
            var fit = FitToModel(suite, built, lm);
            if (fit.Errors.Count > 0)
            {
                throw new SuiteValidationException(fit.Errors);
            }

            var items = fit.Items;
            if (fit.Summary(suite.Id, lm.Description.ContextLength) is { } note)
            {
                error.WriteLine(note);
            }

            if (items.Count == 0)
            {
                throw new UsageException($"{suite.Id}: no item fits the model's context of {lm.Description.ContextLength:N0} tokens (all {fit.Skipped.Count:N0} skipped)");
            }

            // every item in items.jsonl, a skipped one with its reason; metrics.json counts the skipped and the cut
            var result = fit.Complete(WorkProgress.Run($"{suite.Id} ({items.Count} items)", SuiteEvaluator.RequestCount(suite, items), error,
                progress => SuiteEvaluator.Evaluate(suite, items, lm, progress, judges.For(suite))));
            if (parse.GetValue(outDir) is { } dir)
            {
                ResultFiles.Write(result, dir);
            }

            var output = parse.InvocationConfiguration.Output;
            if (parse.GetValue(json))
            {
                output.WriteLine(ResultFiles.SummaryJson(result));
            }
            else
            {
                output.WriteLine($"{result.Suite} v{result.Version} ({result.Kind}, {items.Count} items{(fit.Skipped.Count > 0 ? $", {fit.Skipped.Count} skipped as too long" : "")}{(fit.Truncated > 0 ? $", {fit.Truncated} cut to fit" : "")}) on {result.Model}");
                foreach (var (name, m) in result.Metrics)
                {
                    output.WriteLine(FormattableString.Invariant($"  {name,-18} {m.Value:F4} ± {m.Stderr:F4}  (n = {m.Count}, {(m.HigherIsBetter ? "higher" : "lower")} is better)"));
                }

                if (result.Judge is { } judgePath)
                {
                    var agree = result.Items.Count(i => i.JudgeVerdict is "refusal" or "compliance" && i.JudgeVerdict == i.RulesVerdict);
                    var parsed = items.Count - result.JudgeUnparseable;
                    output.WriteLine($"  judge {judgePath}: {parsed} of {items.Count} verdicts parsed, {result.JudgeUnparseable} unparseable (the rules decided those); judge and rules agree on {agree} of {parsed}");
                    foreach (var item in result.Items.Where(i => i.JudgeVerdict == "unparseable").Take(3))
                    {
                        output.WriteLine($"    unparseable at {item.Source}: '{JudgeCommands.Excerpt(item.JudgeAnswer)}'");
                    }
                }

                foreach (var (group, metrics) in result.Groups ?? new Dictionary<string, IReadOnlyDictionary<string, MetricValue>>())
                {
                    output.WriteLine($"  group {suite.GroupBy!.Field} = {group}");
                    foreach (var (name, m) in metrics)
                    {
                        output.WriteLine(FormattableString.Invariant($"    {name,-16} {m.Value:F4} ± {m.Stderr:F4}  (n = {m.Count})"));
                    }
                }
            }
            return CliApp.ExitOk;
        });
        return command;
    }
}
