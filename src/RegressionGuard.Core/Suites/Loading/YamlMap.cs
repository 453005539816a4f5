using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace RegressionGuard.Suites.Loading;

/// <summary>
/// Typed, position-aware reading of one YAML mapping. Type errors and unknown keys are collected (never thrown), so a
/// loader reports every problem in a file at once. <c>Where</c> is the dotted key path used in messages.
/// </summary>
public sealed class YamlMap
{
    readonly Dictionary<string, (YamlScalarNode Key, YamlNode Value)> _entries = new(StringComparer.Ordinal);

    public YamlMap(YamlMappingNode node, string file, List<SuiteError> errors, string where = "")
    {
        Node = node;
        File = file;
        Errors = errors;
        Where = where;
        foreach (var (key, value) in node.Children)
        {
            if (key is not YamlScalarNode scalar || scalar.Value is null)
            {
                Error(key, "keys must be plain strings");
                continue;
            }
            if (!_entries.TryAdd(scalar.Value, (scalar, value)))
            {
                Error(key, $"duplicate key '{Qualified(scalar.Value)}'");
            }
        }
    }

    public YamlMappingNode Node { get; }
    public string File { get; }
    public List<SuiteError> Errors { get; }
    public string Where { get; }
    public IEnumerable<string> Keys => _entries.Keys;

    public string Qualified(string key) => Where.Length == 0 ? key : $"{Where}.{key}";

    public void Error(YamlNode node, string message) => Errors.Add(SafeYaml.Error(File, node.Start, message));

    public SourcePosition Position(YamlNode node) => new(File, (int)node.Start.Line, (int)node.Start.Column);

    /// <summary>Position of the value of <paramref name="key"/> (or of the mapping when absent).</summary>
    public SourcePosition PositionOf(string key) => Position(_entries.TryGetValue(key, out var e) ? e.Value : Node);

    public bool Has(string key) => _entries.TryGetValue(key, out var e) && !IsNull(e.Value);

    public YamlNode? Raw(string key) => _entries.TryGetValue(key, out var e) && !IsNull(e.Value) ? e.Value : null;

    static bool IsNull(YamlNode node) => node is YamlScalarNode { Style: YamlDotNet.Core.ScalarStyle.Plain, Value: null or "" or "~" or "null" };

    /// <summary>Reports every key not in <paramref name="known"/>, with a did-you-mean.</summary>
    public void RejectUnknown(params string[] known)
    {
        foreach (var (name, (key, _)) in _entries)
        {
            if (!known.Contains(name, StringComparer.Ordinal))
            {
                Error(key, $"unknown key '{Qualified(name)}'{DidYouMean.Hint(name, known)}");
            }
        }
    }

    public void Require(string key, string what)
    {
        if (!Has(key))
        {
            Error(Node, $"missing key '{Qualified(key)}' ({what})");
        }
    }

    public string? String(string key)
    {
        var node = Raw(key);
        if (node is null)
        {
            return null;
        }

        if (node is YamlScalarNode s)
        {
            return s.Value ?? "";
        }

        Error(node, $"'{Qualified(key)}' must be a string, got a {Describe(node)}");
        return null;
    }

    public int? Int(string key, int min, int max)
    {
        var node = Raw(key);
        if (node is null)
        {
            return null;
        }

        if (node is YamlScalarNode { Style: YamlDotNet.Core.ScalarStyle.Plain } s && int.TryParse(s.Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
        {
            if (value >= min && value <= max)
            {
                return value;
            }

            Error(node, $"'{Qualified(key)}' must be between {min} and {max}, got {value}");
            return null;
        }
        Error(node, $"'{Qualified(key)}' must be an integer, got {Show(node)}");
        return null;
    }

    public double? Double(string key, double min, double max)
    {
        var node = Raw(key);
        if (node is null)
        {
            return null;
        }

        if (node is YamlScalarNode { Style: YamlDotNet.Core.ScalarStyle.Plain } s && double.TryParse(s.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
        {
            if (value >= min && value <= max)
            {
                return value;
            }

            Error(node, $"'{Qualified(key)}' must be between {min.ToString(CultureInfo.InvariantCulture)} and {max.ToString(CultureInfo.InvariantCulture)}, got {s.Value}");
            return null;
        }
        Error(node, $"'{Qualified(key)}' must be a number, got {Show(node)}");
        return null;
    }

    public IReadOnlyList<string>? StringList(string key)
    {
        var node = Raw(key);
        if (node is null)
        {
            return null;
        }

        if (node is YamlScalarNode single)
        {
            return new[] { single.Value ?? "" };
        }

        if (node is not YamlSequenceNode seq)
        {
            Error(node, $"'{Qualified(key)}' must be a list of strings, got a {Describe(node)}");
            return null;
        }
        var result = new List<string>();
        foreach (var item in seq.Children)
        {
            if (item is YamlScalarNode s)
            {
                result.Add(s.Value ?? "");
            }
            else
            {
                Error(item, $"'{Qualified(key)}' entries must be strings, got a {Describe(item)}");
            }
        }
        return result;
    }

    public YamlMap? Map(string key)
    {
        var node = Raw(key);
        if (node is null)
        {
            return null;
        }

        if (node is YamlMappingNode m)
        {
            return new YamlMap(m, File, Errors, Qualified(key));
        }

        Error(node, $"'{Qualified(key)}' must be a mapping of keys to values, got a {Describe(node)}");
        return null;
    }

    public static string Describe(YamlNode node) => node switch
    {
        YamlMappingNode => "mapping",
        YamlSequenceNode => "list",
        _ => "string",
    };

    static string Show(YamlNode node) => node is YamlScalarNode s ? $"'{s.Value}'" : $"a {Describe(node)}";
}
