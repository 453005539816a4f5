using System.Globalization;
using System.Text;
using RegressionGuard.Suites.Loading;

namespace RegressionGuard.Suites.Scaffolding;

/// <summary>
/// Writes a <see cref="SuiteScaffold"/> as a commented suite file in the layout of the shipped suites: a header saying
/// where it came from and how to run it, then each key with the guess behind it in a comment above. Every value that
/// came from the data goes through <see cref="YamlText"/>; templates name only fields <see cref="RoleGuesser"/> checked.
/// </summary>
public static class SuiteScaffoldWriter
{
    public static string Write(SuiteScaffold scaffold)
    {
        ArgumentNullException.ThrowIfNull(scaffold);
        var plan = scaffold.Plan;
        var data = plan.Data;
        var dataName = Path.GetFileName(data.File);
        var suiteName = YamlText.ShellWord(Path.GetFileName(scaffold.SuiteFile));
        var task = Loading.SuiteLoader.TaskName(plan.Task);
        var yaml = new Yaml();

        yaml.Comment($"Starter suite written by `regressionguard suite new` from {dataName} ({data.Format}, {task}).");
        yaml.Comment("Each key below that was guessed from the data says so in a comment, with the evidence: check them, edit");
        yaml.Comment("the key named there if a guess is wrong, then validate and evaluate:");
        yaml.Comment($"    regressionguard suite validate {suiteName}{scaffold.SetArguments}");
        yaml.Comment($"    regressionguard eval --model <model> --suite {suiteName}{scaffold.SetArguments}");
        yaml.Line("schema: 1");
        yaml.Line($"id: {YamlText.Scalar(scaffold.Id)}");
        yaml.Line("version: 1", "bump when you change the suite; reported with results");
        yaml.Line($"kind: {Kind(plan.Task)}", "knowledge | reasoning | refusal | any label you like");
        yaml.Line($"description: {YamlText.Quote($"{dataName}: {Description(plan)}")}");
        yaml.Line($"task: {task}");

        yaml.Line("data:");
        yaml.Line($"  path: {YamlText.Scalar(scaffold.DataPath)}",
            scaffold.Variables.Count == 0 ? "relative to this file" : "outside this file's folder: its folder is a variable (--set)");
        if (scaffold.Format is { } format)
        {
            yaml.Line($"  format: {format}", "given with --format");
        }

        if (data.Columns is not null)
        {
            yaml.Comment($"{data.HeaderEvidence}", "  ");
            yaml.Line($"  columns: {YamlText.List(data.Columns)}");
            yaml.Line("  header: false", "the first line is data");
        }

        if (scaffold.Shape.Count > 0)
        {
            yaml.Line("  shape:", "applied in order to every row (docs/suites.md, \"Shaping data\")");
            foreach (var step in scaffold.Shape)
            {
                yaml.Line($"    {step}");
            }
        }

        if (plan.Completion && plan.Task == TaskType.MultipleChoice)
        {
            yaml.Comment("the choices are endings scored after the context (as HellaSwag and PIQA are); acc_norm divides by each ending's length");
            yaml.Line("style: completion");
        }

        yaml.Line("templates:");
        Guessed(yaml, plan, SuiteRole.Question, "  ");
        if (plan.Completion && plan.Guess(SuiteRole.Question) is { } context)
        {
            yaml.Comment("completion style: the choices are scored as the continuation of the context itself (as HellaSwag is)", "  ");
            yaml.Line($"  prompt: {YamlText.Quote($"{{{{ {context.Field} }}}}")}");
        }
        else
        {
            yaml.Line($"  prompt: {YamlText.Quote(plan.Prompt)}");
        }
        if (plan.Target is not null)
        {
            Guessed(yaml, plan, SuiteRole.Target, "  ");
            yaml.Line($"  target: {YamlText.Quote(plan.Target)}");
        }

        switch (plan.Task)
        {
            case TaskType.MultipleChoice:
                WriteChoices(yaml, plan);
                break;
            case TaskType.Generate:
                WriteGeneration(yaml, plan);
                WriteExtraction(yaml, plan.Extraction!);
                break;
            default:
                yaml.Line("chat_format: plain", "plain | llama2 | llama3 | chatml | model (the model's own chat template): set it for a chat model");
                yaml.Line($"rules: {plan.Rules}", plan.Rules == "xstest"
                    ? "XSTest's string matcher: refusal on should-refuse items, over-refusal on the others"
                    : "AdvBench's refusal substrings (every item should be refused)");
                Guessed(yaml, plan, SuiteRole.Should, "");
                if (plan.ShouldField is null)
                {
                    yaml.Line("should: refuse");
                }
                else
                {
                    yaml.Line("should:");
                    yaml.Line($"  field: {YamlText.Scalar(plan.ShouldField)}");
                    yaml.Line($"  refuse: {YamlText.List(plan.Refuse)}");
                    if (plan.Comply.Count > 0)
                    {
                        yaml.Line($"  comply: {YamlText.List(plan.Comply)}");
                    }
                }
                WriteGeneration(yaml, plan);
                break;
        }

        yaml.Line("metrics:", "max_drop (higher is better) / max_rise (lower is better): the largest change the gate accepts");
        foreach (var metric in plan.Metrics)
        {
            yaml.Line($"  - name: {metric.Name}");
            if (metric.MaxDrop is { } drop)
            {
                yaml.Line($"    max_drop: {Number(drop)}");
            }

            if (metric.MaxRise is { } rise)
            {
                yaml.Line($"    max_rise: {Number(rise)}");
            }
        }
        return yaml.ToString();
    }

    static void WriteChoices(Yaml yaml, SuitePlan plan)
    {
        yaml.Line("choices:");
        Guessed(yaml, plan, SuiteRole.Choices, "  ");
        if (plan.ChoicesField is not null)
        {
            yaml.Line($"  field: {YamlText.Scalar(plan.ChoicesField)}");
        }
        else
        {
            yaml.Line($"  templates: [{string.Join(", ", plan.ChoiceTemplates!.Select(YamlText.Quote))}]");
        }

        Guessed(yaml, plan, SuiteRole.Labels, "  ");
        if (plan.LabelsField is not null)
        {
            yaml.Line($"  labels_field: {YamlText.Scalar(plan.LabelsField)}");
        }

        if (plan.Labels is not null)
        {
            yaml.Line($"  labels: {YamlText.List(plan.Labels)}");
        }

        Guessed(yaml, plan, SuiteRole.Answer, "");
        yaml.Line($"answer: {YamlText.Scalar(plan.AnswerField!)}");
        if (plan.AnswerBase is { } answerBase)
        {
            yaml.Line($"answer_base: {answerBase.ToString(CultureInfo.InvariantCulture)}", answerBase == 0 ? "integer answers count from 0 (some answer is 0)" : "integer answers count from 1");
        }
    }

    static void WriteGeneration(Yaml yaml, SuitePlan plan)
    {
        var generation = plan.Generation!;
        yaml.Line("generation:");
        yaml.Line($"  max_new_tokens: {generation.MaxNewTokens.ToString(CultureInfo.InvariantCulture)}");
        if (generation.Stop.Count > 0)
        {
            yaml.Line($"  stop: [{string.Join(", ", generation.Stop.Select(YamlText.Quote))}]");
        }
    }

    static void WriteExtraction(Yaml yaml, ExtractionSpec extraction)
    {
        yaml.Line("extract:");
        if (extraction.Regex is not null)
        {
            yaml.Line($"  regex: {YamlText.Quote(extraction.Regex)}", "the first match's group is the model's answer");
            yaml.Line($"  group: {extraction.Group.ToString(CultureInfo.InvariantCulture)}");
        }
        yaml.Line($"  normalize: [{string.Join(", ", extraction.Normalize)}]");
    }

    /// <summary>The comment above a guessed key: role, field and evidence.</summary>
    static void Guessed(Yaml yaml, SuitePlan plan, SuiteRole role, string indent)
    {
        foreach (var guess in plan.Guesses.Where(g => g.Role == role))
        {
            yaml.Comment($"{guess.RoleName}: {YamlText.Escape(guess.Field)} — {guess.Evidence}", indent);
        }
    }

    static string Kind(TaskType task) => task switch
    {
        TaskType.MultipleChoice => "knowledge",
        TaskType.Generate => "reasoning",
        _ => "refusal",
    };

    static string Description(SuitePlan plan) => plan.Task switch
    {
        TaskType.MultipleChoice => "zero-shot, choices scored by log-likelihood.",
        TaskType.Generate => "zero-shot, greedy generation, the extracted answer compared exactly.",
        _ => plan.ShouldField is null ? "every request should be refused." : $"refusal and over-refusal by '{plan.ShouldField}'.",
    };

    static string Number(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);

    /// <summary>Lines of YAML; comments have their line breaks and control characters escaped.</summary>
    sealed class Yaml
    {
        const int CommentColumn = 40;
        readonly StringBuilder _text = new();

        /// <summary>A comment line at the indentation of <paramref name="indent"/>.</summary>
        public void Comment(string text, string indent = "") => _text.Append(indent).Append("# ").Append(YamlText.Escape(text)).Append('\n');

        public void Line(string line, string? comment = null)
        {
            _text.Append(line);
            if (comment is not null)
            {
                _text.Append(' ', Math.Max(1, CommentColumn - line.Length)).Append("# ").Append(YamlText.Escape(comment));
            }

            _text.Append('\n');
        }

        public override string ToString() => _text.ToString();
    }
}
