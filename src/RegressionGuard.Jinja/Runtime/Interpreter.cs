using System.Runtime.CompilerServices;
using System.Text;
using RegressionGuard.Jinja.Lexing;
using RegressionGuard.Jinja.Parsing;

namespace RegressionGuard.Jinja.Runtime;

/// <summary>Variables of one scope; lookups go up the chain (loop → enclosing → template → caller's variables → globals).</summary>
sealed class Scope
{
    readonly Dictionary<string, object?> _vars = new(StringComparer.Ordinal);
    readonly Scope? _parent;

    public Scope(Scope? parent) => _parent = parent;

    public object? Lookup(string name)
    {
        for (var s = this; s is not null; s = s._parent)
        {
            if (s._vars.TryGetValue(name, out var value))
            {
                return value;
            }
        }
        return new Undefined($"'{name}' is undefined");
    }

    public void Set(string name, object? value) => _vars[name] = value;
}

/// <summary>A <c>{% macro %}</c>, closed over the scope it was defined in.</summary>
sealed class Macro : ICallable
{
    public Macro(string name, IReadOnlyList<MacroParameter> parameters, IReadOnlyList<Stmt> body, Scope closure)
    {
        Name = name;
        Parameters = parameters;
        Body = body;
        Closure = closure;
    }

    public string Name { get; }

    public IReadOnlyList<MacroParameter> Parameters { get; }

    public IReadOnlyList<Stmt> Body { get; }

    public Scope Closure { get; }
}

/// <summary>
/// Walks the syntax tree. Every error becomes a <see cref="JinjaException"/> at the line:col of the innermost node that
/// failed; loop iterations, macro calls, output and the strings and lists a template builds are all bounded.
/// </summary>
sealed partial class Interpreter
{
    readonly JinjaOptions _options;
    readonly SourceMap _map;
    readonly long _maxWork;
    long _iterations;
    long _work;
    int _callDepth;

    public Interpreter(JinjaOptions options, SourceMap map)
    {
        _options = options;
        _map = map;
        _maxWork = 50L * options.MaxOutputLength;
    }

    public JinjaOptions Options => _options;

    public int MaxDepth => _options.MaxDepth;

    enum Flow
    {
        Normal,
        Break,
        Continue,
    }

    public string Render(IReadOnlyList<Stmt> body, Scope scope)
    {
        var output = new StringBuilder();
        Exec(body, scope, output);
        return output.ToString();
    }

    // ---------------------------------------------------------------- budgets

    /// <summary>Counts one loop iteration (or macro call) against <see cref="JinjaOptions.MaxLoopIterations"/>.</summary>
    public void Iterate()
    {
        if (++_iterations > _options.MaxLoopIterations)
        {
            throw new LimitException($"more than {_options.MaxLoopIterations} loop iterations");
        }
    }

    /// <summary>Checks the size of a string or list a template builds, and counts it against the work budget.</summary>
    public void Built(long size)
    {
        if (size > _options.MaxOutputLength)
        {
            throw new LimitException($"a value of {size} characters or items is larger than the output limit ({_options.MaxOutputLength})");
        }

        _work += size;
        if (_work > _maxWork)
        {
            throw new LimitException($"the template built more than {_maxWork} characters and items in all");
        }
    }

    void Emit(StringBuilder output, string text)
    {
        if (output.Length + (long)text.Length > _options.MaxOutputLength)
        {
            throw new LimitException($"the output is longer than {_options.MaxOutputLength} characters");
        }

        Built(text.Length);
        output.Append(text);
    }

    JinjaException At(Node node, Exception e) => e switch
    {
        JinjaException j => j,
        LimitException => _map.Error(JinjaErrorKind.Limit, e.Message, node.Offset),
        RaisedException => _map.Error(JinjaErrorKind.Raised, e.Message, node.Offset),
        OverflowException => _map.Error(JinjaErrorKind.Runtime, "integer overflow", node.Offset),
        _ => _map.Error(JinjaErrorKind.Runtime, e.Message, node.Offset),
    };

    // ---------------------------------------------------------------- statements

    Flow Exec(IReadOnlyList<Stmt> body, Scope scope, StringBuilder output)
    {
        foreach (var stmt in body)
        {
            Flow flow;
            try
            {
                flow = ExecOne(stmt, scope, output);
            }
            catch (Exception e) when (e is not JinjaException && e is not InsufficientExecutionStackException)
            {
                throw At(stmt, e);
            }
            if (flow != Flow.Normal)
            {
                return flow;
            }
        }
        return Flow.Normal;
    }

    Flow ExecOne(Stmt stmt, Scope scope, StringBuilder output)
    {
        RuntimeHelpers.EnsureSufficientExecutionStack();
        switch (stmt)
        {
            case TextStmt t:
                Emit(output, t.Text);
                return Flow.Normal;
            case PrintStmt p:
                Emit(output, Values.Str(Eval(p.Value, scope), MaxDepth));
                return Flow.Normal;
            case IfStmt i:
                foreach (var (condition, body) in i.Branches)
                {
                    if (Values.Truthy(Eval(condition, scope)))
                    {
                        return Exec(body, scope, output);
                    }
                }
                return i.Else is null ? Flow.Normal : Exec(i.Else, scope, output);
            case ForStmt f:
                return For(f, scope, output);
            case SetStmt s:
                Assign(s.Target, Eval(s.Value, scope), scope);
                return Flow.Normal;
            case SetBlockStmt b:
                Assign(b.Target, ApplyFilters(Capture(b.Body, scope), b.Filters, scope), scope);
                return Flow.Normal;
            case FilterBlockStmt fb:
                Emit(output, Values.Str(ApplyFilters(Capture(fb.Body, scope), fb.Filters, scope), MaxDepth));
                return Flow.Normal;
            case MacroStmt m:
                scope.Set(m.Name, new Macro(m.Name, m.Parameters, m.Body, scope));
                return Flow.Normal;
            case CallBlockStmt c:
                var caller = new Macro("caller", c.Parameters, c.Body, scope);
                var callee = Eval(c.Call.Callee, scope);
                var args = EvalArguments(c.Call.Arguments, scope);
                Emit(output, Values.Str(Invoke(callee, args, c.Call, caller), MaxDepth));
                return Flow.Normal;
            case BlockStmt block:
                return Exec(block.Body, scope, output);
            case BreakStmt:
                return Flow.Break;
            case ContinueStmt:
                return Flow.Continue;
            default:
                throw new RenderException($"unknown statement {stmt.GetType().Name}");
        }
    }

    string Capture(IReadOnlyList<Stmt> body, Scope scope)
    {
        var inner = new StringBuilder();
        Exec(body, scope, inner);
        return inner.ToString();
    }

    object? ApplyFilters(object? value, IReadOnlyList<(string Name, Arguments Arguments, int Offset)> filters, Scope scope)
    {
        foreach (var (name, arguments, _) in filters)
        {
            value = Filters.Apply(this, name, value, EvalArguments(arguments, scope));
        }
        return value;
    }

    Flow For(ForStmt f, Scope scope, StringBuilder output)
    {
        var source = Eval(f.Iterable, scope);
        var items = Iterable(source, "for loop").ToList();
        if (f.Filter is not null)
        {
            var kept = new List<object?>();
            foreach (var item in items)
            {
                Iterate();
                var test = new Scope(scope);
                Assign(f.Target, item, test);
                if (Values.Truthy(Eval(f.Filter, test)))
                {
                    kept.Add(item);
                }
            }
            items = kept;
        }

        if (items.Count == 0)
        {
            return f.Else is null ? Flow.Normal : Exec(f.Else, scope, output);
        }

        var loopScope = new Scope(scope);
        var loop = new LoopInfo(items);
        loopScope.Set("loop", loop);
        for (int i = 0; i < items.Count; i++)
        {
            Iterate();
            loop.Index0 = i;
            Assign(f.Target, items[i], loopScope);
            if (Exec(f.Body, loopScope, output) == Flow.Break)
            {
                break;
            }
        }
        return Flow.Normal;
    }

    void Assign(Target target, object? value, Scope scope)
    {
        switch (target)
        {
            case NameTarget n:
                scope.Set(n.Name, value);
                break;
            case TupleTarget t:
                var items = value is List<object?> list ? list : Iterable(value, "unpacking").ToList();
                if (items.Count != t.Items.Count)
                {
                    throw new RenderException($"cannot unpack {items.Count} values into {t.Items.Count} names");
                }
                for (int i = 0; i < items.Count; i++)
                {
                    Assign(t.Items[i], items[i], scope);
                }
                break;
            case AttributeTarget a:
                if (scope.Lookup(a.Name) is not Namespace ns)
                {
                    throw new RenderException($"cannot assign attribute '{a.Attribute}' on '{a.Name}': only a namespace() accepts attribute assignment");
                }
                ns.Attributes[a.Attribute] = value;
                break;
        }
    }

    /// <summary>What a for loop (or a filter) iterates: list items, dict keys, string characters; undefined is empty.</summary>
    public IEnumerable<object?> Iterable(object? value, string what) => value switch
    {
        List<object?> list => list,
        JinjaDict dict => dict.Keys.Cast<object?>(),
        string s => Values.CodePoints(s).Cast<object?>(),
        Undefined => Array.Empty<object?>(),
        _ => throw new RenderException($"'{Values.TypeName(value)}' object is not iterable ({what})"),
    };

    // ---------------------------------------------------------------- calls

    CallArguments EvalArguments(Arguments arguments, Scope scope) => new(
        arguments.Positional.Select(a => Eval(a, scope)).ToList(),
        arguments.Named.Select(n => (n.Name, Eval(n.Value, scope))).ToList());

    object? Invoke(object? callee, CallArguments args, Node at, Macro? caller = null)
    {
        switch (callee)
        {
            case BuiltinFunction f:
                return f.Body(this, args, at.Offset);
            case Macro m:
                return CallMacro(m, args, caller);
            case Undefined u:
                throw new RenderException(u.Hint);
            default:
                throw new RenderException($"'{Values.TypeName(callee)}' object is not callable");
        }
    }

    string CallMacro(Macro macro, CallArguments args, Macro? caller)
    {
        if (_callDepth >= MaxDepth)
        {
            throw new LimitException($"macros call each other deeper than {MaxDepth} levels");
        }

        Iterate();
        if (args.Positional.Count > macro.Parameters.Count)
        {
            throw new RenderException($"macro '{macro.Name}' takes {macro.Parameters.Count} arguments, got {args.Positional.Count}");
        }

        var scope = new Scope(macro.Closure);
        foreach (var (name, _) in args.Named)
        {
            if (!macro.Parameters.Any(p => p.Name == name))
            {
                throw new RenderException($"macro '{macro.Name}' has no parameter '{name}'");
            }
        }
        for (int i = 0; i < macro.Parameters.Count; i++)
        {
            var p = macro.Parameters[i];
            object? value;
            if (i < args.Positional.Count)
            {
                value = args.Positional[i];
            }
            else if (args.Named.Any(n => n.Name == p.Name))
            {
                value = args.Named.First(n => n.Name == p.Name).Value;
            }
            else
            {
                value = p.Default is null ? new Undefined($"'{p.Name}' is undefined") : Eval(p.Default, scope);
            }
            scope.Set(p.Name, value);
        }
        if (caller is not null)
        {
            scope.Set("caller", caller);
        }

        _callDepth++;
        try
        {
            return Capture(macro.Body, scope);
        }
        finally
        {
            _callDepth--;
        }
    }
}

/// <summary><c>raise_exception(message)</c> was called.</summary>
sealed class RaisedException : Exception
{
    public RaisedException(string message) : base(message) { }
}
