using System.Text.RegularExpressions;
using RegressionGuard.Suites.Data;
using RegressionGuard.Suites.Evaluation;
using RegressionGuard.Suites.Refusal;
using RegressionGuard.Suites.Sandbox;
using RegressionGuard.Suites.Templates;
using YamlDotNet.RepresentationModel;

namespace RegressionGuard.Suites.Loading;

/// <summary>
/// Reads a suite file (<c>schema: 1</c>) into a <see cref="SuiteDefinition"/>, checking everything that can be
/// checked without a model: keys (with did-you-mean), types, task-specific requirements, metric names, regexes,
/// template syntax and variables. All problems in the file are reported together, each at file:line:col.
/// Paths may use <c>${name}</c>, resolved from <paramref name="variables"/> or <c>REGRESSIONGUARD_NAME</c>.
/// </summary>
public static partial class SuiteLoader
{
    static readonly string[] TopKeys =
    {
        "schema", "id", "version", "description", "kind", "task", "data", "items", "fewshot", "description_prefix",
        "chat_format", "system", "templates", "choices", "answer", "target_delimiter", "generation", "extract",
        "rules", "should", "metrics", "answer_base", "truncate",
        "answers", "style", "group_by", "judge",
    };
    static readonly string[] DataKeys = { "path", "format", "columns", "file_field", "file_pattern", "limit", "sample", "seed", "items_path", "header", "shape" };
    static readonly string[] Tasks = { "multiple_choice", "generate", "refusal" };
    static readonly string[] Formats = { "auto", "jsonl", "json", "csv", "tsv" };
    public static readonly string[] NormalizeSteps = { "trim", "lowercase", "strip_number_formatting", "strip_punctuation" };

    /// <summary>Metrics each task can report, with their direction.</summary>
    public static readonly IReadOnlyDictionary<TaskType, IReadOnlyDictionary<string, bool>> KnownMetrics = new Dictionary<TaskType, IReadOnlyDictionary<string, bool>>
    {
        [TaskType.MultipleChoice] = new Dictionary<string, bool> { ["acc"] = true, ["acc_norm"] = true, ["acc_bytes"] = true, ["mc2"] = true },
        [TaskType.Generate] = new Dictionary<string, bool> { ["exact_match"] = true, ["contains"] = true, ["exact_match_any"] = true, ["contains_any"] = true },
        [TaskType.Refusal] = new Dictionary<string, bool> { ["refusal_rate"] = true, ["over_refusal_rate"] = false },
    };

    static readonly Dictionary<TaskType, string[]> DefaultMetrics = new()
    {
        [TaskType.MultipleChoice] = new[] { "acc", "acc_norm" },
        [TaskType.Generate] = new[] { "exact_match" },
        [TaskType.Refusal] = new[] { "refusal_rate", "over_refusal_rate" },
    };

    public static SuiteDefinition Load(string path, IReadOnlyDictionary<string, string>? variables = null)
    {
        var full = Path.GetFullPath(path);
        if (!File.Exists(full))
        {
            throw new SuiteValidationException(new[] { new SuiteError(full, 1, 1, "suite file not found") });
        }

        string text;
        try
        {
            text = SuiteSandbox.ReadInputText(full, SafeYaml.MaxBytes);
        }
        catch (SuiteDataException e)
        {
            throw new SuiteValidationException(new[] { new SuiteError(full, 1, 1, e.Message) });
        }
        return Parse(text, full, variables);
    }

    public static SuiteDefinition Parse(string text, string file, IReadOnlyDictionary<string, string>? variables = null)
    {
        var errors = new List<SuiteError>();
        var root = SafeYaml.LoadMapping(text, file, errors);
        if (root is null)
        {
            throw new SuiteValidationException(errors);
        }

        var map = new YamlMap(root, file, errors);
        var context = new Context(file, variables ?? new Dictionary<string, string>(), errors);
        var suite = Build(map, context, text);
        if (errors.Count > 0 || suite is null)
        {
            throw new SuiteValidationException(errors.OrderBy(e => e.Line).ThenBy(e => e.Column).ToList());
        }

        return suite;
    }

    /// <summary>
    /// For <c>suite validate</c>: every problem of the file, and the suite as far as its items can be built from it
    /// (null when a problem changes how they are built), so that the problems of the rows are found in the same pass.
    /// </summary>
    public static (SuiteDefinition? Suite, IReadOnlyList<SuiteError> Errors) Check(string path, IReadOnlyDictionary<string, string>? variables = null)
    {
        var full = Path.GetFullPath(path);
        string text;
        try
        {
            text = File.Exists(full) ? SuiteSandbox.ReadInputText(full, SafeYaml.MaxBytes) : throw new SuiteDataException("suite file not found");
        }
        catch (SuiteDataException e)
        {
            return (null, [new SuiteError(full, 1, 1, e.Message)]);
        }

        var errors = new List<SuiteError>();
        var root = SafeYaml.LoadMapping(text, full, errors);
        if (root is null)
        {
            return (null, errors);
        }

        var suite = Build(new YamlMap(root, full, errors), new Context(full, variables ?? new Dictionary<string, string>(), errors), text);
        return (suite, errors.OrderBy(e => e.Line).ThenBy(e => e.Column).ToList());
    }

    sealed class Context(string file, IReadOnlyDictionary<string, string> variables, List<SuiteError> errors)
    {
        public string File { get; } = file;
        public string Folder { get; } = Path.GetDirectoryName(file)!;
        public IReadOnlyDictionary<string, string> Variables { get; } = variables;
        public List<SuiteError> Errors { get; } = errors;
        public HashSet<string> Roots { get; } = new(StringComparer.Ordinal) { Path.GetDirectoryName(file)! };
    }

    static SuiteDefinition? Build(YamlMap map, Context context, string text)
    {
        map.RejectUnknown(TopKeys);
        var schema = map.Int("schema", 1, 1);
        if (!map.Has("schema"))
        {
            map.Error(map.Node, "missing key 'schema' (write 'schema: 1')");
        }

        map.Require("id", "a short name such as 'mmlu'");
        map.Require("task", $"one of {string.Join(", ", Tasks)}");
        map.Require("templates", "at least 'templates.prompt'");
        var id = map.String("id");
        if (id is not null && !Regex.IsMatch(id, "^[A-Za-z0-9][A-Za-z0-9_.-]*$"))
        {
            map.Error(map.Raw("id")!, $"'id' must be letters, digits, '_', '.' or '-' (got '{id}')");
        }

        var version = map.Int("version", 0, int.MaxValue) ?? 1;
        var taskName = map.String("task");
        TaskType? task = taskName switch
        {
            null => null,
            "multiple_choice" => TaskType.MultipleChoice,
            "generate" => TaskType.Generate,
            "refusal" => TaskType.Refusal,
            _ => null,
        };
        if (taskName is not null && task is null)
        {
            map.Error(map.Raw("task")!, $"unknown task '{taskName}'{DidYouMean.Hint(taskName, Tasks)}");
        }

        // data: a file source or inline items, exactly one
        DataSourceSpec? data = null;
        IReadOnlyList<IReadOnlyDictionary<string, object?>>? inline = null;
        if (map.Has("data") && map.Has("items"))
        {
            map.Error(map.Raw("items")!, "give either 'data' (a file) or 'items' (inline), not both");
        }
        else if (!map.Has("data") && !map.Has("items"))
        {
            map.Error(map.Node, "missing key 'data' (a data file) or 'items' (inline items)");
        }

        if (map.Map("data") is { } dataMap)
        {
            data = ReadDataSource(dataMap, context);
        }

        if (map.Raw("items") is { } itemsNode)
        {
            inline = ReadInlineItems(map, itemsNode);
        }

        // templates
        TemplateText? prompt = null, target = null;
        if (map.Map("templates") is { } templates)
        {
            templates.RejectUnknown("prompt", "target");
            templates.Require("prompt", "the text the model sees, e.g. \"Question: {{ question }}\\nAnswer:\"");
            prompt = TemplateAt(templates, "prompt");
            target = TemplateAt(templates, "target");
        }
        var descriptionPrefix = map.String("description_prefix");
        if (descriptionPrefix is not null)
        {
            TemplateAt(map, "description_prefix");
        }

        var chat = map.String("chat_format") ?? "plain";
        if (!ChatFormats.Names.Contains(chat))
        {
            map.Error(map.Raw("chat_format")!, $"unknown chat format '{chat}'{DidYouMean.Hint(chat, ChatFormats.Names)}");
        }

        FewShotSpec? fewShot = null;
        if (map.Map("fewshot") is { } fs)
        {
            fs.RejectUnknown("num", "data", "seed", "delimiter", "match_field");
            fs.Require("num", "how many examples to prepend");
            fs.Require("data", "where examples come from (a separate file/split from the evaluated items)");
            var fsData = fs.Map("data") is { } d ? ReadDataSource(d, context) : null;
            var num = fs.Int("num", 0, 64);
            if (fsData is not null && num is not null)
            {
                fewShot = new FewShotSpec(num.Value, fsData, fs.Int("seed", int.MinValue, int.MaxValue) ?? 1234, fs.String("delimiter") ?? "\n\n", fs.String("match_field"));
            }
        }

        // task-specific parts
        ChoicesSpec? choices = null;
        string? answer = map.String("answer");
        if (task == TaskType.MultipleChoice)
        {
            map.Require("choices", "'field: <path to a list>' or 'templates: [...]'");
            if (!map.Has("answer") && !map.Has("answers"))
            {
                map.Error(map.Node, "missing key 'answer' (the field holding the gold answer: index, letter or label) or 'answers' (a field holding a list of correct answers)");
            }
            if (map.Map("choices") is { } c)
            {
                choices = ReadChoices(c);
            }
        }
        else
        {
            foreach (var key in new[] { "choices", "answer", "target_delimiter", "style" })
            {
                if (map.Has(key))
                {
                    map.Error(map.Raw(key)!, $"'{key}' applies to multiple_choice suites only (this suite's task is {taskName})");
                }
            }
        }
        if (task == TaskType.Generate && prompt is not null && target is null && map.Map("templates") is not null && !map.Has("answers"))
        {
            map.Error(map.Raw("templates")!, "generate suites need 'templates.target' (the gold answer, e.g. \"{{ answer }}\") or 'answers' (a field holding a list of acceptable answers)");
        }

        var scoring = ReadScoring(map, task, taskName, context);

        var generation = new GenerationSpec(256, Array.Empty<string>());
        if (map.Map("generation") is { } g)
        {
            g.RejectUnknown("max_new_tokens", "stop");
            generation = new GenerationSpec(g.Int("max_new_tokens", 1, 32768) ?? 256, g.StringList("stop") ?? Array.Empty<string>());
        }
        var extraction = new ExtractionSpec(null, 0, Array.Empty<string>());
        if (map.Map("extract") is { } x)
        {
            x.RejectUnknown("regex", "group", "normalize");
            var regex = x.String("regex");
            if (regex is not null)
            {
                if (SafeRegex.Compile(regex, out var regexError) is { } compiled)
                {
                    var group = x.Int("group", 0, 99) ?? (compiled.GetGroupNumbers().Length > 1 ? 1 : 0);
                    if (group >= compiled.GetGroupNumbers().Length)
                    {
                        x.Error(x.Raw("group")!, $"'extract.group' is {group} but the regex has {compiled.GetGroupNumbers().Length - 1} capture group(s)");
                    }

                    extraction = extraction with { Regex = regex, Group = group };
                }
                else
                {
                    x.Error(x.Raw("regex")!, $"'extract.regex' {regexError}");
                }
            }
            var steps = x.StringList("normalize") ?? Array.Empty<string>();
            foreach (var step in steps.Where(s => !NormalizeSteps.Contains(s)))
            {
                x.Error(x.Raw("normalize")!, $"unknown normalize step '{step}'{DidYouMean.Hint(step, NormalizeSteps)}");
            }

            extraction = extraction with { Normalize = steps };
        }
        if (task != TaskType.Generate && map.Has("extract"))
        {
            map.Error(map.Raw("extract")!, $"'extract' applies to generate suites only (this suite's task is {taskName})");
        }

        if (task == TaskType.MultipleChoice && map.Has("generation"))
        {
            map.Error(map.Raw("generation")!, "'generation' applies to generate and refusal suites only");
        }

        // Problems found from here on (rule sets, metrics, answer_base, truncate) do not change how items are built:
        // Check still builds the suite, so that validate reports them together with the problems of the rows.
        int structural = context.Errors.Count;
        string? rules = null;
        ExpectationSpec? should = null;
        if (task == TaskType.Refusal)
        {
            rules = map.String("rules") ?? "xstest";
            map.Require("should", "'refuse', 'comply', or a mapping {field, refuse: [values], comply: [values]}");
            if (map.Raw("should") is { } s)
            {
                should = ReadExpectation(map, s);
            }

            if (SuiteDefinition.IsRuleFile(rules))
            {
                // relative to the suite's folder, as data paths are (the folder is an allowed root)
                rules = ResolvePath(rules, map.PositionOf("rules"), context) is { } resolvedRules ? Path.GetFullPath(resolvedRules, context.Folder) : null;
            }
            else if (!RegressionGuard.Suites.Refusal.RefusalRuleSets.BuiltInNames.Contains(rules, StringComparer.Ordinal))
            {
                map.Error(map.Raw("rules") ?? map.Node, $"unknown built-in rule set '{rules}'{DidYouMean.Hint(rules, RegressionGuard.Suites.Refusal.RefusalRuleSets.BuiltInNames.ToArray())} (built-in: {string.Join(", ", RegressionGuard.Suites.Refusal.RefusalRuleSets.BuiltInNames)}; or a rule file: a path ending in .yaml, relative to the suite)");
                rules = null;
            }

            if (rules is not null)
            {
                // The rule set is read now, through the suite's sandbox, so that validate reports its problems.
                try
                {
                    SuiteEvaluator.RuleSetOf(rules, new SuiteSandbox(context.Folder, context.Roots));
                }
                catch (Exception e) when (e is SuiteDataException or ArgumentException)
                {
                    map.Error(map.Raw("rules") ?? map.Node, e.Message);
                }
                catch (SuiteValidationException e)
                {
                    context.Errors.AddRange(e.Errors);
                }
            }
        }
        else
        {
            foreach (var key in new[] { "rules", "should" })
            {
                if (map.Has(key))
                {
                    map.Error(map.Raw(key)!, $"'{key}' applies to refusal suites only (this suite's task is {taskName})");
                }
            }
        }

        var metrics = task is null ? new List<MetricSpec>() : ReadMetrics(map, task.Value);
        var answerBase = map.Int("answer_base", 0, 1);
        if (map.Has("answer_base") && task is not null && task != TaskType.MultipleChoice)
        {
            map.Error(map.Raw("answer_base")!, $"'answer_base' applies to multiple_choice suites only (this suite's task is {taskName})");
        }

        var truncate = ReadTruncate(map, task);

        if (structural > 0 || task is null || prompt is null || id is null || schema is null || (task == TaskType.Refusal && should is null))
        {
            return null;
        }

        return new SuiteDefinition
        {
            Id = id,
            Version = version,
            Description = map.String("description") ?? "",
            Kind = map.String("kind") ?? "custom",
            Task = task.Value,
            File = context.File,
            SourceText = text,
            Data = data,
            InlineItems = inline,
            AllowedRoots = context.Roots.ToArray(),
            Prompt = prompt,
            Target = target,
            DescriptionPrefix = descriptionPrefix,
            ChatFormat = chat,
            SystemPrompt = map.String("system"),
            FewShot = fewShot,
            Choices = choices,
            AnswerField = answer,
            AnswerPosition = map.Has("answer") ? map.PositionOf("answer") : null,
            AnswerBase = answerBase,
            Truncate = truncate,
            TargetDelimiter = map.String("target_delimiter") ?? " ",
            Generation = generation,
            Extraction = extraction,
            RuleSet = rules,
            Should = should,
            Metrics = metrics,
            AnswersField = scoring.AnswersField,
            Style = scoring.Style,
            GroupBy = scoring.GroupBy,
            Judge = scoring.Judge,
        };
    }

    static TemplateText? TemplateAt(YamlMap map, string key)
    {
        var text = map.String(key);
        if (text is null)
        {
            return null;
        }

        var source = new TemplateText(text, map.PositionOf(key));
        if (!PromptTemplate.TryParse(source, out _, out var error))
        {
            map.Error(map.Raw(key)!, $"template '{map.Qualified(key)}' has a syntax error: {error}");
        }

        return source;
    }

    static DataSourceSpec? ReadDataSource(YamlMap map, Context context)
    {
        map.RejectUnknown(DataKeys);
        map.Require("path", "a file or glob relative to the suite, e.g. 'data/test.jsonl' or '${mmlu_dir}/test/*_test.csv'");
        var path = map.String("path");
        var format = map.String("format") ?? "auto";
        if (!Formats.Contains(format))
        {
            map.Error(map.Raw("format")!, $"unknown data format '{format}'{DidYouMean.Hint(format, Formats)}");
        }

        var pattern = map.String("file_pattern");
        if (pattern is not null)
        {
            if (SafeRegex.Compile(pattern, out var patternError) is null)
            {
                map.Error(map.Raw("file_pattern")!, $"'{map.Qualified("file_pattern")}' {patternError}");
            }
        }
        if (path is null)
        {
            return null;
        }

        var resolved = ResolvePath(path, map.PositionOf("path"), context);
        if (resolved is null)
        {
            return null;
        }

        return new DataSourceSpec(resolved)
        {
            Position = map.PositionOf("path"),
            Format = format,
            Columns = map.StringList("columns"),
            FileField = map.String("file_field"),
            FileFieldPattern = pattern,
            Limit = map.Int("limit", 1, int.MaxValue),
            Sample = map.Int("sample", 1, int.MaxValue),
            Seed = map.Int("seed", int.MinValue, int.MaxValue) ?? 1234,
            JsonItemsPath = map.String("items_path"),
            Header = ReadBool(map, "header"),
            Shape = map.Raw("shape") is { } shape ? ReadShape(map, shape, context) : [],
        };
    }

    static readonly Regex VariablePattern = new(@"\$\{([A-Za-z_][A-Za-z0-9_]*)\}", RegexOptions.Compiled);

    /// <summary>Substitutes ${name} variables; each variable's value becomes an allowed data root.</summary>
    static string? ResolvePath(string path, SourcePosition at, Context context)
    {
        bool ok = true;
        var resolved = VariablePattern.Replace(path, m =>
        {
            var name = m.Groups[1].Value;
            var env = "REGRESSIONGUARD_" + name.ToUpperInvariant();
            var value = context.Variables.TryGetValue(name, out var v) ? v : Environment.GetEnvironmentVariable(env);
            if (string.IsNullOrEmpty(value))
            {
                context.Errors.Add(new SuiteError(at.File, at.Line, at.Column, $"variable '{name}' is not set; pass --set {name}=<value> or set {env}"));
                ok = false;
                return m.Value;
            }
            // The folder (or file) the variable names becomes an allowed root, if it exists; a missing one allows
            // nothing (never its parent).
            var root = Path.GetFullPath(value, context.Folder);
            if (Directory.Exists(root) || File.Exists(root))
            {
                context.Roots.Add(root);
            }

            return value;
        });
        return ok ? resolved : null;
    }

    static IReadOnlyList<IReadOnlyDictionary<string, object?>>? ReadInlineItems(YamlMap map, YamlNode node)
    {
        if (node is not YamlSequenceNode seq || seq.Children.Count == 0)
        {
            map.Error(node, "'items' must be a non-empty list of mappings (one per item)");
            return null;
        }
        var items = new List<IReadOnlyDictionary<string, object?>>();
        foreach (var child in seq.Children)
        {
            if (child is YamlMappingNode m && m.Children.Keys.FirstOrDefault(k => k is not YamlScalarNode) is { } key)
            {
                // found by fuzzing: a mapping used as a key ("{a: 1}: x") failed with InvalidCastException
                map.Error(key, $"the fields of an item are named by plain text, got a {YamlMap.Describe(key)} as a name");
            }
            else if (child is YamlMappingNode mapping)
            {
                items.Add((IReadOnlyDictionary<string, object?>)Plain(mapping)!);
            }
            else
            {
                map.Error(child, $"each entry of 'items' must be a mapping of fields, got a {YamlMap.Describe(child)}");
            }
        }
        return items;
    }

    /// <summary>YAML values as plain .NET data (strings, lists, dictionaries), as the data layer produces them.</summary>
    static object? Plain(YamlNode node) => node switch
    {
        YamlMappingNode m => m.Children.Where(kv => kv.Key is YamlScalarNode)
            .DistinctBy(kv => ((YamlScalarNode)kv.Key).Value ?? "", StringComparer.Ordinal)
            .ToDictionary(kv => ((YamlScalarNode)kv.Key).Value ?? "", kv => Plain(kv.Value), StringComparer.Ordinal) as IReadOnlyDictionary<string, object?>,
        YamlSequenceNode s => s.Children.Select(Plain).ToList(),
        YamlScalarNode sc => sc.Value,
        _ => null,
    };

    static ChoicesSpec? ReadChoices(YamlMap map)
    {
        map.RejectUnknown("field", "templates", "labels_field", "labels");
        var field = map.String("field");
        IReadOnlyList<TemplateText>? templates = null;
        if (map.Raw("templates") is { } node)
        {
            if (node is YamlSequenceNode seq && seq.Children.Count >= 2 && seq.Children.All(c => c is YamlScalarNode))
            {
                templates = seq.Children.Select(c => new TemplateText(((YamlScalarNode)c).Value ?? "", map.Position(c))).ToList();
                foreach (var t in templates)
                {
                    if (!PromptTemplate.TryParse(t, out _, out var error))
                    {
                        map.Errors.Add(new SuiteError(t.Position.File, t.Position.Line, t.Position.Column, $"template in 'choices.templates' has a syntax error: {error}"));
                    }
                }
            }
            else
            {
                map.Error(node, "'choices.templates' must be a list of at least two templates, one per choice");
            }
        }
        if ((field is null) == (templates is null))
        {
            map.Error(map.Node, "'choices' needs exactly one of 'field' (a list-valued field such as question.choices[*].text) or 'templates' (one per choice)");
            return null;
        }
        return new ChoicesSpec(field, templates, map.String("labels_field"), map.StringList("labels"));
    }

    static ExpectationSpec? ReadExpectation(YamlMap map, YamlNode node)
    {
        if (node is YamlScalarNode s)
        {
            return s.Value switch
            {
                "refuse" => new ExpectationSpec(Expectation.Refuse, null, Array.Empty<string>(), Array.Empty<string>()),
                "comply" => new ExpectationSpec(Expectation.Comply, null, Array.Empty<string>(), Array.Empty<string>()),
                _ => Fail($"'should' must be 'refuse', 'comply' or a mapping {{field, refuse, comply}}; got '{s.Value}'"),
            };
        }
        if (map.Map("should") is not { } m)
        {
            return null;
        }

        m.RejectUnknown("field", "refuse", "comply");
        m.Require("field", "the data column saying what the model should do, e.g. 'label'");
        var field = m.String("field");
        var refuse = m.StringList("refuse") ?? Array.Empty<string>();
        var comply = m.StringList("comply") ?? Array.Empty<string>();
        if (refuse.Count + comply.Count == 0)
        {
            m.Error(m.Node, "'should' needs the field values meaning refuse and/or comply, e.g. refuse: [unsafe] comply: [safe]");
        }

        var both = refuse.Intersect(comply).ToList();
        if (both.Count > 0)
        {
            m.Error(m.Node, $"value(s) {string.Join(", ", both)} listed under both 'refuse' and 'comply'");
        }

        return field is null ? null : new ExpectationSpec(null, field, refuse, comply);

        ExpectationSpec? Fail(string message)
        {
            map.Error(node, message);
            return null;
        }
    }

    static List<MetricSpec> ReadMetrics(YamlMap map, TaskType task)
    {
        var known = KnownMetrics[task];
        var metrics = new List<MetricSpec>();
        var node = map.Raw("metrics");
        if (node is null)
        {
            return DefaultMetrics[task].Select(n => new MetricSpec(n, known[n])).ToList();
        }

        if (node is not YamlSequenceNode seq)
        {
            map.Error(node, "'metrics' must be a list of metric names or {name, max_drop | max_rise} mappings");
            return metrics;
        }
        foreach (var entry in seq.Children)
        {
            string? name;
            double? maxDrop = null, maxRise = null;
            YamlNode nameNode = entry;
            if (entry is YamlScalarNode s)
            {
                name = s.Value;
            }
            else if (entry is YamlMappingNode m)
            {
                var mm = new YamlMap(m, map.File, map.Errors, "metrics[]");
                mm.RejectUnknown("name", "max_drop", "max_rise");
                mm.Require("name", $"one of {string.Join(", ", known.Keys)}");
                name = mm.String("name");
                nameNode = mm.Raw("name") ?? m;
                maxDrop = mm.Double("max_drop", 0, 1e9);
                maxRise = mm.Double("max_rise", 0, 1e9);
                if (name is not null && known.TryGetValue(name, out var higher))
                {
                    if (higher && maxRise is not null)
                    {
                        mm.Error(mm.Raw("max_rise")!, $"'{name}' is higher-is-better: use 'max_drop', not 'max_rise'");
                    }

                    if (!higher && maxDrop is not null)
                    {
                        mm.Error(mm.Raw("max_drop")!, $"'{name}' is lower-is-better: use 'max_rise', not 'max_drop'");
                    }
                }
            }
            else
            {
                map.Error(entry, "each metric must be a name or a mapping {name, max_drop | max_rise}");
                continue;
            }
            if (name is null)
            {
                continue;
            }

            if (!known.TryGetValue(name, out var higherIsBetter))
            {
                map.Error(nameNode, $"unknown metric '{name}' for task {TaskName(task)}{DidYouMean.Hint(name, known.Keys.ToArray())}");
                continue;
            }
            if (metrics.Any(x => x.Name == name))
            {
                map.Error(nameNode, $"metric '{name}' is listed twice");
            }

            metrics.Add(new MetricSpec(name, higherIsBetter, maxDrop, maxRise));
        }
        return metrics;
    }

    sealed record Scoring(string? AnswersField, MultipleChoiceStyle Style, GroupBySpec? GroupBy, JudgeSpec? Judge);

    static readonly string[] Styles = { "question", "completion" };

    /// <summary>The scoring keys of issue 17: <c>answers</c>, <c>style</c>, <c>group_by</c>, <c>judge</c>.</summary>
    static Scoring ReadScoring(YamlMap map, TaskType? task, string? taskName, Context context)
    {
        var answers = map.String("answers");
        if (map.Has("answers") && task == TaskType.Refusal)
        {
            map.Error(map.Raw("answers")!, $"'answers' applies to multiple_choice and generate suites only (this suite's task is {taskName})");
        }

        var style = MultipleChoiceStyle.Question;
        if (map.String("style") is { } styleName)
        {
            if (styleName == "completion")
            {
                style = MultipleChoiceStyle.Completion;
            }
            else if (styleName != "question")
            {
                map.Error(map.Raw("style")!, $"unknown style '{styleName}'{DidYouMean.Hint(styleName, Styles)} (completion: each choice is an ending scored after the prompt, as HellaSwag and PIQA)");
            }
        }

        GroupBySpec? groupBy = null;
        if (map.Raw("group_by") is YamlScalarNode groupField)
        {
            groupBy = string.IsNullOrWhiteSpace(groupField.Value)
                ? null
                : new GroupBySpec(groupField.Value, null, null, new Dictionary<string, GroupThreshold>());
            if (groupBy is null)
            {
                map.Error(groupField, "'group_by' must name a field, e.g. 'group_by: category'");
            }
        }
        else if (map.Map("group_by") is { } g)
        {
            groupBy = ReadGroupBy(g);
        }

        JudgeSpec? judge = null;
        if (map.Has("judge") && task is not null && task != TaskType.Refusal)
        {
            map.Error(map.Raw("judge")!, $"'judge' applies to refusal suites only (this suite's task is {taskName})");
        }
        else if (map.Map("judge") is { } j)
        {
            judge = ReadJudge(j, context);
        }

        return new Scoring(answers, style, groupBy, judge);
    }

    static GroupBySpec? ReadGroupBy(YamlMap map)
    {
        map.RejectUnknown("field", "max_drop", "max_rise", "groups");
        map.Require("field", "the data field whose value names each item's group, e.g. 'category'");
        var groups = new Dictionary<string, GroupThreshold>(StringComparer.Ordinal);
        if (map.Map("groups") is { } gm)
        {
            foreach (var (name, node) in gm.Node.Children.Where(kv => kv.Key is YamlScalarNode).Select(kv => (((YamlScalarNode)kv.Key).Value ?? "", kv.Value)))
            {
                if (gm.Map(name) is not { } one)
                {
                    gm.Error(node, $"'group_by.groups.{name}' must be a mapping {{max_drop | max_rise}}");
                    continue;
                }

                one.RejectUnknown("max_drop", "max_rise");
                groups[name] = new GroupThreshold(one.Double("max_drop", 0, 1e9), one.Double("max_rise", 0, 1e9));
            }
        }
        var field = map.String("field");
        return field is null ? null : new GroupBySpec(field, map.Double("max_drop", 0, 1e9), map.Double("max_rise", 0, 1e9), groups);
    }

    static JudgeSpec? ReadJudge(YamlMap map, Context context)
    {
        map.RejectUnknown("model", "prompt", "labels", "max_new_tokens", "stop");
        map.Require("prompt", $"a template over {{{{ prompt }}}} and {{{{ response }}}}, or a built-in prompt: {string.Join(", ", JudgePrompts.Names)}");
        var promptText = map.String("prompt");
        if (promptText is null)
        {
            return null;
        }

        var builtIn = JudgePrompts.Find(promptText);
        var prompt = builtIn is null ? TemplateAt(map, "prompt") : new TemplateText(builtIn.Template, map.PositionOf("prompt"));
        if (builtIn is null && !promptText.Contains("response", StringComparison.Ordinal))
        {
            map.Error(map.Raw("prompt")!, $"'judge.prompt' never shows the judge the model's answer: use {{{{ response }}}} in the template, or a built-in prompt ({string.Join(", ", JudgePrompts.Names)})");
        }

        IReadOnlyList<string>? refusal = builtIn?.RefusalLabels, compliance = builtIn?.ComplianceLabels;
        if (map.Map("labels") is { } labels)
        {
            labels.RejectUnknown("refusal", "compliance");
            labels.Require("refusal", "the judge's answer(s) meaning the model refused, e.g. [REFUSAL]");
            labels.Require("compliance", "the judge's answer(s) meaning the model complied, e.g. [COMPLIANCE]");
            refusal = labels.StringList("refusal");
            compliance = labels.StringList("compliance");
            var all = (refusal ?? Array.Empty<string>()).Concat(compliance ?? Array.Empty<string>()).ToList();
            foreach (var empty in all.Where(string.IsNullOrWhiteSpace).Take(1))
            {
                labels.Error(labels.Node, "a judge label is empty; each label is the whole answer the judge gives, e.g. REFUSAL");
            }

            var twice = all.GroupBy(l => l.Trim(), StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
            if (twice.Count > 0)
            {
                labels.Error(labels.Node, $"judge label(s) {string.Join(", ", twice.Select(t => $"'{t}'"))} listed more than once (labels compare without case)");
            }
        }
        else if (builtIn is null)
        {
            map.Error(map.Node, "'judge' with its own prompt needs 'labels: {refusal: [...], compliance: [...]}' (the exact answers the prompt asks for)");
        }

        var model = map.String("model") is { } m ? ResolvePath(m, map.PositionOf("model"), context) : null;
        if (refusal is null || compliance is null || refusal.Count == 0 || compliance.Count == 0)
        {
            return null;
        }

        return new JudgeSpec(
            model is null ? null : Path.GetFullPath(model, context.Folder),
            prompt!,
            builtIn?.Name,
            refusal,
            compliance,
            map.Int("max_new_tokens", 1, 256) ?? 8,
            map.StringList("stop") ?? new[] { "\n" });
    }

    public static string TaskName(TaskType task) => task switch
    {
        TaskType.MultipleChoice => "multiple_choice",
        TaskType.Generate => "generate",
        _ => "refusal",
    };
}
