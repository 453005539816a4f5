using RegressionGuard.Jinja.Lexing;
using RegressionGuard.Jinja.Parsing;
using RegressionGuard.Jinja.Runtime;

namespace RegressionGuard.Jinja;

/// <summary>
/// A parsed Jinja template. Parse once, render many times; every error (parse or render) is a
/// <see cref="JinjaException"/> with the template's line:col.
/// <code>
/// var template = JinjaTemplate.Parse(source);
/// string text = template.Render(new Dictionary&lt;string, object?&gt; { ["messages"] = messages, ["add_generation_prompt"] = true });
/// </code>
/// Variables may be strings, numbers, booleans, null, lists and string-keyed dictionaries (or <c>JsonElement</c>s);
/// a template sees nothing else.
/// </summary>
public sealed class JinjaTemplate
{
    readonly IReadOnlyList<Stmt> _body;
    readonly SourceMap _map;

    JinjaTemplate(IReadOnlyList<Stmt> body, SourceMap map, JinjaOptions options)
    {
        _body = body;
        _map = map;
        Options = options;
    }

    public JinjaOptions Options { get; }

    public static JinjaTemplate Parse(string source, JinjaOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        options ??= new JinjaOptions();
        if (source.Length > options.MaxTemplateLength)
        {
            throw new JinjaException(JinjaErrorKind.Limit, $"the template has {source.Length} characters, more than the limit of {options.MaxTemplateLength}", 1, 1);
        }

        var map = new SourceMap(source);
        var tokens = Lexer.Tokenize(source, options, map);
        try
        {
            return new JinjaTemplate(Parser.Parse(tokens, map, options.MaxDepth), map, options);
        }
        catch (InsufficientExecutionStackException)
        {
            throw new JinjaException(JinjaErrorKind.Limit, "the template nests too deeply for the stack", 1, 1);
        }
    }

    public string Render(IReadOnlyDictionary<string, object?> variables)
    {
        ArgumentNullException.ThrowIfNull(variables);
        var globals = new Scope(null);
        Globals.AddTo(globals, Options);
        var context = new Scope(globals);
        foreach (var (name, value) in variables)
        {
            context.Set(name, Values.From(value));
        }

        var interpreter = new Interpreter(Options, _map);
        try
        {
            return interpreter.Render(_body, new Scope(context));
        }
        catch (InsufficientExecutionStackException)
        {
            throw new JinjaException(JinjaErrorKind.Limit, "the template nests too deeply for the stack", 1, 1);
        }
    }
}
