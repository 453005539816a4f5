using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace RegressionGuard.Jinja.Runtime;

/// <summary>jinja2's built-in filters that chat templates use, with transformers' <c>tojson</c>.</summary>
static partial class Filters
{
    public static readonly IReadOnlySet<string> Names = new HashSet<string>(StringComparer.Ordinal)
    {
        "abs", "attr", "batch", "capitalize", "center", "count", "d", "default", "dictsort", "e", "escape", "first", "float",
        "indent", "int", "items", "join", "last", "length", "list", "lower", "map", "max", "min", "reject", "rejectattr",
        "replace", "reverse", "round", "safe", "select", "selectattr", "sort", "string", "sum", "title", "tojson", "trim",
        "truncate", "unique", "upper", "wordcount",
    };

    public static object? Apply(Interpreter interp, string name, object? value, CallArguments args)
    {
        int depth = interp.MaxDepth;
        switch (name)
        {
            case "default" or "d":
                bool boolean = Values.Truthy(args.Get(1, "boolean", false));
                return value is Undefined || (boolean && !Values.Truthy(value)) ? args.Get(0, "default_value", "") : value;
            case "safe":
                return value;
            case "string":
                return Values.Str(value, depth);
            case "e" or "escape":
                return Values.Str(value, depth).Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal)
                    .Replace(">", "&gt;", StringComparison.Ordinal).Replace("'", "&#39;", StringComparison.Ordinal).Replace("\"", "&#34;", StringComparison.Ordinal);
            case "length" or "count":
                return value switch
                {
                    string s => (long)Values.Length(s),
                    List<object?> l => (long)l.Count,
                    JinjaDict d => (long)d.Count,
                    Undefined => 0L,
                    _ => throw new RenderException($"object of type '{Values.TypeName(value)}' has no len()"),
                };
            case "trim":
                return Methods.Strip(Text(value, name), args.Get(0, "chars", null), true, true);
            case "upper":
                return Text(value, name).ToUpperInvariant();
            case "lower":
                return Text(value, name).ToLowerInvariant();
            case "capitalize":
                return Methods.Capitalize(Text(value, name));
            case "title":
                return Methods.Title(Text(value, name));
            case "replace":
                var source = Text(value, name);
                var old = Values.Str(args.Get(0, "old", ""), depth);
                var replacement = Values.Str(args.Get(1, "new", ""), depth);
                return Methods.Replace(interp, source, old, replacement, args.Get(2, "count", -1L));
            case "tojson":
                var indent = args.Get(0, "indent", null);
                var json = Json.Dumps(value, indent is long n ? (int)n : null, depth);
                interp.Built(json.Length);
                return json;
            case "items":
                return value switch
                {
                    JinjaDict d => Methods.Items(interp, d),
                    Undefined => new List<object?>(),
                    _ => throw new RenderException($"items: can only get items from a mapping, not {Values.TypeName(value)}"),
                };
            case "list":
                return interp.Iterable(value, name).ToList();
            case "first":
                return interp.Iterable(value, name).Take(1).ToList() is [var head] ? head : new Undefined("first: the sequence is empty");
            case "last":
                var all = interp.Iterable(value, name).ToList();
                return all.Count > 0 ? all[^1] : new Undefined("last: the sequence is empty");
            case "reverse":
                return value is string text ? string.Concat(Values.CodePoints(text).Reverse()) : interp.Iterable(value, name).Reverse().ToList();
            case "join":
                var parts = interp.Iterable(value, name);
                if (args.Get(1, "attribute", null) is { } joinAttribute)
                {
                    parts = parts.Select(x => Path(interp, x, joinAttribute));
                }
                var joined = string.Join(Values.Str(args.Get(0, "d", ""), depth), parts.Select(x => Values.Str(x, depth)));
                interp.Built(joined.Length);
                return joined;
            case "map":
                return Map(interp, value, args);
            case "select" or "reject":
                return Select(interp, value, args, 0, null, name == "select");
            case "selectattr" or "rejectattr":
                var attribute = args.Get(0, "attribute", null) ?? throw new RenderException($"{name} needs an attribute name");
                return Select(interp, value, args, 1, attribute, name == "selectattr");
            case "attr":
                return interp.Attribute(value, Values.Str(args.Get(0, "name", ""), depth));
            case "int":
                return ToInt(value, args.Get(0, "default", 0L));
            case "float":
                return ToFloat(value, args.Get(0, "default", 0.0));
            case "abs":
                return value switch
                {
                    long l => (object)checked(Math.Abs(l)),
                    double f => Math.Abs(f),
                    bool b => b ? 1L : 0L,
                    _ => throw new RenderException($"bad operand type for abs(): '{Values.TypeName(value)}'"),
                };
            case "round":
                return Round(value, args.Get(0, "precision", 0L), Values.Str(args.Get(1, "method", "common"), depth));
            case "sum":
                object? total = args.Get(1, "start", 0L);
                foreach (var item in interp.Iterable(value, name))
                {
                    var x = args.Get(0, "attribute", null) is { } a ? Path(interp, item, a) : item;
                    total = Values.IsNumber(total) && Values.IsNumber(x)
                        ? (total is double || x is double ? (object)(Values.ToDouble(total) + Values.ToDouble(x)) : checked(Values.ToLong(total) + Values.ToLong(x)))
                        : throw new RenderException($"sum: cannot add {Values.TypeName(x)}");
                }
                return total;
            case "max" or "min":
                var items = Sorted(interp, value, args.Get(1, "attribute", null), Values.Truthy(args.Get(0, "case_sensitive", false)));
                return items.Count == 0 ? new Undefined($"{name}: the sequence is empty") : name == "min" ? items[0] : items[^1];
            case "sort":
                var sorted = Sorted(interp, value, args.Get(2, "attribute", null), Values.Truthy(args.Get(1, "case_sensitive", false)));
                if (Values.Truthy(args.Get(0, "reverse", false)))
                {
                    sorted.Reverse();
                }
                return sorted;
            case "dictsort":
                if (value is not JinjaDict dict)
                {
                    throw new RenderException($"dictsort needs a mapping, not {Values.TypeName(value)}");
                }
                var pairs = Methods.Items(interp, dict);
                bool byValue = Values.Str(args.Get(1, "by", "key"), depth) == "value";
                bool cs = Values.Truthy(args.Get(0, "case_sensitive", false));
                var ordered = pairs.OrderBy(p => SortKey(((List<object?>)p!)[byValue ? 1 : 0], cs), Comparer<object?>.Create((a, b) => Values.Order(a, b, depth) ?? 0)).ToList();
                if (Values.Truthy(args.Get(2, "reverse", false)))
                {
                    ordered.Reverse();
                }
                return ordered;
            case "unique":
                var seen = new List<object?>();
                var unique = new List<object?>();
                bool caseSensitive = Values.Truthy(args.Get(0, "case_sensitive", false));
                foreach (var item in interp.Iterable(value, name))
                {
                    var key = SortKey(args.Get(1, "attribute", null) is { } a ? Path(interp, item, a) : item, caseSensitive);
                    if (!seen.Any(s => Values.Equal(s, key, depth)))
                    {
                        seen.Add(key);
                        unique.Add(item);
                    }
                }
                return unique;
            case "indent":
                return Indent(Text(value, name), args.Get(0, "width", 4L), Values.Truthy(args.Get(1, "first", false)), Values.Truthy(args.Get(2, "blank", false)));
            case "center":
                var centered = Text(value, name);
                int width = (int)Math.Min(Values.ToLong(args.Get(0, "width", 80L) is long w ? w : 80L), interp.Options.MaxOutputLength);
                int padding = Math.Max(0, width - centered.Length);
                int leftPad = padding / 2 + (padding & width & 1);
                return new string(' ', leftPad) + centered + new string(' ', padding - leftPad);
            case "truncate":
                var longText = Text(value, name);
                int length = args.Get(0, "length", 255L) is long len ? (int)Math.Max(0, len) : 255;
                var end = Values.Str(args.Get(2, "end", "..."), depth);
                if (longText.Length <= length + (args.Get(4, "leeway", 5L) is long lw ? lw : 5))
                {
                    return longText;
                }
                if (Values.Truthy(args.Get(1, "killwords", false)))
                {
                    return longText[..Math.Max(0, length - end.Length)] + end;
                }
                var cut = longText[..Math.Max(0, length - end.Length)];
                int space = cut.LastIndexOf(' ');
                return (space >= 0 ? cut[..space] : cut) + end;
            case "wordcount":
                return (long)Words().Count(Text(value, name));
            case "batch":
                long size = args.Get(0, "linecount", 1L) is long bs && bs > 0 ? bs : throw new RenderException("batch needs a positive size");
                return interp.Iterable(value, name).Chunk((int)Math.Min(size, int.MaxValue)).Select(c => (object?)c.ToList()).ToList();
            default:
                throw new RenderException($"unknown filter '{name}'");
        }
    }

    [GeneratedRegex(@"\w+")]
    private static partial Regex Words();

    static string Text(object? value, string filter) => value switch
    {
        string s => s,
        Undefined => "",
        _ => throw new RenderException($"filter '{filter}' needs a string, got {Values.TypeName(value)}"),
    };

    /// <summary>The value at <paramref name="path"/> (<c>"a.b"</c>, integers index lists) as jinja2's attribute filters read it.</summary>
    static object? Path(Interpreter interp, object? item, object? path)
    {
        if (path is long index)
        {
            return interp.Item(item, index);
        }

        foreach (var part in Values.Str(path, interp.MaxDepth).Split('.'))
        {
            if (item is Undefined)
            {
                return item;
            }
            item = long.TryParse(part, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var i) && item is List<object?>
                ? interp.Item(item, i)
                : item is JinjaDict ? interp.Item(item, part) : interp.Attribute(item, part);
        }
        return item;
    }

    static List<object?> Map(Interpreter interp, object? value, CallArguments args)
    {
        var items = interp.Iterable(value, "map").ToList();
        if (args.Named.Any(n => n.Name == "attribute"))
        {
            var attribute = args.Get(int.MaxValue, "attribute", null);
            var otherwise = args.Get(int.MaxValue, "default", null);
            bool hasDefault = args.Has(int.MaxValue, "default");
            return items.Select(x =>
            {
                var v = Path(interp, x, attribute);
                return v is Undefined && hasDefault ? otherwise : v;
            }).ToList();
        }
        if (args.Positional.Count == 0)
        {
            throw new RenderException("map needs a filter name or attribute=");
        }

        var filter = Values.Str(args.Positional[0], interp.MaxDepth);
        if (!Names.Contains(filter))
        {
            throw new RenderException($"map: unknown filter '{filter}'");
        }
        var rest = new CallArguments(args.Positional.Skip(1).ToList(), args.Named);
        return items.Select(x => Apply(interp, filter, x, rest)).ToList();
    }

    static List<object?> Select(Interpreter interp, object? value, CallArguments args, int first, object? attribute, bool keep)
    {
        var items = interp.Iterable(value, keep ? "select" : "reject").ToList();
        string? test = args.Positional.Count > first ? Values.Str(args.Positional[first], interp.MaxDepth) : null;
        if (test is not null && !Tests.Names.Contains(test))
        {
            throw new RenderException($"unknown test '{test}'");
        }

        var testArgs = new CallArguments(args.Positional.Skip(first + 1).ToList(), args.Named.Where(n => n.Name != "attribute").ToList());
        return items.Where(x =>
        {
            interp.Iterate();
            var v = attribute is null ? x : Path(interp, x, attribute);
            bool passed = test is null ? Values.Truthy(v) : Tests.Apply(interp, test, v, testArgs);
            return passed == keep;
        }).ToList();
    }

    static object? SortKey(object? value, bool caseSensitive) =>
        !caseSensitive && value is string s ? s.ToLowerInvariant() : value;

    static List<object?> Sorted(Interpreter interp, object? value, object? attribute, bool caseSensitive)
    {
        var items = interp.Iterable(value, "sort").ToList();
        var keys = items.Select(x => SortKey(attribute is null ? x : Path(interp, x, attribute), caseSensitive)).ToList();
        var order = Enumerable.Range(0, items.Count).ToList();
        order.Sort((a, b) =>
        {
            int c = Values.Order(keys[a], keys[b], interp.MaxDepth)
                ?? throw new RenderException($"'<' not supported between instances of '{Values.TypeName(keys[a])}' and '{Values.TypeName(keys[b])}'");
            return c != 0 ? c : a.CompareTo(b);
        });
        return order.Select(i => items[i]).ToList();
    }

    static object ToInt(object? value, object? otherwise)
    {
        switch (value)
        {
            case long l: return l;
            case bool b: return b ? 1L : 0L;
            case double d when !double.IsNaN(d) && !double.IsInfinity(d) && Math.Abs(d) < 9.2e18: return (long)Math.Truncate(d);
            case string s:
                var t = s.Trim().Replace("_", "", StringComparison.Ordinal);
                if (long.TryParse(t, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var parsed))
                {
                    return parsed;
                }
                if (double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out var f) && Math.Abs(f) < 9.2e18)
                {
                    return (long)Math.Truncate(f);
                }
                break;
        }
        return otherwise ?? 0L;
    }

    static object ToFloat(object? value, object? otherwise) => value switch
    {
        double d => d,
        long or bool => Values.ToDouble(value),
        string s when double.TryParse(s.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var f) => f,
        _ => otherwise ?? 0.0,
    };

    static double Round(object? value, object? precision, string method)
    {
        if (!Values.IsNumber(value))
        {
            throw new RenderException($"round needs a number, got {Values.TypeName(value)}");
        }

        double x = Values.ToDouble(value);
        int digits = precision is long p ? (int)Math.Clamp(p, -15, 15) : 0;
        double scale = Math.Pow(10, digits);
        return method switch
        {
            "common" => digits >= 0 ? Math.Round(x, digits, MidpointRounding.ToEven) : Math.Round(x * scale, MidpointRounding.ToEven) / scale,
            "ceil" => Math.Ceiling(x * scale) / scale,
            "floor" => Math.Floor(x * scale) / scale,
            _ => throw new RenderException($"round method must be common, ceil or floor, not '{method}'"),
        };
    }

    /// <summary>jinja2's <c>indent</c>: every line but the first (unless <paramref name="first"/>), blank lines only if <paramref name="blank"/>.</summary>
    static string Indent(string s, object? width, bool first, bool blank)
    {
        string indention = width switch
        {
            string w => w,
            long n => new string(' ', (int)Math.Clamp(n, 0, 1000)),
            _ => "    ",
        };
        var lines = (s + "\n").Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n').SkipLast(1).ToList();
        var b = new StringBuilder();
        for (int i = 0; i < lines.Count; i++)
        {
            if (i > 0)
            {
                b.Append('\n');
            }
            bool indentThis = i == 0 ? first : blank || lines[i].Length > 0;
            b.Append(indentThis ? indention : "").Append(lines[i]);
        }
        return b.ToString();
    }
}
