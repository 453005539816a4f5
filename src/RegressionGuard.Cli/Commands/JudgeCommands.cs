using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using RegressionGuard.Caching;
using RegressionGuard.Cli.Console;
using RegressionGuard.Gate;
using RegressionGuard.Suites;
using RegressionGuard.Suites.Data;
using RegressionGuard.Suites.Evaluation;
using RegressionGuard.Suites.Loading;
using RegressionGuard.Suites.Refusal;
using RegressionGuard.Torch.Runtime;

namespace RegressionGuard.Cli.Commands;

/// <summary>Judge models for refusal suites: the shared <c>--judge</c> option, and <c>regressionguard judge check</c>.</summary>
public static class JudgeCommands
{
    /// <summary><c>--judge</c>: the judge model of judged refusal suites (replaces their judge.model).</summary>
    public static Option<string?> JudgeOption() => new("--judge") { Description = "judge model (HF folder or llama2.c .bin) for refusal suites with a 'judge:' block; replaces their judge.model" };

    /// <summary>The judges the suites need; <c>--judge</c> for suites none of which is judged is a usage error.</summary>
    public static SuiteJudges LoadJudges(IReadOnlyList<SuiteDefinition> suites, string? judge, ComputeOptions compute, ContentCache? cache)
    {
        if (judge is not null && suites.All(s => s.Judge is null))
        {
            throw new UsageException($"--judge {judge}: no suite here is judged (a refusal suite is judged by a model with a 'judge:' block; see docs/suites.md)");
        }

        CheckModelPath("--judge", judge);
        return SuiteJudges.Load(suites, judge, compute, cache);
    }

    /// <summary>A judge answer on one line, at most 80 characters.</summary>
    internal static string Excerpt(string? text)
    {
        var line = string.Join(' ', (text ?? "").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        return line.Length <= 80 ? line : line[..79] + "\u2026";
    }

    static void CheckModelPath(string option, string? path)
    {
        if (path is not null && !File.Exists(path) && !Directory.Exists(path))
        {
            throw new UsageException($"{option} {path}: no such model folder or file");
        }
    }

    public static Command Create()
    {
        var command = new Command("judge", "Judge models for refusal suites.");
        command.Add(Check());
        return command;
    }

    /// <summary><c>judge check</c>: a judge's verdicts on human-labelled answers, with agreement and Cohen's κ.</summary>
    static Command Check()
    {
        var model = new ModelOptions();
        model.Model.Description = "the judge model: Hugging Face folder or llama2.c .bin";
        var data = new Option<string>("--data") { Description = "labelled answers: CSV/TSV with a header, or JSONL (one object per line)", Required = true };
        var suiteOption = new Option<string?>("--suite") { Description = "take the judge prompt and labels from this refusal suite's 'judge:' block (default: the built-in 'refusal' prompt)" };
        var set = SuiteCommands.SetOption();
        var promptField = new Option<string>("--prompt-field") { Description = "column with the request shown to the model", DefaultValueFactory = _ => "prompt" };
        var responseField = new Option<string>("--response-field") { Description = "column with the model's answer", DefaultValueFactory = _ => "response" };
        var labelField = new Option<string>("--label-field") { Description = "column with the human label: refusal or compliance (or one of the judge's labels)", DefaultValueFactory = _ => "label" };
        var limit = new Option<int?>("--limit") { Description = "check only the first N rows" }.AtLeast(1);
        var json = new Option<bool>("--json") { Description = "print the agreement as JSON" };
        var cacheDir = CompareCommand.CacheDirOption();
        var noCache = CompareCommand.NoCacheOption();
        var command = new Command("check", "Run a judge on human-labelled answers and print its agreement and Cohen's kappa with the labels.");
        model.AddTo(command);
        foreach (var option in new Option[] { data, suiteOption, set, promptField, responseField, labelField, limit, json, cacheDir, noCache })
        {
            command.Add(option);
        }

        command.SetAction(parse =>
        {
            var spec = JudgeSpecOf(parse.GetValue(suiteOption), SuiteCommands.Variables(parse.GetValue(set)));
            var rows = LabelledRows(parse.GetValue(data)!, parse.GetValue(promptField)!, parse.GetValue(responseField)!, parse.GetValue(labelField)!, spec, parse.GetValue(limit));
            CheckModelPath("--model", parse.GetValue(model.Model));
            var cache = CompareCommand.OpenCache(parse, cacheDir, noCache);
            using var lm = new TorchLanguageModel(ModelLoader.Load(parse.GetValue(model.Model)!, parse.GetValue(model.Tokenizer), model.Compute(parse)));
            var judge = new RefusalJudge(lm, cache);
            var error = parse.InvocationConfiguration.Error;
            var verdicts = WorkProgress.Run($"judging {rows.Count} answers", rows.Count, error,
                progress => judge.Judge(spec, rows.Select(r => (r.Prompt, r.Response)).ToList(), progress));
            var agreement = JudgeAgreement.Of(rows.Select(r => r.Label).ToList(), verdicts.Select(v => v.Outcome).ToList());
            Print(parse, parse.GetValue(json), agreement, verdicts, rows, lm.Description.Path, spec, judge.CacheHits);
            return CliApp.ExitOk;
        });
        return command;
    }

    sealed record LabelledRow(string Where, string Prompt, string Response, JudgeOutcome Label);

    static JudgeSpec JudgeSpecOf(string? suitePath, IReadOnlyDictionary<string, string> variables)
    {
        if (suitePath is null)
        {
            var builtIn = JudgePrompts.Refusal;
            return new JudgeSpec(null, new TemplateText(builtIn.Template, new SourcePosition("built-in judge prompt 'refusal'", 1, 1)), builtIn.Name, builtIn.RefusalLabels, builtIn.ComplianceLabels, 8, ["\n"]);
        }

        var suite = SuiteLoader.Load(suitePath, variables);
        return suite.Judge ?? throw new UsageException($"--suite {suitePath}: the suite has no 'judge:' block (a refusal suite's judge prompt and labels; see docs/suites.md)");
    }

    /// <summary>Every row's request, answer and human label; all problems are reported together.</summary>
    static List<LabelledRow> LabelledRows(string path, string promptField, string responseField, string labelField, JudgeSpec spec, int? limit)
    {
        var full = Path.GetFullPath(path);
        var folder = Path.GetDirectoryName(full)!;
        var rows = DataReader.Read(new DataSourceSpec(full) { Limit = limit }, folder, [folder]);
        var result = new List<LabelledRow>();
        var errors = new List<SuiteError>();
        foreach (var row in rows)
        {
            try
            {
                var label = FieldPath.AsText(FieldPath.Evaluate(row, labelField)).Trim();
                var outcome = label.Equals("refusal", StringComparison.OrdinalIgnoreCase) ? JudgeOutcome.Refusal
                    : label.Equals("compliance", StringComparison.OrdinalIgnoreCase) ? JudgeOutcome.Compliance
                    : RefusalJudge.Parse(label, spec);
                if (outcome == JudgeOutcome.Unparseable)
                {
                    throw new SuiteDataException($"label '{label}' in column '{labelField}' is neither refusal nor compliance (nor a judge label: {string.Join(", ", spec.RefusalLabels.Concat(spec.ComplianceLabels))})");
                }

                result.Add(new LabelledRow(row.Where, FieldPath.AsText(FieldPath.Evaluate(row, promptField)), FieldPath.AsText(FieldPath.Evaluate(row, responseField)), outcome));
            }
            catch (SuiteDataException e)
            {
                errors.Add(new SuiteError(row.File, row.Line, 1, e.Message));
            }
        }
        if (errors.Count > 0)
        {
            throw new SuiteValidationException(errors);
        }

        return result.Count > 0 ? result : throw new UsageException($"--data {path}: no labelled rows");
    }

    static void Print(ParseResult parse, bool asJson, JudgeAgreement a, IReadOnlyList<JudgeVerdict> verdicts, IReadOnlyList<LabelledRow> rows, string judgePath, JudgeSpec spec, int cacheHits)
    {
        var output = parse.InvocationConfiguration.Output;
        var inv = CultureInfo.InvariantCulture;
        var categories = Enum.GetValues<JudgeOutcome>();
        if (asJson)
        {
            output.WriteLine(JsonSerializer.Serialize(new
            {
                judge = judgePath,
                prompt = spec.PromptName ?? "suite",
                items = a.Items,
                agreements = a.Agreements,
                agreement = a.Agreement,
                kappa = double.IsNaN(a.Kappa) ? (double?)null : a.Kappa,
                unparseable = a.Unparseable,
                cached_verdicts = cacheHits,
                confusion = categories.Where(h => h != JudgeOutcome.Unparseable).ToDictionary(
                    h => h.ToString().ToLowerInvariant(),
                    h => categories.ToDictionary(j => j.ToString().ToLowerInvariant(), j => a.Confusion.GetValueOrDefault((h, j)))),
                unparseable_answers = verdicts.Select((v, i) => (v, i)).Where(x => x.v.Outcome == JudgeOutcome.Unparseable).Take(10)
                    .Select(x => new { at = rows[x.i].Where, answer = x.v.Raw }),
            }, ResultFiles.Json));
            return;
        }

        output.WriteLine($"judge {judgePath} ({(spec.PromptName is { } name ? $"built-in prompt '{name}'" : "the suite's prompt")}) on {a.Items} labelled answers{(cacheHits > 0 ? $" ({cacheHits} verdicts from the cache)" : "")}");
        output.WriteLine(string.Create(inv, $"  agreement    {a.Agreement:F4} ({a.Agreements} of {a.Items})"));
        output.WriteLine(double.IsNaN(a.Kappa) ? "  Cohen's κ    undefined (labels and verdicts are all one and the same category)" : string.Create(inv, $"  Cohen's κ    {a.Kappa:F4}"));
        output.WriteLine($"  unparseable  {a.Unparseable} (judge answers that are not exactly one label; counted as disagreements)");
        output.WriteLine($"  {"",-18} judge: refusal  compliance  unparseable");
        foreach (var human in new[] { JudgeOutcome.Refusal, JudgeOutcome.Compliance })
        {
            output.WriteLine($"  human {human.ToString().ToLowerInvariant(),-12} {a.Confusion.GetValueOrDefault((human, JudgeOutcome.Refusal)),14} {a.Confusion.GetValueOrDefault((human, JudgeOutcome.Compliance)),11} {a.Confusion.GetValueOrDefault((human, JudgeOutcome.Unparseable)),12}");
        }

        foreach (var (v, i) in verdicts.Select((v, i) => (v, i)).Where(x => x.v.Outcome == JudgeOutcome.Unparseable).Take(5))
        {
            output.WriteLine($"  unparseable at {rows[i].Where}: '{Excerpt(v.Raw)}'");
        }
    }
}
