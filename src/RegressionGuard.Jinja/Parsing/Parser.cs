using System.Globalization;
using RegressionGuard.Jinja.Lexing;
using RegressionGuard.Jinja.Runtime;

namespace RegressionGuard.Jinja.Parsing;

/// <summary>
/// Tokens → syntax tree, with jinja2's precedence: conditional, or, and, not, comparisons (<c>in</c>, <c>not in</c>),
/// <c>+ -</c>, <c>~</c>, <c>* / // %</c>, <c>**</c>, unary <c>- +</c>, then postfix (<c>.</c>, <c>[]</c>, calls) and
/// filters/tests (<c>|</c>, <c>is</c>). Unknown filters, tests and tags are errors here, before anything renders.
/// </summary>
sealed class Parser
{
    readonly List<Token> _tokens;
    readonly SourceMap _map;
    readonly int _maxDepth;
    int _index;
    int _depth;

    Parser(List<Token> tokens, SourceMap map, int maxDepth)
    {
        _tokens = tokens;
        _map = map;
        _maxDepth = maxDepth;
    }

    public static IReadOnlyList<Stmt> Parse(List<Token> tokens, SourceMap map, int maxDepth)
    {
        var parser = new Parser(tokens, map, maxDepth);
        var body = parser.Statements(Array.Empty<string>(), out _);
        return body;
    }

    Token Current => _tokens[_index];

    Token Peek(int ahead = 1) => _tokens[Math.Min(_index + ahead, _tokens.Count - 1)];

    Token Next() => _tokens[_index++];

    JinjaException Error(string message, Token at) => _map.Error(JinjaErrorKind.Syntax, message, at.Offset);

    Token Expect(TokenKind kind, string? value, string what)
    {
        var t = Current;
        if (t.Kind != kind || (value is not null && t.Value != value))
        {
            throw Error($"expected {what}, got {t}", t);
        }

        return Next();
    }

    string ExpectName(string what) => Expect(TokenKind.Name, null, what).Value;

    void Enter(Token at)
    {
        System.Runtime.CompilerServices.RuntimeHelpers.EnsureSufficientExecutionStack();
        if (++_depth > _maxDepth)
        {
            throw _map.Error(JinjaErrorKind.Limit, $"the template nests deeper than {_maxDepth} levels", at.Offset);
        }
    }

    void Leave() => _depth--;

    // ---------------------------------------------------------------- statements

    /// <summary>Statements until a block tag whose name is one of <paramref name="ends"/> (left unconsumed after its name).</summary>
    List<Stmt> Statements(IReadOnlyCollection<string> ends, out string? end)
    {
        var body = new List<Stmt>();
        while (true)
        {
            var t = Current;
            switch (t.Kind)
            {
                case TokenKind.End:
                    if (ends.Count > 0)
                    {
                        throw Error($"unexpected end of template: expected {string.Join(" or ", ends.Select(e => $"'{{% {e} %}}'"))}", t);
                    }

                    end = null;
                    return body;
                case TokenKind.Text:
                    body.Add(new TextStmt(Next().Value, t.Offset));
                    break;
                case TokenKind.VariableBegin:
                    Next();
                    var value = Expression();
                    Expect(TokenKind.VariableEnd, null, "'}}'");
                    body.Add(new PrintStmt(value, t.Offset));
                    break;
                case TokenKind.BlockBegin:
                    var name = Peek();
                    if (name.Kind == TokenKind.Name && ends.Contains(name.Value))
                    {
                        Next();
                        Next();
                        end = name.Value;
                        return body;
                    }
                    body.Add(Statement());
                    break;
                default:
                    throw Error($"unexpected {t}", t);
            }
        }
    }

    void EndTag() => Expect(TokenKind.BlockEnd, null, "'%}'");

    Stmt Statement()
    {
        Next();
        var t = Current;
        if (t.Kind != TokenKind.Name)
        {
            throw Error($"expected a tag name after '{{%', got {t}", t);
        }

        Enter(t);
        try
        {
            Next();
            switch (t.Value)
            {
                case "if": return If(t);
                case "for": return For(t);
                case "set": return Set(t);
                case "macro": return Macro(t);
                case "call": return CallBlock(t);
                case "filter": return FilterBlock(t);
                case "break": EndTag(); return new BreakStmt(t.Offset);
                case "continue": EndTag(); return new ContinueStmt(t.Offset);
                case "generation":
                    EndTag();
                    var body = Statements(new[] { "endgeneration" }, out _);
                    EndTag();
                    return new BlockStmt(body, t.Offset);
                case "include" or "import" or "from" or "extends" or "block":
                    throw Error($"'{t.Value}' is not supported: a chat template is a single file", t);
                default:
                    throw Error($"unknown tag '{t.Value}'", t);
            }
        }
        finally
        {
            Leave();
        }
    }

    Stmt If(Token at)
    {
        var branches = new List<(Expr, IReadOnlyList<Stmt>)>();
        IReadOnlyList<Stmt>? otherwise = null;
        var condition = Expression();
        EndTag();
        while (true)
        {
            var body = Statements(new[] { "elif", "else", "endif" }, out var end);
            branches.Add((condition, body));
            if (end == "elif")
            {
                condition = Expression();
                EndTag();
                continue;
            }
            if (end == "else")
            {
                EndTag();
                otherwise = Statements(new[] { "endif" }, out _);
            }
            EndTag();
            return new IfStmt(branches, otherwise, at.Offset);
        }
    }

    Stmt For(Token at)
    {
        var target = AssignTarget(allowAttribute: false);
        Expect(TokenKind.Name, "in", "'in'");
        var iterable = Or();
        Expr? filter = null;
        if (Current.IsName("if"))
        {
            Next();
            filter = Expression(allowConditional: false);
        }
        if (Current.IsName("recursive"))
        {
            throw Error("recursive loops are not supported", Current);
        }
        EndTag();
        var body = Statements(new[] { "else", "endfor" }, out var end);
        IReadOnlyList<Stmt>? otherwise = null;
        if (end == "else")
        {
            EndTag();
            otherwise = Statements(new[] { "endfor" }, out _);
        }
        EndTag();
        return new ForStmt(target, iterable, filter, body, otherwise, at.Offset);
    }

    Target AssignTarget(bool allowAttribute)
    {
        var first = SingleTarget(allowAttribute);
        if (!Current.IsOperator(","))
        {
            return first;
        }

        var items = new List<Target> { first };
        while (Current.IsOperator(","))
        {
            Next();
            items.Add(SingleTarget(false));
        }
        return new TupleTarget(items, first.Offset);
    }

    Target SingleTarget(bool allowAttribute)
    {
        var t = Current;
        if (t.IsOperator("("))
        {
            Next();
            var inner = AssignTarget(false);
            Expect(TokenKind.Operator, ")", "')'");
            return inner;
        }

        var name = ExpectName("a variable name");
        if (Current.IsOperator("."))
        {
            if (!allowAttribute)
            {
                throw Error("cannot assign to an attribute here", Current);
            }

            Next();
            return new AttributeTarget(name, ExpectName("an attribute name"), t.Offset);
        }
        return new NameTarget(name, t.Offset);
    }

    Stmt Set(Token at)
    {
        var target = AssignTarget(allowAttribute: true);
        if (Current.IsOperator("="))
        {
            Next();
            var value = ExpressionOrTuple();
            EndTag();
            return new SetStmt(target, value, at.Offset);
        }

        var filters = FilterChain();
        EndTag();
        var body = Statements(new[] { "endset" }, out _);
        EndTag();
        return new SetBlockStmt(target, body, filters, at.Offset);
    }

    List<(string, Arguments, int)> FilterChain()
    {
        var filters = new List<(string, Arguments, int)>();
        while (Current.IsOperator("|"))
        {
            Next();
            var (name, args, offset) = FilterCall();
            filters.Add((name, args, offset));
        }
        return filters;
    }

    Stmt Macro(Token at)
    {
        var name = ExpectName("a macro name");
        var parameters = Parameters();
        EndTag();
        var body = Statements(new[] { "endmacro" }, out _);
        if (Current.Kind == TokenKind.Name && Current.Value == name)
        {
            Next();
        }
        EndTag();
        return new MacroStmt(name, parameters, body, at.Offset);
    }

    List<MacroParameter> Parameters()
    {
        var parameters = new List<MacroParameter>();
        Expect(TokenKind.Operator, "(", "'('");
        while (!Current.IsOperator(")"))
        {
            if (parameters.Count > 0)
            {
                Expect(TokenKind.Operator, ",", "',' or ')'");
                if (Current.IsOperator(")"))
                {
                    break;
                }
            }
            var p = ExpectName("a parameter name");
            Expr? value = null;
            if (Current.IsOperator("="))
            {
                Next();
                value = Expression();
            }
            else if (parameters.Count > 0 && parameters[^1].Default is not null)
            {
                throw Error($"parameter '{p}' without a default follows one with a default", Current);
            }
            parameters.Add(new MacroParameter(p, value));
        }
        Next();
        return parameters;
    }

    Stmt CallBlock(Token at)
    {
        var parameters = Current.IsOperator("(") ? Parameters() : new List<MacroParameter>();
        var call = Expression();
        if (call is not CallExpr callExpr)
        {
            throw Error("'call' needs a macro call, as in '{% call m(x) %}'", at);
        }

        EndTag();
        var body = Statements(new[] { "endcall" }, out _);
        EndTag();
        return new CallBlockStmt(callExpr, parameters, body, at.Offset);
    }

    Stmt FilterBlock(Token at)
    {
        var filters = new List<(string, Arguments, int)> { FilterCall() };
        filters.AddRange(FilterChain());
        EndTag();
        var body = Statements(new[] { "endfilter" }, out _);
        EndTag();
        return new FilterBlockStmt(filters, body, at.Offset);
    }

    // ---------------------------------------------------------------- expressions

    /// <summary>An expression; a bare comma list (<c>a, b</c>) becomes a tuple, as in <c>{% set a = 1, 2 %}</c>.</summary>
    Expr ExpressionOrTuple()
    {
        var first = Expression();
        if (!Current.IsOperator(","))
        {
            return first;
        }

        var items = new List<Expr> { first };
        while (Current.IsOperator(","))
        {
            Next();
            items.Add(Expression());
        }
        return new ListExpr(items, true, first.Offset);
    }

    Expr Expression(bool allowConditional = true)
    {
        var at = Current;
        Enter(at);
        try
        {
            var value = Or();
            while (allowConditional && Current.IsName("if"))
            {
                Next();
                var condition = Or();
                Expr? otherwise = null;
                if (Current.IsName("else"))
                {
                    Next();
                    otherwise = Expression();
                }
                value = new ConditionalExpr(condition, value, otherwise, at.Offset);
            }
            return value;
        }
        finally
        {
            Leave();
        }
    }

    Expr Or()
    {
        var left = And();
        while (Current.IsName("or"))
        {
            var op = Next();
            left = new BinaryExpr("or", left, And(), op.Offset);
        }
        return left;
    }

    Expr And()
    {
        var left = Not();
        while (Current.IsName("and"))
        {
            var op = Next();
            left = new BinaryExpr("and", left, Not(), op.Offset);
        }
        return left;
    }

    Expr Not()
    {
        if (Current.IsName("not"))
        {
            var op = Next();
            Enter(op);
            try
            {
                return new UnaryExpr("not", Not(), op.Offset);
            }
            finally
            {
                Leave();
            }
        }
        return Compare();
    }

    static readonly HashSet<string> CompareOperators = new() { "==", "!=", "<", "<=", ">", ">=" };

    Expr Compare()
    {
        var first = Sum();
        var rest = new List<(string, Expr)>();
        while (true)
        {
            var t = Current;
            if (t.Kind == TokenKind.Operator && CompareOperators.Contains(t.Value))
            {
                Next();
                rest.Add((t.Value, Sum()));
            }
            else if (t.IsName("in"))
            {
                Next();
                rest.Add(("in", Sum()));
            }
            else if (t.IsName("not") && Peek().IsName("in"))
            {
                Next();
                Next();
                rest.Add(("not in", Sum()));
            }
            else
            {
                break;
            }
        }
        return rest.Count == 0 ? first : new CompareExpr(first, rest, first.Offset);
    }

    Expr Sum()
    {
        var left = Concat();
        while (Current.IsOperator("+") || Current.IsOperator("-"))
        {
            var op = Next();
            left = new BinaryExpr(op.Value, left, Concat(), op.Offset);
        }
        return left;
    }

    Expr Concat()
    {
        var left = Product();
        while (Current.IsOperator("~"))
        {
            var op = Next();
            left = new BinaryExpr("~", left, Product(), op.Offset);
        }
        return left;
    }

    Expr Product()
    {
        var left = Power();
        while (Current.Kind == TokenKind.Operator && Current.Value is "*" or "/" or "//" or "%")
        {
            var op = Next();
            left = new BinaryExpr(op.Value, left, Power(), op.Offset);
        }
        return left;
    }

    Expr Power()
    {
        var left = Unary();
        while (Current.IsOperator("**"))
        {
            var op = Next();
            left = new BinaryExpr("**", left, Unary(), op.Offset);
        }
        return left;
    }

    Expr Unary()
    {
        var t = Current;
        if (t.IsOperator("-") || t.IsOperator("+"))
        {
            Next();
            Enter(t);
            try
            {
                return new UnaryExpr(t.Value, Unary(), t.Offset);
            }
            finally
            {
                Leave();
            }
        }
        return FiltersAndTests(Postfix(Primary()));
    }

    Expr FiltersAndTests(Expr value)
    {
        while (true)
        {
            if (Current.IsOperator("|"))
            {
                Next();
                var (name, args, offset) = FilterCall();
                value = Postfix(new FilterExpr(value, name, args, offset));
            }
            else if (Current.IsName("is"))
            {
                var at = Next();
                bool negated = false;
                if (Current.IsName("not"))
                {
                    Next();
                    negated = true;
                }
                var nameToken = Current;
                var name = nameToken.Kind == TokenKind.Name ? Next().Value
                    : nameToken.Kind == TokenKind.Operator && nameToken.Value is "==" or "!=" or "<" or "<=" or ">" or ">=" ? Next().Value
                    : throw Error($"expected a test name after 'is', got {nameToken}", nameToken);
                if (!Tests.Names.Contains(name))
                {
                    throw Error($"unknown test '{name}'{Suggest(name, Tests.Names)}", nameToken);
                }

                Arguments args = Arguments.None;
                if (Current.IsOperator("("))
                {
                    args = CallArguments();
                }
                else if (StartsTestArgument(Current))
                {
                    args = new Arguments(new[] { Primary() }, Array.Empty<(string, Expr)>());
                }
                value = new TestExpr(value, name, args, negated, at.Offset);
            }
            else
            {
                return value;
            }
        }
    }

    /// <summary>jinja2 accepts one argument without parentheses: <c>x is divisibleby 3</c>, <c>x is sameas false</c>.</summary>
    static bool StartsTestArgument(Token t) =>
        t.Kind is TokenKind.String or TokenKind.Integer or TokenKind.Float
        || (t.Kind == TokenKind.Name && t.Value is not ("and" or "or" or "else" or "if" or "in" or "not" or "is"))
        || t.IsOperator("[") || t.IsOperator("{");

    (string Name, Arguments Arguments, int Offset) FilterCall()
    {
        var t = Current;
        var name = ExpectName("a filter name");
        if (!Filters.Names.Contains(name))
        {
            throw Error($"unknown filter '{name}'{Suggest(name, Filters.Names)}", t);
        }

        var args = Current.IsOperator("(") ? CallArguments() : Arguments.None;
        return (name, args, t.Offset);
    }

    static string Suggest(string name, IEnumerable<string> known)
    {
        var close = known.Where(k => k.All(char.IsLetter) && EditDistance(name, k) <= Math.Max(1, name.Length / 3)).Order(StringComparer.Ordinal).Take(5).ToList();
        return close.Count > 0 ? $" (did you mean: {string.Join(", ", close)}?)" : "";
    }

    static int EditDistance(string a, string b)
    {
        var row = Enumerable.Range(0, b.Length + 1).ToArray();
        for (int i = 1; i <= a.Length; i++)
        {
            int diagonal = row[0];
            row[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int above = row[j];
                row[j] = Math.Min(Math.Min(row[j] + 1, row[j - 1] + 1), diagonal + (a[i - 1] == b[j - 1] ? 0 : 1));
                diagonal = above;
            }
        }
        return row[b.Length];
    }

    Expr Postfix(Expr value)
    {
        while (true)
        {
            var t = Current;
            if (t.IsOperator("."))
            {
                Next();
                var name = Current;
                if (name.Kind is TokenKind.Name)
                {
                    value = new AttributeExpr(value, Next().Value, value.Offset);
                }
                else if (name.Kind is TokenKind.Integer)
                {
                    value = new IndexExpr(value, new LiteralExpr(long.Parse(Next().Value, CultureInfo.InvariantCulture), name.Offset), value.Offset);
                }
                else
                {
                    throw Error($"expected an attribute name after '.', got {name}", name);
                }
            }
            else if (t.IsOperator("["))
            {
                Next();
                Enter(t);
                value = Subscript(value, value.Offset);
                Leave();
            }
            else if (t.IsOperator("("))
            {
                value = new CallExpr(value, CallArguments(), value.Offset);
            }
            else
            {
                return value;
            }
        }
    }

    Expr Subscript(Expr target, int at)
    {
        Expr? start = null, stop = null, step = null;
        bool slice = false;
        if (!Current.IsOperator(":"))
        {
            start = Expression();
        }
        if (Current.IsOperator(":"))
        {
            slice = true;
            Next();
            if (!Current.IsOperator(":") && !Current.IsOperator("]"))
            {
                stop = Expression();
            }
            if (Current.IsOperator(":"))
            {
                Next();
                if (!Current.IsOperator("]"))
                {
                    step = Expression();
                }
            }
        }
        Expect(TokenKind.Operator, "]", "']'");
        return slice ? new SliceExpr(target, start, stop, step, at) : new IndexExpr(target, start!, at);
    }

    Arguments CallArguments()
    {
        var open = Expect(TokenKind.Operator, "(", "'('");
        Enter(open);
        var positional = new List<Expr>();
        var named = new List<(string, Expr)>();
        while (!Current.IsOperator(")"))
        {
            if (positional.Count + named.Count > 0)
            {
                Expect(TokenKind.Operator, ",", "',' or ')'");
                if (Current.IsOperator(")"))
                {
                    break;
                }
            }
            if (Current.Kind == TokenKind.Name && Peek().IsOperator("="))
            {
                var name = Next().Value;
                Next();
                named.Add((name, Expression()));
            }
            else
            {
                if (named.Count > 0)
                {
                    throw Error("a positional argument follows a keyword argument", Current);
                }

                positional.Add(Expression());
            }
        }
        Next();
        Leave();
        return new Arguments(positional, named);
    }

    Expr Primary()
    {
        var t = Current;
        switch (t.Kind)
        {
            case TokenKind.String:
                Next();
                var text = t.Value;
                while (Current.Kind == TokenKind.String)
                {
                    text += Next().Value;
                }
                return new LiteralExpr(text, t.Offset);
            case TokenKind.Integer:
                Next();
                return long.TryParse(t.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var integer)
                    ? new LiteralExpr(integer, t.Offset)
                    : throw Error($"integer {t.Value} is too large", t);
            case TokenKind.Float:
                Next();
                return new LiteralExpr(double.Parse(t.Value, CultureInfo.InvariantCulture), t.Offset);
            case TokenKind.Name:
                Next();
                return t.Value switch
                {
                    "true" or "True" => new LiteralExpr(true, t.Offset),
                    "false" or "False" => new LiteralExpr(false, t.Offset),
                    "none" or "None" => new LiteralExpr(null, t.Offset),
                    _ => new NameExpr(t.Value, t.Offset),
                };
            case TokenKind.Operator when t.Value == "(":
                Next();
                Enter(t);
                try
                {
                    if (Current.IsOperator(")"))
                    {
                        Next();
                        return new ListExpr(Array.Empty<Expr>(), true, t.Offset);
                    }
                    var first = Expression();
                    if (!Current.IsOperator(","))
                    {
                        Expect(TokenKind.Operator, ")", "')'");
                        return first;
                    }
                    var items = new List<Expr> { first };
                    while (Current.IsOperator(","))
                    {
                        Next();
                        if (Current.IsOperator(")"))
                        {
                            break;
                        }
                        items.Add(Expression());
                    }
                    Expect(TokenKind.Operator, ")", "')'");
                    return new ListExpr(items, true, t.Offset);
                }
                finally
                {
                    Leave();
                }
            case TokenKind.Operator when t.Value == "[":
                Next();
                Enter(t);
                try
                {
                    var list = new List<Expr>();
                    while (!Current.IsOperator("]"))
                    {
                        if (list.Count > 0)
                        {
                            Expect(TokenKind.Operator, ",", "',' or ']'");
                            if (Current.IsOperator("]"))
                            {
                                break;
                            }
                        }
                        list.Add(Expression());
                    }
                    Next();
                    return new ListExpr(list, false, t.Offset);
                }
                finally
                {
                    Leave();
                }
            case TokenKind.Operator when t.Value == "{":
                Next();
                Enter(t);
                try
                {
                    var pairs = new List<(Expr, Expr)>();
                    while (!Current.IsOperator("}"))
                    {
                        if (pairs.Count > 0)
                        {
                            Expect(TokenKind.Operator, ",", "',' or '}'");
                            if (Current.IsOperator("}"))
                            {
                                break;
                            }
                        }
                        var key = Expression();
                        Expect(TokenKind.Operator, ":", "':'");
                        pairs.Add((key, Expression()));
                    }
                    Next();
                    return new DictExpr(pairs, t.Offset);
                }
                finally
                {
                    Leave();
                }
            default:
                throw Error($"expected an expression, got {t}", t);
        }
    }
}
