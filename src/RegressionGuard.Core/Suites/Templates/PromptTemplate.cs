using System.Globalization;
using Fluid;
using Microsoft.Extensions.FileProviders;

namespace RegressionGuard.Suites.Templates;

/// <summary>
/// A Liquid template (Fluid) rendered over one item's fields. Sandboxed: the model handed to a template holds only
/// strings, numbers, lists and dictionaries copied from the data (no .NET objects to reflect on), includes have no
/// file provider, and rendering is bounded in steps and recursion. Unknown variables are errors (a typo in
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
            MaxSteps = 100_000,
            MaxRecursion = 16,
            StrictVariables = true,
            StrictFilters = true,
            CultureInfo = CultureInfo.InvariantCulture,
        };
        return options;
    }

    /// <summary>Parses <paramref name="source"/>; on failure <paramref name="error"/> holds Fluid's message (with its position in the template).</summary>
    public static bool TryParse(TemplateText source, out PromptTemplate? template, out string? error)
    {
        if (Parser.TryParse(source.Text, out var parsed, out error))
        {
            template = new PromptTemplate(parsed, source);
            error = null;
            return true;
        }
        template = null;
        return false;
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
            return _template.Render(context);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or FluidException)
        {
            var names = string.Join(", ", fields.Keys.Concat(extra?.Keys ?? Enumerable.Empty<string>()));
            throw new SuiteDataException($"{Source.Position}: template failed{(where is null ? "" : $" on {where}")}: {e.Message} (variables available: {names})", e);
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
