namespace RegressionGuard.Jinja.Runtime;

/// <summary>jinja2's tests (<c>x is defined</c>, <c>x is divisibleby 3</c>, ...).</summary>
static class Tests
{
    public static readonly IReadOnlySet<string> Names = new HashSet<string>(StringComparer.Ordinal)
    {
        "defined", "undefined", "none", "boolean", "true", "false", "string", "number", "integer", "float", "mapping",
        "iterable", "sequence", "callable", "equalto", "eq", "==", "ne", "!=", "lt", "<", "le", "<=", "gt", ">", "ge", ">=",
        "lessthan", "greaterthan", "in", "odd", "even", "divisibleby", "sameas", "lower", "upper", "filter", "test",
    };

    public static bool Apply(Interpreter interp, string name, object? value, CallArguments args)
    {
        object? Arg() => args.Positional.Count > 0 ? args.Positional[0] : args.Named.Count > 0 ? args.Named[0].Value
            : throw new RenderException($"test '{name}' needs an argument");

        switch (name)
        {
            case "defined": return value is not Undefined;
            case "undefined": return value is Undefined;
            case "none": return value is null;
            case "boolean": return value is bool;
            case "true": return value is true;
            case "false": return value is false;
            case "string": return value is string;
            case "number": return value is long or double or bool;
            case "integer": return value is long;
            case "float": return value is double;
            case "mapping": return value is JinjaDict;
            case "iterable": return value is List<object?> or JinjaDict or string or Undefined;
            case "sequence": return value is List<object?> or JinjaDict or string;
            case "callable": return value is ICallable;
            case "filter": return value is string f && Filters.Names.Contains(f);
            case "test": return value is string t && Names.Contains(t);
            case "lower": return value is string l && string.Equals(l, l.ToLowerInvariant(), StringComparison.Ordinal);
            case "upper": return value is string u && string.Equals(u, u.ToUpperInvariant(), StringComparison.Ordinal);
            case "sameas":
                var other = Arg();
                return value is null or bool ? Values.Equal(value, other, interp.MaxDepth) && value?.GetType() == other?.GetType() : ReferenceEquals(value, other);
            case "odd" or "even":
                if (value is not (long or bool))
                {
                    throw new RenderException($"test '{name}' needs an integer, got {Values.TypeName(value)}");
                }
                return (Values.ToLong(value) % 2 != 0) == (name == "odd");
            case "divisibleby":
                var divisor = Arg();
                if (!Values.IsNumber(value) || !Values.IsNumber(divisor))
                {
                    throw new RenderException("test 'divisibleby' needs numbers");
                }
                if (Values.ToDouble(divisor) == 0)
                {
                    throw new RenderException("divisibleby 0");
                }
                return value is double || divisor is double
                    ? Values.ToDouble(value) % Values.ToDouble(divisor) == 0
                    : Values.ToLong(value) % Values.ToLong(divisor) == 0;
            case "in":
                return interp.Contains(Arg(), value);
            case "equalto" or "eq" or "==": return Values.Equal(value, Arg(), interp.MaxDepth);
            case "ne" or "!=": return !Values.Equal(value, Arg(), interp.MaxDepth);
            default:
                var b = Arg();
                int order = Values.Order(value, b, interp.MaxDepth)
                    ?? throw new RenderException($"test '{name}' cannot compare {Values.TypeName(value)} and {Values.TypeName(b)}");
                return name switch
                {
                    "lt" or "<" or "lessthan" => order < 0,
                    "le" or "<=" => order <= 0,
                    "gt" or ">" or "greaterthan" => order > 0,
                    _ => order >= 0,
                };
        }
    }
}
