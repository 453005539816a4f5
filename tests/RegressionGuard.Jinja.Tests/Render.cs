namespace RegressionGuard.Jinja.Tests;

/// <summary>Test shorthand: parse and render with the default (transformers-like) options.</summary>
static class Render
{
    public static string Text(string template, object? variables = null, JinjaOptions? options = null) =>
        JinjaTemplate.Parse(template, options).Render(Variables(variables));

    public static Dictionary<string, object?> Variables(object? variables) => variables switch
    {
        null => new Dictionary<string, object?>(),
        Dictionary<string, object?> d => d,
        _ => throw new ArgumentException("pass a Dictionary<string, object?>"),
    };

    public static JinjaException Error(string template, object? variables = null, JinjaOptions? options = null) =>
        Assert.Throws<JinjaException>(() => Text(template, variables, options))!;

    public static List<object?> Messages(params (string Role, string Content)[] messages) =>
        messages.Select(m => (object?)new Dictionary<string, object?> { ["role"] = m.Role, ["content"] = m.Content }).ToList();
}
