namespace RegressionGuard.Jinja.Runtime;

/// <summary>The functions every template sees: jinja2's <c>range</c>, <c>namespace</c>, <c>dict</c> and transformers' <c>raise_exception</c> and <c>strftime_now</c>.</summary>
static class Globals
{
    public static void AddTo(Scope scope, JinjaOptions options)
    {
        scope.Set("range", new BuiltinFunction("range", (interp, args, _) => Range(interp, args)));
        scope.Set("namespace", new BuiltinFunction("namespace", (_, args, _) =>
        {
            var ns = new Namespace();
            foreach (var positional in args.Positional)
            {
                if (positional is not JinjaDict initial)
                {
                    throw new RenderException("namespace() takes a mapping or keyword arguments");
                }
                foreach (var (k, v) in initial)
                {
                    ns.Attributes[k as string ?? throw new RenderException("namespace() keys must be strings")] = v;
                }
            }
            foreach (var (name, value) in args.Named)
            {
                ns.Attributes[name] = value;
            }
            return ns;
        }));
        scope.Set("dict", new BuiltinFunction("dict", (interp, args, _) =>
        {
            var dict = new JinjaDict();
            foreach (var (name, value) in args.Named)
            {
                dict[name] = value;
            }
            interp.Built(dict.Count);
            return dict;
        }));
        scope.Set("raise_exception", new BuiltinFunction("raise_exception", (interp, args, _) =>
            throw new RaisedException(Values.Str(args.Get(0, "message", ""), interp.MaxDepth))));
        var clock = options.Clock ?? (() => JinjaOptions.FixedDate);
        scope.Set("strftime_now", new BuiltinFunction("strftime_now", (interp, args, _) =>
            Methods.Strftime(clock(), args.Get(0, "format", null) as string ?? throw new RenderException("strftime_now() needs a format string"))));
    }

    static List<object?> Range(Interpreter interp, CallArguments args)
    {
        var numbers = args.Positional.Select(a => a is long or bool ? Values.ToLong(a) : throw new RenderException($"range() needs integers, got {Values.TypeName(a)}")).ToList();
        var (start, stop, step) = numbers.Count switch
        {
            1 => (0L, numbers[0], 1L),
            2 => (numbers[0], numbers[1], 1L),
            3 => (numbers[0], numbers[1], numbers[2]),
            _ => throw new RenderException($"range() takes 1 to 3 arguments, got {numbers.Count}"),
        };
        if (step == 0)
        {
            throw new RenderException("range() step must not be zero");
        }

        long count = step > 0 ? (stop > start ? (stop - start + step - 1) / step : 0) : (start > stop ? (start - stop - step - 1) / -step : 0);
        if (count > interp.Options.MaxLoopIterations)
        {
            throw new LimitException($"range() of {count} numbers is more than the loop limit ({interp.Options.MaxLoopIterations})");
        }

        interp.Built(count);
        var result = new List<object?>((int)count);
        for (long i = 0, v = start; i < count; i++, v += step)
        {
            result.Add(v);
        }
        return result;
    }
}
