using System.Runtime.CompilerServices;
using System.Text;
using RegressionGuard.Jinja.Parsing;

namespace RegressionGuard.Jinja.Runtime;

sealed partial class Interpreter
{
    public object? Eval(Expr expr, Scope scope)
    {
        try
        {
            return EvalCore(expr, scope);
        }
        catch (Exception e) when (e is not JinjaException && e is not InsufficientExecutionStackException)
        {
            throw At(expr, e);
        }
    }

    object? EvalCore(Expr expr, Scope scope)
    {
        RuntimeHelpers.EnsureSufficientExecutionStack();
        switch (expr)
        {
            case LiteralExpr l:
                return l.Value;
            case NameExpr n:
                return scope.Lookup(n.Name);
            case ListExpr list:
                Built(list.Items.Count);
                var values = list.Items.Select(i => Eval(i, scope));
                return list.IsTuple ? new Tuple(values) : values.ToList();
            case DictExpr d:
                var dict = new JinjaDict();
                foreach (var (k, v) in d.Pairs)
                {
                    dict[Key(Eval(k, scope))] = Eval(v, scope);
                }
                Built(dict.Count);
                return dict;
            case AttributeExpr a:
                return Attribute(Eval(a.Target, scope), a.Name);
            case IndexExpr i:
                return Item(Eval(i.Target, scope), Eval(i.Index, scope));
            case SliceExpr s:
                return Slice(Eval(s.Target, scope), Optional(s.Start, scope), Optional(s.Stop, scope), Optional(s.Step, scope));
            case CallExpr c:
                var callee = Eval(c.Callee, scope);
                return Invoke(callee, EvalArguments(c.Arguments, scope), c);
            case FilterExpr f:
                return Filters.Apply(this, f.Name, Eval(f.Value, scope), EvalArguments(f.Arguments, scope));
            case TestExpr t:
                var result = Tests.Apply(this, t.Name, Eval(t.Value, scope), EvalArguments(t.Arguments, scope));
                return t.Negated ? !result : result;
            case UnaryExpr u:
                return Unary(u.Operator, Eval(u.Operand, scope));
            case BinaryExpr b when b.Operator == "and":
                var left = Eval(b.Left, scope);
                return Values.Truthy(left) ? Eval(b.Right, scope) : left;
            case BinaryExpr b when b.Operator == "or":
                var first = Eval(b.Left, scope);
                return Values.Truthy(first) ? first : Eval(b.Right, scope);
            case BinaryExpr b:
                return Binary(b.Operator, Eval(b.Left, scope), Eval(b.Right, scope));
            case CompareExpr c:
                var current = Eval(c.First, scope);
                foreach (var (op, operand) in c.Rest)
                {
                    var next = Eval(operand, scope);
                    if (!Compare(op, current, next))
                    {
                        return false;
                    }
                    current = next;
                }
                return true;
            case ConditionalExpr c:
                return Values.Truthy(Eval(c.Condition, scope)) ? Eval(c.Then, scope)
                    : c.Else is null ? new Undefined("the conditional expression has no else branch") : Eval(c.Else, scope);
            default:
                throw new RenderException($"unknown expression {expr.GetType().Name}");
        }
    }

    object? Optional(Expr? e, Scope scope) => e is null ? null : Eval(e, scope);

    /// <summary>A value usable as a dictionary key (strings, numbers, booleans).</summary>
    public static object Key(object? value) => value switch
    {
        string or long or double or bool => value,
        _ => throw new RenderException($"unhashable type: '{Values.TypeName(value)}' cannot be a dictionary key"),
    };

    // ---------------------------------------------------------------- attributes and items

    /// <summary><c>x.name</c>: whitelisted methods of strings, dicts and lists, then dict keys; anything else is undefined.</summary>
    public object? Attribute(object? target, string name)
    {
        switch (target)
        {
            case Undefined u:
                throw new RenderException(u.Hint);
            case JinjaDict d:
                if (Methods.IsDictMethod(name))
                {
                    return Methods.Bind(d, name);
                }
                return d.TryGetValue(name, out var v) ? v : new Undefined($"'dict object' has no attribute '{name}'");
            case string s when Methods.IsStringMethod(name):
                return Methods.Bind(s, name);
            case List<object?> l when Methods.IsListMethod(name):
                return Methods.Bind(l, name);
            case Namespace ns:
                return ns.Attributes.TryGetValue(name, out var a) ? a : new Undefined($"'Namespace object' has no attribute '{name}'");
            case LoopInfo loop:
                return loop.Attribute(name);
            default:
                return new Undefined($"'{Values.TypeName(target)} object' has no attribute '{name}'");
        }
    }

    /// <summary><c>x[key]</c>: dict keys, list and string positions (negative from the end); missing is undefined.</summary>
    public object? Item(object? target, object? key)
    {
        switch (target)
        {
            case Undefined u:
                throw new RenderException(u.Hint);
            case JinjaDict d:
                if (key is Undefined or null or List<object?> or JinjaDict)
                {
                    return new Undefined($"'dict object' has no attribute '{Values.Str(key, MaxDepth)}'");
                }
                if (d.TryGetValue(Key(key), out var v))
                {
                    return v;
                }
                return key is string name && Methods.IsDictMethod(name) ? Methods.Bind(d, name) : new Undefined($"'dict object' has no attribute '{Values.Str(key, MaxDepth)}'");
            case List<object?> l when key is long or bool:
                var i = Normalize(Values.ToLong(key), l.Count);
                return i is int index ? l[index] : new Undefined($"list index {Values.ToLong(key)} out of range");
            case string s when key is long or bool:
                var points = Values.CodePoints(s);
                var j = Normalize(Values.ToLong(key), points.Length);
                return j is int at ? points[at] : new Undefined($"string index {Values.ToLong(key)} out of range");
            case List<object?> or string:
                throw new RenderException($"{Values.TypeName(target)} indices must be integers, not {Values.TypeName(key)}");
            case Namespace or LoopInfo when key is string attribute:
                return Attribute(target, attribute);
            default:
                return new Undefined($"'{Values.TypeName(target)} object' has no item '{Values.Str(key, MaxDepth)}'");
        }
    }

    static int? Normalize(long index, int count)
    {
        if (index < 0)
        {
            index += count;
        }
        return index >= 0 && index < count ? (int)index : null;
    }

    /// <summary>Python slicing <c>[start:stop:step]</c> of lists and strings, negative indices and steps included.</summary>
    public object? Slice(object? target, object? start, object? stop, object? step)
    {
        long? Bound(object? v, string what) => v switch
        {
            null => null,
            long or bool => Values.ToLong(v),
            _ => throw new RenderException($"slice {what} must be an integer or none, not {Values.TypeName(v)}"),
        };
        long s = Bound(step, "step") ?? 1;
        if (s == 0)
        {
            throw new RenderException("slice step cannot be zero");
        }

        switch (target)
        {
            case List<object?> list:
                return SliceIndices(list.Count, Bound(start, "start"), Bound(stop, "stop"), s).Select(i => list[i]).ToList();
            case string text:
                var points = Values.CodePoints(text);
                return string.Concat(SliceIndices(points.Length, Bound(start, "start"), Bound(stop, "stop"), s).Select(i => points[i]));
            case Undefined u:
                throw new RenderException(u.Hint);
            default:
                throw new RenderException($"'{Values.TypeName(target)}' object is not subscriptable");
        }
    }

    static IEnumerable<int> SliceIndices(int length, long? start, long? stop, long step)
    {
        long Adjust(long? value, long otherwise)
        {
            if (value is not long v)
            {
                return otherwise;
            }
            if (v < 0)
            {
                v += length;
                return v < 0 ? (step < 0 ? -1 : 0) : v;
            }
            return v >= length ? (step < 0 ? length - 1 : length) : v;
        }

        long from = Adjust(start, step < 0 ? length - 1 : 0);
        long to = Adjust(stop, step < 0 ? -1 : length);
        if (step > 0)
        {
            for (long i = from; i < to; i += step)
            {
                yield return (int)i;
            }
        }
        else
        {
            for (long i = from; i > to; i += step)
            {
                yield return (int)i;
            }
        }
    }

    // ---------------------------------------------------------------- operators

    static object? Unary(string op, object? value)
    {
        if (op == "not")
        {
            return !Values.Truthy(value);
        }
        return value switch
        {
            long l when op == "-" => checked(-l),
            double d when op == "-" => -d,
            bool b when op == "-" => b ? -1L : 0L,
            long or double => value,
            bool b => b ? 1L : 0L,
            Undefined u => throw new RenderException(u.Hint),
            _ => throw new RenderException($"bad operand type for unary {op}: '{Values.TypeName(value)}'"),
        };
    }

    object? Binary(string op, object? a, object? b)
    {
        if (op == "~")
        {
            var text = Values.Str(a, MaxDepth) + Values.Str(b, MaxDepth);
            Built(text.Length);
            return text;
        }
        if (a is Undefined ua)
        {
            throw new RenderException(ua.Hint);
        }
        if (b is Undefined ub)
        {
            throw new RenderException(ub.Hint);
        }

        if (Values.IsNumber(a) && Values.IsNumber(b))
        {
            return Arithmetic(op, a!, b!);
        }

        switch (op)
        {
            case "+" when a is string s && b is string t:
                Built(s.Length + (long)t.Length);
                return s + t;
            case "+" when a is List<object?> x && b is List<object?> y:
                Built(x.Count + (long)y.Count);
                return x.Concat(y).ToList();
            case "*" when a is string s && b is long or bool:
                return Repeat(s, Values.ToLong(b));
            case "*" when b is string s && a is long or bool:
                return Repeat(s, Values.ToLong(a));
            case "*" when a is List<object?> x && b is long or bool:
                return RepeatList(x, Values.ToLong(b));
            case "*" when b is List<object?> x && a is long or bool:
                return RepeatList(x, Values.ToLong(a));
            case "%" when a is string:
                throw new RenderException("printf-style '%' formatting of strings is not supported; use '~' or the format of a filter");
            default:
                throw new RenderException($"unsupported operand type(s) for {op}: '{Values.TypeName(a)}' and '{Values.TypeName(b)}'");
        }
    }

    string Repeat(string s, long count)
    {
        if (count <= 0)
        {
            return "";
        }

        Built(s.Length * Math.Min(count, int.MaxValue));
        return new StringBuilder(s.Length * (int)count).Insert(0, s, (int)count).ToString();
    }

    List<object?> RepeatList(List<object?> list, long count)
    {
        if (count <= 0)
        {
            return new List<object?>();
        }

        Built(list.Count * Math.Min(count, int.MaxValue));
        var result = new List<object?>();
        for (long i = 0; i < count; i++)
        {
            result.AddRange(list);
        }
        return result;
    }

    static object Arithmetic(string op, object a, object b)
    {
        if (a is not double && b is not double)
        {
            long x = Values.ToLong(a), y = Values.ToLong(b);
            switch (op)
            {
                case "+": return checked(x + y);
                case "-": return checked(x - y);
                case "*": return checked(x * y);
                case "/":
                    return y == 0 ? throw new RenderException("division by zero") : (double)x / y;
                case "//":
                    if (y == 0)
                    {
                        throw new RenderException("integer division by zero");
                    }
                    long q = x / y;
                    return (x % y != 0) && ((x < 0) != (y < 0)) ? q - 1 : q;
                case "%":
                    if (y == 0)
                    {
                        throw new RenderException("integer modulo by zero");
                    }
                    long r = x % y;
                    return r != 0 && ((r < 0) != (y < 0)) ? r + y : r;
                case "**":
                    if (y < 0)
                    {
                        return Math.Pow(x, y);
                    }
                    long result = 1, power = x;
                    for (long e = y; e > 0;)
                    {
                        if ((e & 1) == 1)
                        {
                            result = checked(result * power);
                        }
                        e >>= 1;
                        if (e > 0)
                        {
                            power = checked(power * power);
                        }
                    }
                    return result;
            }
        }

        double p = Values.ToDouble(a), d = Values.ToDouble(b);
        return op switch
        {
            "+" => p + d,
            "-" => p - d,
            "*" => p * d,
            "/" => d == 0 ? throw new RenderException("float division by zero") : p / d,
            "//" => d == 0 ? throw new RenderException("float floor division by zero") : Math.Floor(p / d),
            "%" => d == 0 ? throw new RenderException("float modulo") : p - d * Math.Floor(p / d),
            "**" => Math.Pow(p, d),
            _ => throw new RenderException($"unknown operator {op}"),
        };
    }

    bool Compare(string op, object? a, object? b)
    {
        switch (op)
        {
            case "==": return Values.Equal(a, b, MaxDepth);
            case "!=": return !Values.Equal(a, b, MaxDepth);
            case "in": return Contains(b, a);
            case "not in": return !Contains(b, a);
        }

        if (a is Undefined ua)
        {
            throw new RenderException(ua.Hint);
        }
        if (b is Undefined ub)
        {
            throw new RenderException(ub.Hint);
        }

        int order = Values.Order(a, b, MaxDepth)
            ?? throw new RenderException($"'{op}' not supported between instances of '{Values.TypeName(a)}' and '{Values.TypeName(b)}'");
        return op switch
        {
            "<" => order < 0,
            "<=" => order <= 0,
            ">" => order > 0,
            _ => order >= 0,
        };
    }

    /// <summary>Python <c>in</c>: substring of a string, item of a list, key of a dict; nothing is in undefined.</summary>
    public bool Contains(object? container, object? item)
    {
        switch (container)
        {
            case string s:
                return item is string t ? s.Contains(t, StringComparison.Ordinal)
                    : item is Undefined u ? throw new RenderException(u.Hint)
                    : throw new RenderException($"'in <string>' requires string as left operand, not {Values.TypeName(item)}");
            case List<object?> list:
                return list.Any(x => Values.Equal(x, item, MaxDepth));
            case JinjaDict dict:
                return item is string or long or double or bool && dict.ContainsKey(item);
            case Undefined:
                return false;
            default:
                throw new RenderException($"argument of type '{Values.TypeName(container)}' is not iterable");
        }
    }
}
