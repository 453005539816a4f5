using System.Globalization;
using System.Text;

namespace RegressionGuard.Jinja.Runtime;

/// <summary>
/// Python's <c>json.dumps</c> as transformers' <c>tojson</c> filter calls it: <c>ensure_ascii=False</c>,
/// <c>sort_keys=False</c>, separators <c>", "</c> and <c>": "</c> (<c>","</c> between items when indenting).
/// </summary>
static class Json
{
    public static string Dumps(object? value, int? indent, int maxDepth)
    {
        var b = new StringBuilder();
        Write(b, value, indent, 0, maxDepth);
        return b.ToString();
    }

    static void Write(StringBuilder b, object? value, int? indent, int depth, int maxDepth)
    {
        Values.CheckDepth(depth, maxDepth);
        switch (value)
        {
            case null: b.Append("null"); break;
            case bool v: b.Append(v ? "true" : "false"); break;
            case long l: b.Append(l.ToString(CultureInfo.InvariantCulture)); break;
            case double d:
                b.Append(double.IsNaN(d) ? "NaN" : double.IsInfinity(d) ? (d > 0 ? "Infinity" : "-Infinity") : Values.FloatText(d));
                break;
            case string s: Quote(b, s); break;
            case List<object?> list:
                Container(b, '[', ']', list.Count, indent, depth, i => Write(b, list[i], indent, depth + 1, maxDepth));
                break;
            case JinjaDict dict:
                var pairs = dict.ToList();
                Container(b, '{', '}', pairs.Count, indent, depth, i =>
                {
                    Quote(b, KeyText(pairs[i].Key));
                    b.Append(": ");
                    Write(b, pairs[i].Value, indent, depth + 1, maxDepth);
                });
                break;
            case Undefined u:
                throw new RenderException($"tojson: {u.Hint}");
            default:
                throw new RenderException($"Object of type {Values.TypeName(value)} is not JSON serializable");
        }
    }

    static string KeyText(object key) => key switch
    {
        string s => s,
        bool v => v ? "true" : "false",
        long l => l.ToString(CultureInfo.InvariantCulture),
        double d => Values.FloatText(d),
        _ => "null",
    };

    static void Container(StringBuilder b, char open, char close, int count, int? indent, int depth, Action<int> item)
    {
        b.Append(open);
        if (count == 0)
        {
            b.Append(close);
            return;
        }

        for (int i = 0; i < count; i++)
        {
            if (indent is int n)
            {
                b.Append(i > 0 ? "," : "").Append('\n').Append(' ', n * (depth + 1));
            }
            else if (i > 0)
            {
                b.Append(", ");
            }
            item(i);
        }
        if (indent is int m)
        {
            b.Append('\n').Append(' ', m * depth);
        }
        b.Append(close);
    }

    static void Quote(StringBuilder b, string s)
    {
        b.Append('"');
        foreach (char c in s)
        {
            switch (c)
            {
                case '"': b.Append("\\\""); break;
                case '\\': b.Append("\\\\"); break;
                case '\n': b.Append("\\n"); break;
                case '\r': b.Append("\\r"); break;
                case '\t': b.Append("\\t"); break;
                case '\b': b.Append("\\b"); break;
                case '\f': b.Append("\\f"); break;
                default:
                    if (c < 0x20)
                    {
                        b.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        b.Append(c);
                    }
                    break;
            }
        }
        b.Append('"');
    }
}
