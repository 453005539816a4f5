using System.Globalization;
using Fluid;
using Microsoft.Extensions.FileProviders;

namespace RegressionGuard.Suites.Templates;

/// <summary>
/// A Liquid template (Fluid) rendered over one item's fields. Sandboxed: the model handed to a template holds only
/// strings, numbers, lists and dictionaries copied from the data (no .NET objects to reflect on), includes have no
/// file provider, and rendering is bounded in steps, recursion, output size and memory (<see cref="TemplateLimits"/>);
/// filters that read the clock do not exist. Unknown variables are errors (a typo in
/// <c>{{ questoin }}</c> must not silently render as empty).
/// </summary>
public sealed class PromptTemplate
{
    static readonly FluidParser Parser = new();
    static readonly TemplateOptions Options = CreateOptions();

    readonly IFluidTemplate _template;

    PromptTemplate(IFluidTemplate template, TemplateText source)
    {
        _template = template;
        Source = source;
    }

    public TemplateText Source { get; }

    static TemplateOptions CreateOptions()
    {
        var options = new TemplateOptions
        {
            FileProvider = new NullFileProvider(),
            StrictVariables = true,
            StrictFilters = true,
            CultureInfo = CultureInfo.InvariantCulture,
        };
        TemplateLimits.Apply(options);
        return options;
    }

    /// <summary>Parses <paramref name="source"/>; on failure <paramref name="error"/> holds Fluid's message (with its position in the template).</summary>
    public static bool TryParse(TemplateText source, out PromptTemplate? template, out string? error)
    {
        template = null;
        if (!Parser.TryParse(source.Text, out var parsed, out error))
        {
            return false;
        }

        var rewriter = new TemplateLimits.Rewriter(Options);
        var bounded = rewriter.VisitTemplate(parsed);
        if (rewriter.UnknownFilters.Count > 0)
        {
            error = $"unknown filter{(rewriter.UnknownFilters.Count > 1 ? "s" : "")} {string.Join(", ", rewriter.UnknownFilters.Select(f => $"'{f}'"))}"
                + (rewriter.UnknownFilters.Any(TemplateLimits.ClockFilters.Contains) ? " (filters that read the clock are not available: prompts must not depend on the time)" : "");
            return false;
        }

        template = new PromptTemplate(bounded, source);
        error = null;
        return true;
    }

    /// <summary>Renders over <paramref name="fields"/> (and <paramref name="extra"/> variables such as <c>choice</c>).</summary>
    /// <exception cref="SuiteDataException">a variable the template uses is not in the item, or rendering failed.</exception>
    public string Render(IReadOnlyDictionary<string, object?> fields, IReadOnlyDictionary<string, object?>? extra = null, string? where = null)
    {
        var context = new TemplateContext(Options);
        foreach (var (key, value) in fields)
        {
            context.SetValue(key, FluidValue(value));
        }

        if (extra is not null)
        {
            foreach (var (key, value) in extra)
            {
                context.SetValue(key, FluidValue(value));
            }
        }

        try
        {
            using var output = new BoundedWriter(TemplateLimits.MaxOutputChars, "the rendered prompt");
            _template.RenderAsync(output, NullEncoder.Default, context).AsTask().GetAwaiter().GetResult();
            return output.ToString();
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or FluidException)
        {
            var names = string.Join(", ", fields.Keys.Concat(extra?.Keys ?? Enumerable.Empty<string>()));
            // Fluid words its step limit as a recursion limit; say what was limited.
            var message = e.Message.Contains("maximum level of recursion", StringComparison.Ordinal) || e.Message.Contains("maximum number of statements", StringComparison.Ordinal)
                ? $"the template ran past its limits of {TemplateLimits.Count(TemplateLimits.MaxSteps)} statements and {TemplateLimits.MaxRecursion} nested levels"
                : e.Message;
            throw new SuiteDataException($"{Source.Position}: template failed{(where is null ? "" : $" on {where}")}: {message} (variables available: {names})", e)
            {
                At = Source.Position,
                Detail = $"template failed: {message} (variables available: {names})",
            };
        }
    }

    static Fluid.Values.FluidValue FluidValue(object? value) => Fluid.Values.FluidValue.Create(Plain(value), Options);

    /// <summary>Copies data into plain dictionaries/lists Fluid understands, so nothing else is reachable.</summary>
    static object? Plain(object? value) => value switch
    {
        null => null,
        string or bool or long or int or double or decimal => value,
        IReadOnlyDictionary<string, object?> map => map.ToDictionary(kv => kv.Key, kv => Plain(kv.Value), StringComparer.Ordinal),
        IEnumerable<object?> list => list.Select(Plain).ToList(),
        _ => Convert.ToString(value, CultureInfo.InvariantCulture),
    };
}
