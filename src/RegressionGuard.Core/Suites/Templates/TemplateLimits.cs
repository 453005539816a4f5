using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using Fluid;
using Fluid.Ast;
using Fluid.Values;

namespace RegressionGuard.Suites.Templates;

/// <summary>
/// What a template may cost, whatever its author wrote. Steps and recursion are Fluid's own limits; the rest is
/// enforced here, because a single step can allocate without bound (a range materialises every number, a filter or a
/// capture can double a string): ranges, filter results and captures are checked before they grow past the limits,
/// and the rendered text is written into a bounded buffer.
/// </summary>
public static class TemplateLimits
{
    /// <summary>Statements executed per render (Fluid's MaxSteps).</summary>
    public const int MaxSteps = 100_000;

    /// <summary>Nesting of includes/blocks (Fluid's MaxRecursion).</summary>
    public const int MaxRecursion = 16;

    /// <summary>Characters of one rendered prompt.</summary>
    public const int MaxOutputChars = 1_000_000;

    /// <summary>Characters of one value: a filter's result or a capture.</summary>
    public const int MaxValueChars = 1_000_000;

    /// <summary>Numbers in a range <c>(a..b)</c>, and elements of a list a filter returns.</summary>
    public const int MaxRangeLength = 100_000;

    /// <summary>Filters that read the clock (removed, so prompts and item ids never depend on time).</summary>
    public static IReadOnlyList<string> ClockFilters { get; } = ["date", "format_date", "time_zone"];

    internal static string Count(long n) => n.ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>Applies the limits to <paramref name="options"/>: removes the clock filters, fixes <c>now</c>, and wraps
    /// every filter so that its result is checked.</summary>
    internal static void Apply(TemplateOptions options)
    {
        options.MaxSteps = MaxSteps;
        options.MaxRecursion = MaxRecursion;
        options.Now = () => DateTimeOffset.UnixEpoch;
        foreach (var name in ClockFilters)
        {
            options.Filters.Remove(name);
        }

        foreach (var (name, filter) in options.Filters.ToList())
        {
            options.Filters.AddFilter(name, async (input, arguments, context) => CheckValue(await filter(input, arguments, context), $"filter '{name}'"));
        }
    }

    static FluidValue CheckValue(FluidValue value, string what)
    {
        if (value is StringValue && value.ToStringValue().Length > MaxValueChars)
        {
            throw new InvalidOperationException($"{what} made a string of {Count(value.ToStringValue().Length)} characters; a template value may have at most {Count(MaxValueChars)} characters");
        }

        if (value is ArrayValue array && array.Values.Count > MaxRangeLength)
        {
            throw new InvalidOperationException($"{what} made a list of {Count(array.Values.Count)} values; a list may have at most {Count(MaxRangeLength)} values");
        }

        return value;
    }

    /// <summary>Rewrites a parsed template so that ranges and captures are bounded, and lists the filters it names
    /// that do not exist (reported at parse time, not on the first item).</summary>
    internal sealed class Rewriter(TemplateOptions options) : AstRewriter
    {
        public List<string> UnknownFilters { get; } = [];

        protected override Expression VisitRangeExpression(RangeExpression rangeExpression) =>
            new BoundedRange((RangeExpression)base.VisitRangeExpression(rangeExpression));

        protected override Statement VisitCaptureStatement(CaptureStatement captureStatement)
        {
            var visited = (CaptureStatement)base.VisitCaptureStatement(captureStatement);
            return new BoundedCapture(visited.Identifier, visited.Statements);
        }

        protected override Expression VisitFilterExpression(FilterExpression filterExpression)
        {
            if (!options.Filters.TryGetValue(filterExpression.Name, out _) && !UnknownFilters.Contains(filterExpression.Name))
            {
                UnknownFilters.Add(filterExpression.Name);
            }

            return base.VisitFilterExpression(filterExpression);
        }
    }

    /// <summary>A range that refuses more than <see cref="MaxRangeLength"/> numbers before any is made.</summary>
    sealed class BoundedRange(RangeExpression range) : Expression
    {
        public override async ValueTask<FluidValue> EvaluateAsync(TemplateContext context)
        {
            decimal from = (await range.From.EvaluateAsync(context)).ToNumberValue();
            decimal to = (await range.To.EvaluateAsync(context)).ToNumberValue();
            decimal count = Math.Floor(to) - Math.Floor(from) + 1;
            if (count > MaxRangeLength)
            {
                throw new InvalidOperationException($"the range ({from.ToString(CultureInfo.InvariantCulture)}..{to.ToString(CultureInfo.InvariantCulture)}) has {count.ToString("N0", CultureInfo.InvariantCulture)} values; a range may have at most {Count(MaxRangeLength)} values");
            }

            return await range.EvaluateAsync(context);
        }
    }

    /// <summary><c>{% capture %}</c> into a bounded buffer.</summary>
    sealed class BoundedCapture(string identifier, IReadOnlyList<Statement> statements) : Statement
    {
        public override async ValueTask<Completion> WriteToAsync(TextWriter writer, TextEncoder encoder, TemplateContext context)
        {
            using var buffer = new BoundedWriter(MaxValueChars, "a captured value (template value)");
            foreach (var statement in statements)
            {
                var completion = await statement.WriteToAsync(buffer, encoder, context);
                if (completion != Completion.Normal)
                {
                    context.SetValue(identifier, new StringValue(buffer.ToString()));
                    return completion;
                }
            }

            context.SetValue(identifier, new StringValue(buffer.ToString()));
            return Completion.Normal;
        }
    }
}

/// <summary>A string writer that refuses to hold more than a given number of characters.</summary>
internal sealed class BoundedWriter(int maxChars, string what) : StringWriter(CultureInfo.InvariantCulture)
{
    void Check(int adding)
    {
        if (GetStringBuilder().Length + (long)adding > maxChars)
        {
            throw new InvalidOperationException($"{what} may have at most {TemplateLimits.Count(maxChars)} characters");
        }
    }

    public override void Write(char value)
    {
        Check(1);
        base.Write(value);
    }

    public override void Write(string? value)
    {
        Check(value?.Length ?? 0);
        base.Write(value);
    }

    public override void Write(char[] buffer, int index, int count)
    {
        Check(count);
        base.Write(buffer, index, count);
    }

    public override void Write(ReadOnlySpan<char> buffer)
    {
        Check(buffer.Length);
        base.Write(buffer);
    }

    public override void Write(StringBuilder? value)
    {
        Check(value?.Length ?? 0);
        base.Write(value);
    }
}
