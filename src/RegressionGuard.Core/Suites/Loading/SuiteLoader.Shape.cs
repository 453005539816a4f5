using RegressionGuard.Suites.Data;
using YamlDotNet.RepresentationModel;

namespace RegressionGuard.Suites.Loading;

/// <summary>The suite keys of data shaping (<c>data.shape</c>, <c>data.header</c>) and of the too-long policy (<c>truncate</c>).</summary>
public static partial class SuiteLoader
{
    static readonly string[] ShapeStepNames = ["join", "rename", "select", "split", "map", "one_hot", "list", "filter"];
    static readonly string[] TruncateNames = ["left", "skip", "error"];

    static bool? ReadBool(YamlMap map, string key)
    {
        var text = map.String(key);
        switch (text)
        {
            case null:
                return null;
            case "true":
                return true;
            case "false":
                return false;
            default:
                map.Error(map.Raw(key)!, $"'{map.Qualified(key)}' must be true or false, got '{text}'");
                return null;
        }
    }

    static TooLongPolicy ReadTruncate(YamlMap map, TaskType? task)
    {
        var text = map.String("truncate");
        var fallback = task == TaskType.MultipleChoice ? TooLongPolicy.Left : TooLongPolicy.Error;
        switch (text)
        {
            case null:
                return fallback;
            case "left":
                return TooLongPolicy.Left;
            case "skip":
                return TooLongPolicy.Skip;
            case "error":
                return TooLongPolicy.Error;
            default:
                map.Error(map.Raw("truncate")!, $"unknown truncate policy '{text}'{DidYouMean.Hint(text, TruncateNames)}; one of left (cut the prompt's start), skip (leave the item out, counted), error (stop before the model runs)");
                return fallback;
        }
    }

    /// <summary><c>data.shape</c>: a list of one-key mappings, e.g. <c>- split: {field: answers, sep: ";"}</c>.</summary>
    static List<ShapeStep> ReadShape(YamlMap data, YamlNode node, Context context)
    {
        var steps = new List<ShapeStep>();
        if (node is not YamlSequenceNode seq)
        {
            data.Error(node, "'data.shape' must be a list of steps, e.g. - rename: {\"Best Answer\": best_answer}");
            return steps;
        }

        foreach (var entry in seq.Children)
        {
            if (entry is not YamlMappingNode m || m.Children.Count != 1 || m.Children.Keys.Single() is not YamlScalarNode { Value: { } name } keyNode)
            {
                data.Error(entry, $"each step of 'data.shape' is a mapping with one key, the step: {string.Join(", ", ShapeStepNames)}");
                continue;
            }

            var value = m.Children.Values.Single();
            var at = data.Position(keyNode);
            var where = $"data.shape {name}";
            if (!ShapeStepNames.Contains(name))
            {
                data.Error(keyNode, $"unknown data.shape step '{name}'{DidYouMean.Hint(name, ShapeStepNames)}; steps: {string.Join(", ", ShapeStepNames)}");
                continue;
            }

            if (Step(name, value, at, where) is { } step)
            {
                steps.Add(step);
            }
        }
        return steps;

        ShapeStep? Step(string name, YamlNode value, SourcePosition at, string where)
        {
            switch (name)
            {
                case "filter":
                    if (value is YamlScalarNode { Value: { Length: > 0 } condition })
                    {
                        var text = new TemplateText(condition, data.Position(value));
                        if (!Templates.PromptTemplate.TryParse(new TemplateText($"{{% if {condition} %}}1{{% endif %}}", text.Position), out _, out var syntax))
                        {
                            data.Error(value, $"{where}: the condition has a syntax error: {syntax}");
                            return null;
                        }

                        return new FilterStep(at, text);
                    }

                    data.Error(value, $"{where}: give a condition, e.g. filter: 'category == \"violence\"'");
                    return null;
                case "select":
                    return Names(value, where) is { } selected ? new SelectStep(at, selected) : null;
                case "rename":
                    if (value is YamlMappingNode pairs && pairs.Children.All(kv => kv.Key is YamlScalarNode && kv.Value is YamlScalarNode))
                    {
                        var names = pairs.Children.Select(kv => new KeyValuePair<string, string>(((YamlScalarNode)kv.Key).Value ?? "", ((YamlScalarNode)kv.Value).Value ?? "")).ToList();
                        foreach (var twice in names.GroupBy(n => n.Value).Where(g => g.Count() > 1))
                        {
                            data.Error(value, $"{where}: two fields renamed to '{twice.Key}'");
                        }

                        if (names.Count > 0 && names.All(n => n.Key.Length > 0 && n.Value.Length > 0))
                        {
                            return new RenameStep(at, names);
                        }
                    }
                    data.Error(value, $"{where}: give old name: new name pairs, e.g. rename: {{\"Best Answer\": best_answer}}");
                    return null;
            }

            if (value is not YamlMappingNode mapping)
            {
                data.Error(value, $"{where}: the step's settings are a mapping, e.g. {Example(name)}");
                return null;
            }

            var step = new YamlMap(mapping, data.File, data.Errors, where);
            switch (name)
            {
                case "join":
                    {
                        step.RejectUnknown("path", "format", "columns", "header", "on", "other_on", "prefix", "items_path");
                        step.Require("path", "the second file, relative to the suite");
                        var path = step.String("path");
                        var resolved = path is null ? null : ResolvePath(path, step.PositionOf("path"), context);
                        if (step.String("other_on") is not null && !step.Has("on"))
                        {
                            step.Error(step.Raw("other_on")!, $"{where}: 'other_on' needs 'on' (the key field of the rows)");
                        }

                        return resolved is null ? null : new JoinStep(at, new DataSourceSpec(resolved)
                        {
                            Position = step.PositionOf("path"),
                            Format = step.String("format") ?? DataReader.AutoFormat,
                            Columns = step.StringList("columns"),
                            Header = ReadBool(step, "header"),
                            JsonItemsPath = step.String("items_path"),
                        }, step.String("on"), step.String("other_on"), step.String("prefix") ?? "");
                    }
                case "split":
                    {
                        step.RejectUnknown("field", "sep", "into");
                        step.Require("field", "the text field to split");
                        step.Require("sep", "the separator, e.g. \";\"");
                        var field = step.String("field");
                        var sep = step.String("sep");
                        return field is null || sep is not { Length: > 0 } ? null : new SplitStep(at, field, sep, step.String("into") ?? field);
                    }
                case "map":
                    {
                        step.RejectUnknown("field", "values", "into", "default");
                        step.Require("field", "the field whose values are mapped");
                        step.Require("values", "a mapping of value: new value");
                        var field = step.String("field");
                        var values = new Dictionary<string, string>(StringComparer.Ordinal);
                        if (step.Map("values") is { } v)
                        {
                            foreach (var key in v.Keys)
                            {
                                if (v.String(key) is { } mapped)
                                {
                                    values[key] = mapped;
                                }
                            }
                        }
                        return field is null ? null : new MapStep(at, field, values, step.String("into") ?? field, step.String("default"), step.Has("default"));
                    }
                case "one_hot":
                    {
                        step.RejectUnknown("field", "into");
                        step.Require("field", "the one-hot list field");
                        var field = step.String("field");
                        return field is null ? null : new OneHotStep(at, field, step.String("into") ?? field);
                    }
                default: // list
                    {
                        step.RejectUnknown("fields", "into");
                        step.Require("fields", "the fields to gather, e.g. [ending0, ending1, ending2, ending3]");
                        step.Require("into", "the list field to create, e.g. endings");
                        var fields = step.StringList("fields");
                        var into = step.String("into");
                        return fields is null || into is null ? null : new ListStep(at, fields, into);
                    }
            }
        }

        IReadOnlyList<string>? Names(YamlNode value, string where)
        {
            if (value is YamlSequenceNode list && list.Children.Count > 0 && list.Children.All(c => c is YamlScalarNode { Value.Length: > 0 }))
            {
                return list.Children.Select(c => ((YamlScalarNode)c).Value!).ToList();
            }

            data.Error(value, $"{where}: give a list of field names, e.g. select: [goal, sol1, sol2, label]");
            return null;
        }

        static string Example(string name) => name switch
        {
            "join" => "join: {path: train-labels.lst, format: csv, columns: [label]}",
            "split" => "split: {field: \"Correct Answers\", sep: \";\", into: correct}",
            "map" => "map: {field: label, values: {safe: comply, unsafe: refuse}}",
            "one_hot" => "one_hot: {field: labels, into: answer}",
            _ => "list: {fields: [ending0, ending1, ending2, ending3], into: endings}",
        };
    }
}
