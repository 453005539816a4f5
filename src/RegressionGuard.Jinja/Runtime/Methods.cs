using System.Globalization;
using System.Text;

namespace RegressionGuard.Jinja.Runtime;

/// <summary>
/// The whitelisted methods of values, with Python's semantics. Nothing that mutates a value is offered
/// (transformers renders in jinja2's <c>ImmutableSandboxedEnvironment</c>).
/// </summary>
static class Methods
{
    static readonly HashSet<string> StringMethods = new(StringComparer.Ordinal)
    {
        "strip", "lstrip", "rstrip", "split", "rsplit", "splitlines", "startswith", "endswith", "upper", "lower", "title",
        "capitalize", "replace", "find", "rfind", "count", "join", "isdigit", "isalpha", "isalnum", "isspace", "isupper",
        "islower", "removeprefix", "removesuffix",
    };

    static readonly HashSet<string> DictMethods = new(StringComparer.Ordinal) { "get", "items", "keys", "values" };

    static readonly HashSet<string> ListMethods = new(StringComparer.Ordinal) { "index", "count" };

    public static bool IsStringMethod(string name) => StringMethods.Contains(name);

    public static bool IsDictMethod(string name) => DictMethods.Contains(name);

    public static bool IsListMethod(string name) => ListMethods.Contains(name);

    public static BuiltinFunction Bind(string s, string name) => new($"str.{name}", (interp, args, _) => CallString(interp, s, name, args));

    public static BuiltinFunction Bind(JinjaDict d, string name) => new($"dict.{name}", (interp, args, _) => name switch
    {
        "get" => args.Positional.Count == 0 ? throw new RenderException("get() needs a key")
            : d.TryGetValue(Interpreter.Key(args.Positional[0]), out var v) ? v : args.Get(1, "default", null),
        "items" => Items(interp, d),
        "keys" => d.Keys.Cast<object?>().ToList(),
        _ => d.ValuesInOrder.ToList(),
    });

    public static BuiltinFunction Bind(List<object?> list, string name) => new($"list.{name}", (interp, args, _) =>
    {
        var item = args.Get(0, "value", null);
        if (name == "count")
        {
            return (long)list.Count(x => Values.Equal(x, item, interp.MaxDepth));
        }
        int i = list.FindIndex(x => Values.Equal(x, item, interp.MaxDepth));
        return i >= 0 ? (long)i : throw new RenderException($"{Values.Repr(item, interp.MaxDepth)} is not in list");
    });

    public static List<object?> Items(Interpreter interp, JinjaDict d)
    {
        interp.Built(d.Count);
        return d.Select(p => (object?)new Tuple(new[] { p.Key, p.Value })).ToList();
    }

    static string Text(object? value, string method, string what) => value switch
    {
        string s => s,
        Undefined u => throw new RenderException(u.Hint),
        _ => throw new RenderException($"{method}() {what} must be a string, not {Values.TypeName(value)}"),
    };

    static object? CallString(Interpreter interp, string s, string name, CallArguments args)
    {
        switch (name)
        {
            case "strip": return Strip(s, args.Get(0, "chars", null), true, true);
            case "lstrip": return Strip(s, args.Get(0, "chars", null), true, false);
            case "rstrip": return Strip(s, args.Get(0, "chars", null), false, true);
            case "split": return Split(interp, s, args.Get(0, "sep", null), args.Get(1, "maxsplit", -1L), fromRight: false);
            case "rsplit": return Split(interp, s, args.Get(0, "sep", null), args.Get(1, "maxsplit", -1L), fromRight: true);
            case "splitlines": return s.Split('\n').Select(l => (object?)l.TrimEnd('\r')).Take(s.EndsWith('\n') ? s.Split('\n').Length - 1 : int.MaxValue).ToList();
            case "startswith": return Affixes(args.Get(0, "prefix", null), "startswith").Any(p => s.StartsWith(p, StringComparison.Ordinal));
            case "endswith": return Affixes(args.Get(0, "suffix", null), "endswith").Any(p => s.EndsWith(p, StringComparison.Ordinal));
            case "upper": return s.ToUpperInvariant();
            case "lower": return s.ToLowerInvariant();
            case "title": return Title(s);
            case "capitalize": return Capitalize(s);
            case "replace":
                return Replace(interp, s, Text(args.Get(0, "old", null), name, "old"), Text(args.Get(1, "new", null), name, "new"), args.Get(2, "count", -1L));
            case "find": return (long)s.IndexOf(Text(args.Get(0, "sub", null), name, "sub"), StringComparison.Ordinal);
            case "rfind": return (long)s.LastIndexOf(Text(args.Get(0, "sub", null), name, "sub"), StringComparison.Ordinal);
            case "count":
                var sub = Text(args.Get(0, "sub", null), name, "sub");
                return sub.Length == 0 ? (long)s.Length + 1 : (long)((s.Length - s.Replace(sub, "", StringComparison.Ordinal).Length) / sub.Length);
            case "join":
                var joined = string.Join(s, interp.Iterable(args.Get(0, "iterable", null), "join").Select(x => Text(x, name, "item")));
                interp.Built(joined.Length);
                return joined;
            case "isdigit": return s.Length > 0 && s.All(char.IsDigit);
            case "isalpha": return s.Length > 0 && s.All(char.IsLetter);
            case "isalnum": return s.Length > 0 && s.All(char.IsLetterOrDigit);
            case "isspace": return s.Length > 0 && s.All(char.IsWhiteSpace);
            case "isupper": return s.Any(char.IsLetter) && !s.Any(char.IsLower);
            case "islower": return s.Any(char.IsLetter) && !s.Any(char.IsUpper);
            case "removeprefix":
                var prefix = Text(args.Get(0, "prefix", null), name, "prefix");
                return s.StartsWith(prefix, StringComparison.Ordinal) ? s[prefix.Length..] : s;
            default:
                var suffix = Text(args.Get(0, "suffix", null), name, "suffix");
                return suffix.Length > 0 && s.EndsWith(suffix, StringComparison.Ordinal) ? s[..^suffix.Length] : s;
        }
    }

    static IEnumerable<string> Affixes(object? value, string method) => value switch
    {
        string s => new[] { s },
        List<object?> list => list.Select(x => Text(x, method, "item")),
        _ => throw new RenderException($"{method}() argument must be a string or a tuple of strings, not {Values.TypeName(value)}"),
    };

    /// <summary>Python <c>str.strip</c>: whitespace, or any of the given characters.</summary>
    public static string Strip(string s, object? chars, bool left, bool right)
    {
        if (chars is null or Undefined)
        {
            return left && right ? s.Trim() : left ? s.TrimStart() : s.TrimEnd();
        }

        var set = Text(chars, "strip", "chars").ToCharArray();
        return left && right ? s.Trim(set) : left ? s.TrimStart(set) : s.TrimEnd(set);
    }

    static List<object?> Split(Interpreter interp, string s, object? sep, object? maxSplit, bool fromRight)
    {
        long max = maxSplit is long m ? m : -1;
        string? separator = sep is null ? null : Text(sep, fromRight ? "rsplit" : "split", "sep");
        if (separator is { Length: 0 })
        {
            throw new RenderException("empty separator");
        }

        // rsplit is split on the reversed text with the reversed separator, each part reversed back.
        List<string> parts = fromRight
            ? SplitLeft(Reverse(s), separator is null ? null : Reverse(separator), max).Select(Reverse).Reverse().ToList()
            : SplitLeft(s, separator, max);
        interp.Built(parts.Count);
        return parts.Cast<object?>().ToList();
    }

    static string Reverse(string s)
    {
        var chars = s.ToCharArray();
        Array.Reverse(chars);
        return new string(chars);
    }

    /// <summary>Python <c>str.split</c>: on a separator, or on runs of whitespace (no empty parts) when none is given.</summary>
    static List<string> SplitLeft(string s, string? separator, long max)
    {
        if (separator is not null)
        {
            var all = s.Split(separator);
            return max >= 0 && all.Length > max + 1
                ? all.Take((int)max).Append(string.Join(separator, all.Skip((int)max))).ToList()
                : all.ToList();
        }

        var parts = new List<string>();
        int i = 0;
        while (true)
        {
            while (i < s.Length && char.IsWhiteSpace(s[i]))
            {
                i++;
            }
            if (i >= s.Length)
            {
                return parts;
            }
            if (max >= 0 && parts.Count == max)
            {
                parts.Add(s[i..]);
                return parts;
            }

            int j = i;
            while (j < s.Length && !char.IsWhiteSpace(s[j]))
            {
                j++;
            }
            parts.Add(s[i..j]);
            i = j;
        }
    }

    /// <summary>Python <c>str.replace</c>, all occurrences or the first <paramref name="count"/>.</summary>
    public static string Replace(Interpreter interp, string s, string old, string replacement, object? count)
    {
        long max = count is long c ? c : -1;
        string result;
        if (max < 0)
        {
            result = old.Length == 0
                ? replacement + string.Concat(Values.CodePoints(s).Select(p => p + replacement))
                : s.Replace(old, replacement, StringComparison.Ordinal);
        }
        else
        {
            var b = new StringBuilder();
            int pos = 0;
            for (long n = 0; n < max; n++)
            {
                int i = s.IndexOf(old, pos, StringComparison.Ordinal);
                if (i < 0 || old.Length == 0)
                {
                    break;
                }
                b.Append(s, pos, i - pos).Append(replacement);
                pos = i + old.Length;
            }
            result = b.Append(s, pos, s.Length - pos).ToString();
        }
        interp.Built(result.Length);
        return result;
    }

    /// <summary>Python <c>str.title</c>: upper case after any non-letter, lower case elsewhere.</summary>
    public static string Title(string s)
    {
        var b = new StringBuilder(s.Length);
        bool previousCased = false;
        foreach (char c in s)
        {
            b.Append(previousCased ? char.ToLowerInvariant(c) : char.ToUpperInvariant(c));
            previousCased = char.IsLetter(c);
        }
        return b.ToString();
    }

    public static string Capitalize(string s) =>
        s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..].ToLowerInvariant();

    /// <summary>Python's <c>datetime.strftime</c> for the codes chat templates use (glibc's <c>%-d</c> style included).</summary>
    public static string Strftime(DateTimeOffset time, string format)
    {
        var c = CultureInfo.InvariantCulture;
        var b = new StringBuilder();
        for (int i = 0; i < format.Length; i++)
        {
            if (format[i] != '%' || i + 1 >= format.Length)
            {
                b.Append(format[i]);
                continue;
            }

            bool noPad = format[i + 1] == '-' && i + 2 < format.Length;
            char code = noPad ? format[i + 2] : format[i + 1];
            i += noPad ? 2 : 1;
            string Pad(int value, int width) => noPad ? value.ToString(c) : value.ToString(new string('0', width), c);
            b.Append(code switch
            {
                'Y' => time.Year.ToString(c),
                'y' => Pad(time.Year % 100, 2),
                'm' => Pad(time.Month, 2),
                'd' => Pad(time.Day, 2),
                'e' => time.Day.ToString(c).PadLeft(2),
                'H' => Pad(time.Hour, 2),
                'I' => Pad(time.Hour % 12 == 0 ? 12 : time.Hour % 12, 2),
                'M' => Pad(time.Minute, 2),
                'S' => Pad(time.Second, 2),
                'p' => time.Hour < 12 ? "AM" : "PM",
                'B' => c.DateTimeFormat.GetMonthName(time.Month),
                'b' or 'h' => c.DateTimeFormat.GetAbbreviatedMonthName(time.Month),
                'A' => c.DateTimeFormat.GetDayName(time.DayOfWeek),
                'a' => c.DateTimeFormat.GetAbbreviatedDayName(time.DayOfWeek),
                'j' => Pad(time.DayOfYear, 3),
                'Z' => time.Offset == TimeSpan.Zero ? "UTC" : "",
                'z' => (time.Offset < TimeSpan.Zero ? "-" : "+") + time.Offset.ToString("hhmm", c),
                '%' => "%",
                _ => throw new RenderException($"strftime code '%{code}' is not supported"),
            });
        }
        return b.ToString();
    }
}
