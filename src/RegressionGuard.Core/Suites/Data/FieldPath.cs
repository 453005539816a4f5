using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace RegressionGuard.Suites.Data;

/// <summary>
/// Picks values out of a row by path: <c>a</c>, <c>a.b</c>, <c>a[0]</c> (0-based) and <c>a[*].b</c> (the rest of the
/// path applied to every element of a list, giving a list). A field whose name itself contains '.' or '[' is found
/// when the whole path is its exact name.
/// </summary>
public static class FieldPath
{
    /// <summary>How deep <see cref="FieldNames(IReadOnlyDictionary{string, object?})"/> lists nested fields.</summary>
    public const int ListedDepth = 4;

    const int ListedInMessages = 40;

    public static object? Evaluate(DataRow row, string path)
    {
        ArgumentNullException.ThrowIfNull(row);
        return Evaluate(row.Fields, path, row.Where);
    }

    public static object? Evaluate(IReadOnlyDictionary<string, object?> fields, string path) => Evaluate(fields, path, null);

    /// <summary>The value at <paramref name="path"/>; <paramref name="where"/> (such as file:line) goes into messages.</summary>
    public static object? Evaluate(IReadOnlyDictionary<string, object?> fields, string path, string? where)
    {
        ArgumentNullException.ThrowIfNull(fields);
        ArgumentNullException.ThrowIfNull(path);
        if (fields.TryGetValue(path, out var exact))
        {
            return exact;
        }

        var segments = Parse(path);
        return Walk(fields, segments, 0, "", new Context(fields, path, where));
    }

    /// <summary>Null when <paramref name="path"/> is well formed, else what is wrong with it.</summary>
    public static string? SyntaxError(string path)
    {
        try
        {
            Parse(path);
            return null;
        }
        catch (SuiteDataException e)
        {
            return e.Message;
        }
    }

    public static IReadOnlyList<string> FieldNames(DataRow row)
    {
        ArgumentNullException.ThrowIfNull(row);
        return FieldNames(row.Fields);
    }

    /// <summary>
    /// The paths that lead to values, for messages: nested objects flattened (<c>question.stem</c>) down to
    /// <see cref="ListedDepth"/> levels, and for a list its own name followed by the fields of its objects
    /// (<c>question.choices</c>, <c>question.choices[*].text</c>), in the order they first appear.
    /// </summary>
    public static IReadOnlyList<string> FieldNames(IReadOnlyDictionary<string, object?> fields)
    {
        ArgumentNullException.ThrowIfNull(fields);
        var names = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (key, value) in fields)
        {
            Collect(key, value, 1, names, seen);
        }

        return names;
    }

    /// <summary>
    /// A value as text without templating: null is empty, strings as they are, numbers in the invariant culture
    /// (shortest round-trip form for doubles), booleans <c>true</c>/<c>false</c>, lists and objects as compact JSON.
    /// </summary>
    public static string AsText(object? value) => value switch
    {
        null => "",
        string s => s,
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        IReadOnlyDictionary<string, object?> or IReadOnlyList<object?> => ToJson(value),
        _ => value.ToString() ?? "",
    };

    static object? Walk(object? current, IReadOnlyList<Segment> segments, int start, string prefix, Context context)
    {
        for (int i = start; i < segments.Count; i++)
        {
            var segment = segments[i];
            switch (segment.Kind)
            {
                case SegmentKind.Name:
                    if (current is not IReadOnlyDictionary<string, object?> fields)
                    {
                        throw context.WrongType(prefix, current, "an object", $"'{segment.Name}'");
                    }

                    if (!fields.TryGetValue(segment.Name, out current))
                    {
                        throw context.NotFound(prefix, segment.Name, fields);
                    }

                    prefix = prefix.Length == 0 ? segment.Name : $"{prefix}.{segment.Name}";
                    break;
                case SegmentKind.Index:
                    if (current is not IReadOnlyList<object?> list)
                    {
                        throw context.WrongType(prefix, current, "a list", $"[{segment.Index}]");
                    }

                    if (segment.Index >= list.Count)
                    {
                        throw context.Fail($"index {segment.Index} is out of range: '{prefix}' has {list.Count} item{(list.Count == 1 ? "" : "s")}");
                    }

                    current = list[segment.Index];
                    prefix = $"{prefix}[{segment.Index}]";
                    break;
                default:
                    if (current is not IReadOnlyList<object?> items)
                    {
                        throw context.WrongType(prefix, current, "a list", "[*]");
                    }

                    var mapped = new List<object?>(items.Count);
                    for (int k = 0; k < items.Count; k++)
                    {
                        mapped.Add(Walk(items[k], segments, i + 1, $"{prefix}[{k}]", context));
                    }

                    return mapped;
            }
        }
        return current;
    }

    sealed class Context(IReadOnlyDictionary<string, object?> root, string path, string? where)
    {
        string In => where is null ? "" : $" in {where}";

        public SuiteDataException Fail(string why) => new($"field '{path}'{In}: {why}");

        public SuiteDataException WrongType(string prefix, object? value, string needed, string next) =>
            Fail($"'{prefix}' is {Describe(value)}, not {needed}, so it has no {next}" +
                 (value is IReadOnlyList<object?> && needed == "an object" ? $"; write '{prefix}[0]{Rest(next)}' or '{prefix}[*]{Rest(next)}'" : ""));

        static string Rest(string next) => next.StartsWith('\'') ? "." + next.Trim('\'') : next;

        public SuiteDataException NotFound(string prefix, string name, IReadOnlyDictionary<string, object?> here)
        {
            var names = FieldNames(root);
            if (prefix.Length > 0 && names.Contains(path, StringComparer.Ordinal))
            {
                return Fail($"'{prefix}' has no field '{name}'; fields there: {string.Join(", ", FieldNames(here))}");
            }

            var listed = names.Count <= ListedInMessages
                ? string.Join(", ", names)
                : $"{string.Join(", ", names.Take(ListedInMessages))}, … ({names.Count - ListedInMessages} more)";
            var hint = DidYouMean.Suggest(path, names) is { } s ? $" — did you mean '{s}'?" : "";
            return new SuiteDataException($"field '{path}' not found{In}; fields there: {listed}{hint}");
        }
    }

    static string Describe(object? value) => value switch
    {
        null => "null",
        string => "a string",
        bool => "a boolean",
        IReadOnlyDictionary<string, object?> => "an object",
        IReadOnlyList<object?> => "a list",
        IFormattable => "a number",
        _ => $"a {value.GetType().Name}",
    };

    static void Collect(string name, object? value, int depth, List<string> names, HashSet<string> seen)
    {
        if (value is IReadOnlyDictionary<string, object?> { Count: > 0 } fields && depth < ListedDepth)
        {
            foreach (var (key, inner) in fields)
            {
                Collect($"{name}.{key}", inner, depth + 1, names, seen);
            }

            return;
        }
        if (seen.Add(name))
        {
            names.Add(name);
        }

        if (value is IReadOnlyList<object?> items && depth < ListedDepth)
        {
            foreach (var item in items)
            {
                if (item is IReadOnlyDictionary<string, object?> element)
                {
                    foreach (var (key, inner) in element)
                    {
                        Collect($"{name}[*].{key}", inner, depth + 1, names, seen);
                    }
                }
            }
        }
    }

    enum SegmentKind { Name, Index, All }

    readonly record struct Segment(SegmentKind Kind, string Name, int Index);

    static List<Segment> Parse(string path)
    {
        var segments = new List<Segment>();
        int i = 0;
        SuiteDataException Bad(string why) =>
            new($"field path '{path}' is not valid: {why} at character {i + 1}; write names joined by '.', with '[0]' for an item of a list or '[*]' for all of them, e.g. question.choices[*].text");

        string Name()
        {
            int start = i;
            while (i < path.Length && path[i] is not ('.' or '[' or ']'))
            {
                i++;
            }

            if (i == start)
            {
                throw Bad("a name is missing");
            }

            return path[start..i];
        }

        segments.Add(new Segment(SegmentKind.Name, Name(), 0));
        while (i < path.Length)
        {
            if (path[i] == '.')
            {
                i++;
                segments.Add(new Segment(SegmentKind.Name, Name(), 0));
            }
            else if (path[i] == '[')
            {
                int close = path.IndexOf(']', i);
                if (close < 0)
                {
                    throw Bad("'[' is not closed");
                }

                var inside = path[(i + 1)..close];
                if (inside == "*")
                {
                    segments.Add(new Segment(SegmentKind.All, "", 0));
                }
                else if (inside.Length > 0 && inside.All(char.IsAsciiDigit) && int.TryParse(inside, NumberStyles.None, CultureInfo.InvariantCulture, out var index))
                {
                    segments.Add(new Segment(SegmentKind.Index, "", index));
                }
                else
                {
                    throw Bad($"'[{inside}]' is neither an index (0, 1, …) nor [*]");
                }
                i = close + 1;
            }
            else
            {
                throw Bad($"unexpected '{path[i]}'");
            }
        }
        return segments;
    }

    static readonly JsonWriterOptions JsonOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    static string ToJson(object? value)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, JsonOptions))
        {
            Write(writer, value);
        }

        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    static void Write(Utf8JsonWriter writer, object? value)
    {
        switch (value)
        {
            case null: writer.WriteNullValue(); break;
            case string s: writer.WriteStringValue(s); break;
            case bool b: writer.WriteBooleanValue(b); break;
            case long l: writer.WriteNumberValue(l); break;
            case int n: writer.WriteNumberValue(n); break;
            case double d: writer.WriteNumberValue(d); break;
            case IReadOnlyDictionary<string, object?> fields:
                writer.WriteStartObject();
                foreach (var (key, inner) in fields)
                {
                    writer.WritePropertyName(key);
                    Write(writer, inner);
                }
                writer.WriteEndObject();
                break;
            case IReadOnlyList<object?> items:
                writer.WriteStartArray();
                foreach (var item in items)
                {
                    Write(writer, item);
                }

                writer.WriteEndArray();
                break;
            default: writer.WriteStringValue(AsText(value)); break;
        }
    }
}
