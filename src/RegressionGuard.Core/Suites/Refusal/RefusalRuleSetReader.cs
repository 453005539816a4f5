using System.Text;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;

namespace RegressionGuard.Suites.Refusal;

/// <summary>
/// Reads one rule-set YAML text through YamlDotNet's representation model (so every node has a position) and
/// collects every problem before throwing. Format: the remarks on <see cref="RefusalRuleSets"/>.
/// </summary>
sealed partial class RefusalRuleSetReader(string file)
{
    const string SchemaKey = "schema", NameKey = "name", DescriptionKey = "description", SourceKey = "source",
        NormalizeKey = "normalize", RulesKey = "rules", StartsWithKey = "starts_with", ContainsKey = "contains",
        CaseSensitiveKey = "case_sensitive";

    static readonly string[] TopKeys = [SchemaKey, NameKey, DescriptionKey, SourceKey, NormalizeKey, RulesKey];
    static readonly string[] RuleKeys = [StartsWithKey, ContainsKey, CaseSensitiveKey];

    static readonly (string Name, RefusalNormalization Step)[] Steps =
    [
        ("strip", RefusalNormalization.Strip),
        ("lowercase", RefusalNormalization.Lowercase),
        ("straight_quotes", RefusalNormalization.StraightQuotes),
    ];

    readonly List<SuiteError> errors = [];

    public static SuiteError TooLarge(string file, long bytes) =>
        new(file, 1, 1, $"file is {bytes} bytes; a refusal rule set may be at most {RefusalRuleSets.MaxFileBytes} bytes (1 MB)");

    public RefusalRuleSet Read(string text)
    {
        int bytes = Encoding.UTF8.GetByteCount(text);
        if (bytes > RefusalRuleSets.MaxFileBytes)
        {
            throw new SuiteValidationException([TooLarge(file, bytes)]);
        }

        if (text.StartsWith('\uFEFF'))
        {
            text = text[1..];
        }

        if (!ScanEvents(text))
        {
            throw Failure();
        }

        YamlStream stream = [];
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (Exception e) when (e is YamlException || Loading.SafeYaml.IsParserFailure(e))
        {
            // Anchors and aliases were already reported; anything the loader adds is a consequence of those.
            if (errors.Count == 0)
            {
                Error(e is YamlException y ? y.Start : Mark.Empty, e is YamlException ye ? $"invalid YAML: {YamlMessage(ye)}" : Loading.SafeYaml.UnparsableMessage);
            }

            throw Failure();
        }

        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is YamlScalarNode { Value: null or "" })
        {
            Error(Mark.Empty, $"file is empty; a rule set is a mapping with keys {string.Join(", ", TopKeys)}");
            throw Failure();
        }
        var set = ReadRoot(stream.Documents[0].RootNode);
        if (errors.Count > 0 || set is null)
        {
            throw Failure();
        }

        return set;
    }

    /// <summary>Walks the parser's events to report syntax errors, tags, anchors, aliases and extra documents with positions.</summary>
    bool ScanEvents(string text)
    {
        var parser = new Parser(new StringReader(text));
        int documents = 0;
        try
        {
            while (parser.MoveNext())
            {
                switch (parser.Current)
                {
                    case AnchorAlias alias:
                        Error(alias.Start, $"YAML aliases ('*{alias.Value}') are not allowed in a rule set; write the value out");
                        break;
                    case NodeEvent node:
                        if (!node.Anchor.IsEmpty)
                        {
                            Error(node.Start, $"YAML anchors ('&{node.Anchor}') are not allowed in a rule set; write each value out");
                        }

                        if (!node.Tag.IsEmpty)
                        {
                            Error(node.Start, $"YAML tags ('{ShortTag(node.Tag)}') are not allowed in a rule set; write plain strings, lists and mappings");
                        }

                        break;
                    case DocumentStart start when ++documents == 2:
                        Error(start.Start, "a rule-set file holds one YAML document; remove this second one (after '---')");
                        break;
                }
            }
        }
        catch (YamlException e)
        {
            errors.Clear();
            Error(e.Start, $"invalid YAML: {YamlMessage(e)}");
            return false;
        }
        catch (Exception e) when (Loading.SafeYaml.IsParserFailure(e))
        {
            errors.Clear();
            Error(Mark.Empty, Loading.SafeYaml.UnparsableMessage);
            return false;
        }
        return true;
    }

    RefusalRuleSet? ReadRoot(YamlNode root)
    {
        if (root is not YamlMappingNode mapping)
        {
            Error(root, $"a rule set is a mapping with keys {string.Join(", ", TopKeys)}; got {Describe(root)}");
            return null;
        }

        bool hasSchema = false;
        string? name = null, description = null, source = null;
        List<RefusalNormalization> normalization = [];
        List<PendingRule>? rules = null;
        foreach (var (keyNode, value) in mapping.Children)
        {
            if (Key(keyNode) is not { } key)
            {
                continue;
            }

            switch (key)
            {
                case SchemaKey:
                    hasSchema = true;
                    ReadSchema(value);
                    break;
                case NameKey:
                    name = ReadName(value);
                    break;
                case DescriptionKey:
                    description = Text(value, key);
                    break;
                case SourceKey:
                    source = Text(value, key);
                    break;
                case NormalizeKey:
                    normalization = ReadNormalize(value);
                    break;
                case RulesKey:
                    rules = ReadRules(value);
                    break;
                default:
                    Error(keyNode, $"unknown key '{key}'{DidYouMean.Hint(key, TopKeys)}");
                    break;
            }
        }

        if (!hasSchema)
        {
            Error(mapping, $"missing key '{SchemaKey}'; start the file with 'schema: 1'");
        }

        if (!mapping.Children.ContainsKey(new YamlScalarNode(NameKey)))
        {
            Error(mapping, $"missing key '{NameKey}'; name the rule set, e.g. 'name: my-refusals'");
        }

        if (rules is null && !mapping.Children.ContainsKey(new YamlScalarNode(RulesKey)))
        {
            Error(mapping, $"missing key '{RulesKey}'; give at least one rule, e.g. 'rules: [{{starts_with: [\"i'm sorry\"]}}]'");
        }

        if (rules is not null)
        {
            CheckPatternsCanMatch(rules, normalization);
        }

        if (name is null || rules is null || errors.Count > 0)
        {
            return null;
        }

        return new RefusalRuleSet(name, description ?? "", source, normalization.AsReadOnly(),
            rules.Select(r => new RefusalRule(r.Kind, r.Patterns.Select(p => p.Value).ToArray().AsReadOnly(), r.CaseSensitive)).ToArray().AsReadOnly());
    }

    void ReadSchema(YamlNode value)
    {
        if (value is not YamlScalarNode scalar)
        {
            Error(value, $"'{SchemaKey}' must be the number 1, got {Describe(value)}");
        }
        else if (scalar.Value != "1")
        {
            Error(value, $"unsupported schema '{scalar.Value}'; this version of RegressionGuard reads 'schema: 1'");
        }
    }

    string? ReadName(YamlNode value)
    {
        var name = Text(value, NameKey);
        if (name is null)
        {
            return null;
        }

        if (name.Length == 0)
        {
            Error(value, $"'{NameKey}' is empty; name the rule set, e.g. 'name: my-refusals'");
            return null;
        }
        if (!NamePattern().IsMatch(name))
        {
            Error(value, $"name '{name}' may hold only letters, digits, '.', '_' and '-', starting with a letter or digit");
            return null;
        }
        return name;
    }

    List<RefusalNormalization> ReadNormalize(YamlNode value)
    {
        var steps = new List<RefusalNormalization>();
        var valid = Steps.Select(s => s.Name).ToArray();
        if (value is not YamlSequenceNode sequence)
        {
            if (!IsNull(value))
            {
                Error(value, $"'{NormalizeKey}' must be a list of steps such as [strip, lowercase], got {Describe(value)}");
            }

            return steps;
        }
        foreach (var item in sequence)
        {
            if (item is not YamlScalarNode { Value: { } stepName })
            {
                Error(item, $"a normalize step must be one of {string.Join(", ", valid)}; got {Describe(item)}");
                continue;
            }
            var match = Steps.Where(s => s.Name == stepName).Select(s => (RefusalNormalization?)s.Step).FirstOrDefault();
            if (match is not { } step)
            {
                var hint = DidYouMean.Suggest(stepName, valid) is { } suggestion
                    ? $" — did you mean '{suggestion}'? (valid: {string.Join(", ", valid)})"
                    : $"; valid: {string.Join(", ", valid)}";
                Error(item, $"unknown normalize step '{stepName}'{hint}");
            }
            else if (steps.Contains(step))
            {
                Error(item, $"normalize step '{stepName}' is listed twice");
            }
            else
            {
                steps.Add(step);
            }
        }
        return steps;
    }

    List<PendingRule>? ReadRules(YamlNode value)
    {
        if (value is not YamlSequenceNode sequence)
        {
            Error(value, $"'{RulesKey}' must be a list of rules such as '- starts_with: [\"i'm sorry\"]', got {Describe(value)}");
            return null;
        }
        if (sequence.Children.Count == 0)
        {
            Error(value, $"'{RulesKey}' is empty; give at least one rule such as '- starts_with: [\"i'm sorry\"]'");
            return null;
        }
        var rules = new List<PendingRule>();
        foreach (var item in sequence)
        {
            if (ReadRule(item) is { } rule)
            {
                rules.Add(rule);
            }
        }
        return rules;
    }

    PendingRule? ReadRule(YamlNode node)
    {
        if (node is not YamlMappingNode mapping)
        {
            Error(node, $"a rule is a mapping such as '{{starts_with: [\"i'm sorry\"]}}'; got {Describe(node)}");
            return null;
        }
        RefusalRuleKind? kind = null;
        string? kindKey = null;
        List<(string Value, Mark Start)>? patterns = null;
        bool caseSensitive = true;
        foreach (var (keyNode, value) in mapping.Children)
        {
            if (Key(keyNode) is not { } key)
            {
                continue;
            }

            switch (key)
            {
                case StartsWithKey or ContainsKey:
                    if (kindKey is not null)
                    {
                        Error(keyNode, $"a rule has one of {StartsWithKey}, {ContainsKey}; this one also has '{kindKey}' — split it into two rules");
                        break;
                    }
                    kindKey = key;
                    kind = key == StartsWithKey ? RefusalRuleKind.StartsWith : RefusalRuleKind.Contains;
                    patterns = ReadPatterns(value, key);
                    break;
                case CaseSensitiveKey:
                    if (value is YamlScalarNode { Value: "true" or "True" or "TRUE" })
                    {
                        caseSensitive = true;
                    }
                    else if (value is YamlScalarNode { Value: "false" or "False" or "FALSE" })
                    {
                        caseSensitive = false;
                    }
                    else
                    {
                        Error(value, $"'{CaseSensitiveKey}' must be true or false, got {Describe(value)}");
                    }

                    break;
                default:
                    Error(keyNode, $"unknown key '{key}'{DidYouMean.Hint(key, RuleKeys)}");
                    break;
            }
        }
        if (kindKey is null)
        {
            Error(mapping, $"a rule needs a pattern list: one of {StartsWithKey}, {ContainsKey}");
            return null;
        }
        return kind is { } k && patterns is not null ? new PendingRule(k, patterns, caseSensitive) : null;
    }

    List<(string Value, Mark Start)>? ReadPatterns(YamlNode value, string key)
    {
        if (value is not YamlSequenceNode sequence)
        {
            Error(value, $"'{key}' must be a list of strings such as [\"i'm sorry\", \"i cannot\"], got {Describe(value)}");
            return null;
        }
        if (sequence.Children.Count == 0)
        {
            Error(value, $"'{key}' is empty; list at least one pattern");
            return null;
        }
        var patterns = new List<(string, Mark)>();
        foreach (var item in sequence)
        {
            if (item is not YamlScalarNode scalar)
            {
                Error(item, $"a pattern must be a string, got {Describe(item)}");
            }
            else if (IsNull(scalar) || scalar.Value!.Length == 0)
            {
                Error(item, "empty pattern; it would match every completion — remove it");
            }
            else
            {
                patterns.Add((scalar.Value, item.Start));
            }
        }
        return patterns;
    }

    /// <summary>Patterns that no normalised completion could match are mistakes in the file: report them.</summary>
    void CheckPatternsCanMatch(List<PendingRule> rules, List<RefusalNormalization> normalization)
    {
        bool lowercased = normalization.Contains(RefusalNormalization.Lowercase);
        bool stripped = normalization.Contains(RefusalNormalization.Strip);
        foreach (var rule in rules)
        {
            foreach (var (pattern, start) in rule.Patterns)
            {
                if (lowercased && rule.CaseSensitive && pattern.Any(c => char.ToLowerInvariant(c) != c))
                {
                    Error(start, $"pattern '{pattern}' has upper-case letters but 'normalize: lowercase' lower-cases completions, so it can never match; write it in lower case");
                }

                if (stripped && rule.Kind == RefusalRuleKind.StartsWith && char.IsWhiteSpace(pattern[0]))
                {
                    Error(start, $"starts_with pattern '{pattern}' begins with whitespace but 'normalize: strip' removes it, so it can never match");
                }
            }
        }
    }

    string? Key(YamlNode keyNode)
    {
        if (keyNode is YamlScalarNode { Value: { } key })
        {
            return key;
        }

        Error(keyNode, $"keys must be plain words, got {Describe(keyNode)}");
        return null;
    }

    string? Text(YamlNode value, string key)
    {
        if (value is YamlScalarNode scalar)
        {
            return IsNull(scalar) ? "" : scalar.Value;
        }

        Error(value, $"'{key}' must be a string, got {Describe(value)}");
        return null;
    }

    static bool IsNull(YamlNode node) =>
        node is YamlScalarNode { Style: ScalarStyle.Plain, Value: null or "" or "~" or "null" or "Null" or "NULL" };

    static string Describe(YamlNode node) => node switch
    {
        YamlSequenceNode => "a list",
        YamlMappingNode => "a mapping",
        YamlScalarNode scalar when IsNull(scalar) => "nothing",
        YamlScalarNode scalar => $"'{scalar.Value}'",
        _ => "something else",
    };

    void Error(YamlNode node, string message) => Error(node.Start, message);

    void Error(Mark mark, string message) =>
        errors.Add(new SuiteError(file, (int)Math.Max(1, mark.Line), (int)Math.Max(1, mark.Column), message));

    SuiteValidationException Failure() =>
        new(errors.OrderBy(e => e.Line).ThenBy(e => e.Column).ToArray());

    /// <summary>
    /// YamlDotNet's message without its "(Line: a, Col: b, Idx: c) - (...): " prefix (the error has the position),
    /// and "Duplicate key name" said plainly.
    /// </summary>
    static string YamlMessage(YamlException e)
    {
        var message = YamlPositionPrefix().Replace(e.Message, "");
        const string duplicate = "Duplicate key ";
        return message.StartsWith(duplicate, StringComparison.Ordinal)
            ? $"key '{message[duplicate.Length..]}' appears twice in one mapping; keep one"
            : message;
    }

    /// <summary>"!!str" rather than "tag:yaml.org,2002:str", as it was written.</summary>
    static string ShortTag(TagName tag)
    {
        const string core = "tag:yaml.org,2002:";
        var value = tag.Value;
        return value.StartsWith(core, StringComparison.Ordinal) ? "!!" + value[core.Length..] : value;
    }

    [GeneratedRegex(@"^\(Line: \d+, Col: \d+, Idx: \d+\) - \(Line: \d+, Col: \d+, Idx: \d+\): ")]
    private static partial Regex YamlPositionPrefix();

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._-]*$")]
    private static partial Regex NamePattern();

    sealed record PendingRule(RefusalRuleKind Kind, List<(string Value, Mark Start)> Patterns, bool CaseSensitive);
}
