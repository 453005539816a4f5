using System.Collections;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace RegressionGuard.Jinja.Runtime;

/// <summary>
/// The only values a template ever sees: <c>null</c> (none), <see cref="Undefined"/>, <see cref="bool"/>,
/// <see cref="long"/>, <see cref="double"/>, <see cref="string"/>, <see cref="List{T}"/> of values, <see cref="JinjaDict"/>,
/// <see cref="Namespace"/>, <see cref="LoopInfo"/> and <see cref="ICallable"/>s of this interpreter. Nothing here
/// reflects over .NET objects, so a template cannot reach anything else.
/// </summary>
static class Values
{
    /// <summary>Converts a .NET value given by the caller into template values; anything else is refused.</summary>
    public static object? From(object? value, int depth = 0)
    {
        if (depth > 100)
        {
            throw new ArgumentException("a template variable nests deeper than 100 levels");
        }

        return value switch
        {
            null => null,
            string s => s,
            bool b => b,
            int i => (long)i,
            long l => l,
            short s => (long)s,
            byte b => (long)b,
            uint u => (long)u,
            double d => d,
            float f => (double)f,
            decimal m => (double)m,
            JsonElement e => FromJson(e, depth),
            IDictionary<string, object?> d => Dict(d.Select(p => (p.Key, p.Value)), depth),
            IReadOnlyDictionary<string, object?> d => Dict(d.Select(p => (p.Key, p.Value)), depth),
            IDictionary<string, string> d => Dict(d.Select(p => (p.Key, (object?)p.Value)), depth),
            IReadOnlyDictionary<string, string> d => Dict(d.Select(p => (p.Key, (object?)p.Value)), depth),
            IEnumerable e => e.Cast<object?>().Select(x => From(x, depth + 1)).ToList(),
            _ => throw new ArgumentException($"a template variable of type {value.GetType().Name} is not supported: use strings, numbers, booleans, null, lists and string-keyed dictionaries"),
        };
    }

    static JinjaDict Dict(IEnumerable<(string Key, object? Value)> pairs, int depth)
    {
        var dict = new JinjaDict();
        foreach (var (k, v) in pairs)
        {
            dict[k] = From(v, depth + 1);
        }
        return dict;
    }

    static object? FromJson(JsonElement e, int depth) => e.ValueKind switch
    {
        JsonValueKind.String => e.GetString(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Null or JsonValueKind.Undefined => null,
        JsonValueKind.Number => e.TryGetInt64(out var l) ? (object)l : e.GetDouble(),
        JsonValueKind.Array => e.EnumerateArray().Select(x => From(x, depth + 1)).ToList(),
        _ => Dict(e.EnumerateObject().Select(p => (p.Name, (object?)p.Value)), depth),
    };

    public static bool Truthy(object? value) => value switch
    {
        null or Undefined => false,
        bool b => b,
        long l => l != 0,
        double d => d != 0,
        string s => s.Length > 0,
        List<object?> l => l.Count > 0,
        JinjaDict d => d.Count > 0,
        _ => true,
    };

    public static string TypeName(object? value) => value switch
    {
        null => "NoneType",
        Undefined => "Undefined",
        bool => "bool",
        long => "int",
        double => "float",
        string => "str",
        List<object?> => "list",
        JinjaDict => "dict",
        Namespace => "Namespace",
        LoopInfo => "LoopContext",
        _ => "function",
    };

    /// <summary>Python's <c>str()</c>, as <c>{{ }}</c> prints it (undefined prints nothing).</summary>
    public static string Str(object? value, int maxDepth) => value switch
    {
        string s => s,
        Undefined => "",
        _ => Repr(value, maxDepth, 0),
    };

    /// <summary>Python's <c>repr()</c>: quotes around strings, <c>None</c>/<c>True</c>, lists and dicts in Python syntax.</summary>
    public static string Repr(object? value, int maxDepth, int depth = 0)
    {
        CheckDepth(depth, maxDepth);
        switch (value)
        {
            case null: return "None";
            case Undefined: return "";
            case bool b: return b ? "True" : "False";
            case long l: return l.ToString(CultureInfo.InvariantCulture);
            case double d: return FloatText(d);
            case string s: return QuoteString(s);
            case Tuple tuple: return "(" + string.Join(", ", tuple.Select(x => Repr(x, maxDepth, depth + 1))) + (tuple.Count == 1 ? ",)" : ")");
            case List<object?> list: return "[" + string.Join(", ", list.Select(x => Repr(x, maxDepth, depth + 1))) + "]";
            case JinjaDict dict: return "{" + string.Join(", ", dict.Select(p => Repr(p.Key, maxDepth, depth + 1) + ": " + Repr(p.Value, maxDepth, depth + 1))) + "}";
            case Namespace: return "<Namespace>";
            case LoopInfo: return "<LoopContext>";
            case ICallable c: return $"<function {c.Name}>";
            default: return "";
        }
    }

    public static void CheckDepth(int depth, int maxDepth)
    {
        if (depth > maxDepth)
        {
            throw new LimitException($"a value nests deeper than {maxDepth} levels");
        }
    }

    static string QuoteString(string s)
    {
        char quote = s.Contains('\'', StringComparison.Ordinal) && !s.Contains('"', StringComparison.Ordinal) ? '"' : '\'';
        var b = new StringBuilder().Append(quote);
        foreach (char c in s)
        {
            switch (c)
            {
                case '\\': b.Append("\\\\"); break;
                case '\n': b.Append("\\n"); break;
                case '\r': b.Append("\\r"); break;
                case '\t': b.Append("\\t"); break;
                default:
                    if (c == quote)
                    {
                        b.Append('\\').Append(c);
                    }
                    else if (c < 0x20 || c == 0x7f)
                    {
                        b.Append("\\x").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        b.Append(c);
                    }
                    break;
            }
        }
        return b.Append(quote).ToString();
    }

    /// <summary>Python's float repr: shortest round-trip digits, <c>.0</c> on integral values, exponent from 1e16.</summary>
    public static string FloatText(double d)
    {
        if (double.IsNaN(d))
        {
            return "nan";
        }
        if (double.IsInfinity(d))
        {
            return d > 0 ? "inf" : "-inf";
        }

        double abs = Math.Abs(d);
        if (abs == 0 || (abs >= 1e-4 && abs < 1e16))
        {
            var text = d.ToString("R", CultureInfo.InvariantCulture);
            if (text.Contains('E', StringComparison.Ordinal))
            {
                text = decimal.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture);
            }
            return text.Contains('.', StringComparison.Ordinal) ? text : text + ".0";
        }

        var shortest = d.ToString("R", CultureInfo.InvariantCulture);
        int e = shortest.IndexOf('E', StringComparison.Ordinal);
        if (e < 0)
        {
            return shortest;
        }

        var mantissa = shortest[..e];
        int exponent = int.Parse(shortest[(e + 1)..], CultureInfo.InvariantCulture);
        return $"{mantissa}e{(exponent < 0 ? "-" : "+")}{Math.Abs(exponent):00}";
    }

    // ---------------------------------------------------------------- equality and order

    public static bool IsNumber(object? v) => v is long or double or bool;

    public static double ToDouble(object? v) => v switch
    {
        long l => l,
        double d => d,
        bool b => b ? 1 : 0,
        _ => throw new InvalidOperationException("not a number"),
    };

    public static bool Equal(object? a, object? b, int maxDepth, int depth = 0)
    {
        CheckDepth(depth, maxDepth);
        if (a is null || b is null)
        {
            return a is null && b is null;
        }
        if (IsNumber(a) && IsNumber(b))
        {
            return a is double || b is double ? ToDouble(a) == ToDouble(b) : ToLong(a) == ToLong(b);
        }

        switch (a)
        {
            case string s: return b is string t && string.Equals(s, t, StringComparison.Ordinal);
            case Undefined: return b is Undefined;
            case List<object?> x:
                return b is List<object?> y && x.Count == y.Count && x.Zip(y).All(p => Equal(p.First, p.Second, maxDepth, depth + 1));
            case JinjaDict x:
                return b is JinjaDict other && x.Count == other.Count
                    && x.All(p => other.TryGetValue(p.Key, out var v) && Equal(p.Value, v, maxDepth, depth + 1));
            default:
                return ReferenceEquals(a, b);
        }
    }

    public static long ToLong(object? v) => v switch
    {
        long l => l,
        bool b => b ? 1 : 0,
        _ => throw new InvalidOperationException("not an integer"),
    };

    /// <summary>Python ordering of numbers, strings (by code point) and lists; null when the types cannot be ordered.</summary>
    public static int? Order(object? a, object? b, int maxDepth, int depth = 0)
    {
        CheckDepth(depth, maxDepth);
        if (IsNumber(a) && IsNumber(b))
        {
            return a is double || b is double ? ToDouble(a).CompareTo(ToDouble(b)) : ToLong(a).CompareTo(ToLong(b));
        }
        if (a is string s && b is string t)
        {
            return Math.Sign(string.CompareOrdinal(s, t));
        }
        if (a is List<object?> x && b is List<object?> y)
        {
            for (int i = 0; i < Math.Min(x.Count, y.Count); i++)
            {
                if (!Equal(x[i], y[i], maxDepth, depth + 1))
                {
                    return Order(x[i], y[i], maxDepth, depth + 1);
                }
            }
            return x.Count.CompareTo(y.Count);
        }
        return null;
    }

    /// <summary>A string as Python sees it: a sequence of code points (an emoji is one item, not two UTF-16 units).</summary>
    public static string[] CodePoints(string s)
    {
        if (!s.Any(char.IsSurrogate))
        {
            return s.Select(c => c.ToString()).ToArray();
        }

        var items = new List<string>(s.Length);
        for (int i = 0; i < s.Length; i++)
        {
            if (char.IsHighSurrogate(s[i]) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
            {
                items.Add(s.Substring(i, 2));
                i++;
            }
            else
            {
                items.Add(s[i].ToString());
            }
        }
        return items.ToArray();
    }

    public static int Length(string s) => s.Any(char.IsSurrogate) ? CodePoints(s).Length : s.Length;
}

/// <summary>A Python tuple: a list that prints with parentheses (<c>items()</c> pairs, <c>(a, b)</c> literals).</summary>
sealed class Tuple : List<object?>
{
    public Tuple(IEnumerable<object?> items) : base(items) { }
}

/// <summary>jinja2's default <c>Undefined</c>: prints as nothing, is false, iterates as empty; using it otherwise is an error.</summary>
sealed class Undefined
{
    public Undefined(string hint) => Hint = hint;

    /// <summary>What was undefined, for the error message ("'x' is undefined").</summary>
    public string Hint { get; }
}

/// <summary>A dictionary with Python key equality (1 == 1.0 == True) that keeps insertion order.</summary>
sealed class JinjaDict : IEnumerable<KeyValuePair<object, object?>>
{
    readonly OrderedDictionary<object, object?> _items = new(KeyComparer.Instance);

    public int Count => _items.Count;

    public object? this[object key]
    {
        get => _items[key];
        set => _items[key] = value;
    }

    public bool TryGetValue(object key, out object? value) => _items.TryGetValue(key, out value);

    public bool ContainsKey(object key) => _items.ContainsKey(key);

    public IEnumerable<object> Keys => _items.Keys;

    public IEnumerable<object?> ValuesInOrder => _items.Values;

    public IEnumerator<KeyValuePair<object, object?>> GetEnumerator() => _items.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    sealed class KeyComparer : IEqualityComparer<object>
    {
        public static readonly KeyComparer Instance = new();

        public new bool Equals(object? x, object? y) => Values.Equal(x, y, 100);

        public int GetHashCode(object obj) => obj switch
        {
            string s => StringComparer.Ordinal.GetHashCode(s),
            long or bool => Values.ToLong(obj).GetHashCode(),
            double d => d == Math.Floor(d) && Math.Abs(d) < 9e18 ? ((long)d).GetHashCode() : d.GetHashCode(),
            _ => 0,
        };
    }
}

/// <summary><c>namespace(...)</c>: the one object whose attributes a template may assign (<c>{% set ns.x = 1 %}</c>).</summary>
sealed class Namespace
{
    public OrderedDictionary<string, object?> Attributes { get; } = new(StringComparer.Ordinal);
}

/// <summary>The <c>loop</c> variable of a for loop.</summary>
sealed class LoopInfo
{
    public LoopInfo(List<object?> items) => Items = items;

    public List<object?> Items { get; }

    public int Index0 { get; set; }

    public object? Attribute(string name) => name switch
    {
        "index" => (long)Index0 + 1,
        "index0" => (long)Index0,
        "revindex" => (long)(Items.Count - Index0),
        "revindex0" => (long)(Items.Count - Index0 - 1),
        "first" => Index0 == 0,
        "last" => Index0 == Items.Count - 1,
        "length" => (long)Items.Count,
        "depth" => 1L,
        "depth0" => 0L,
        "previtem" => Index0 > 0 ? Items[Index0 - 1] : new Undefined("loop.previtem"),
        "nextitem" => Index0 < Items.Count - 1 ? Items[Index0 + 1] : new Undefined("loop.nextitem"),
        "cycle" => new BuiltinFunction("loop.cycle", (_, args, _) =>
            args.Positional.Count == 0 ? throw new RenderException("loop.cycle() needs at least one value") : args.Positional[Index0 % args.Positional.Count]),
        _ => new Undefined($"loop.{name}"),
    };
}

/// <summary>Anything a template can call: built-in functions, bound methods of values, macros.</summary>
interface ICallable
{
    string Name { get; }
}

/// <summary>Evaluated call arguments.</summary>
sealed record CallArguments(IReadOnlyList<object?> Positional, IReadOnlyList<(string Name, object? Value)> Named)
{
    public object? Get(int position, string name, object? otherwise)
    {
        if (position < Positional.Count)
        {
            return Positional[position];
        }
        foreach (var (n, v) in Named)
        {
            if (n == name)
            {
                return v;
            }
        }
        return otherwise;
    }

    public bool Has(int position, string name) => position < Positional.Count || Named.Any(n => n.Name == name);
}

sealed class BuiltinFunction : ICallable
{
    public BuiltinFunction(string name, Func<Interpreter, CallArguments, int, object?> body)
    {
        Name = name;
        Body = body;
    }

    public string Name { get; }

    /// <summary>(interpreter, arguments, call offset) → result.</summary>
    public Func<Interpreter, CallArguments, int, object?> Body { get; }
}

/// <summary>A runtime error without a position yet: the interpreter adds the line:col of the expression.</summary>
sealed class RenderException : Exception
{
    public RenderException(string message) : base(message) { }
}

/// <summary>A limit hit while evaluating; the interpreter adds the line:col.</summary>
sealed class LimitException : Exception
{
    public LimitException(string message) : base(message) { }
}
