namespace RegressionGuard.Jinja.Tests;

/// <summary>Parse and render errors name the line:col of the template and say what was expected.</summary>
public sealed class ErrorTests
{
    [TestCase("{% if x %}\nunclosed", "2:9: syntax error: unexpected end of template: expected '{% elif %}' or '{% else %}' or '{% endif %}'")]
    [TestCase("a\n{{ x | nofilter }}", "2:8: syntax error: unknown filter 'nofilter'")]
    [TestCase("{{ x is nottest }}", "1:9: syntax error: unknown test 'nottest'")]
    [TestCase("{% frobnicate %}", "1:4: syntax error: unknown tag 'frobnicate'")]
    [TestCase("{% include 'other.jinja' %}", "1:4: syntax error: 'include' is not supported: a chat template is a single file")]
    [TestCase("{{ 'open }}", "1:4: syntax error: string not closed")]
    [TestCase("{{ x ", "1:1: syntax error: tag not closed: '{{' without '}}'")]
    [TestCase("{# never closed", "1:1: syntax error: comment not closed: '{#' without '#}'")]
    [TestCase("{{ 1 + }}", "1:8: syntax error: expected an expression, got '}}'")]
    [TestCase("{{ x | truncatee }}", "1:8: syntax error: unknown filter 'truncatee' (did you mean: truncate?)")]
    public void Syntax_errors_carry_the_position(string template, string expected)
    {
        var e = Assert.Throws<JinjaException>(() => JinjaTemplate.Parse(template))!;

        Assert.Multiple(() =>
        {
            Assert.That(e.Kind, Is.EqualTo(JinjaErrorKind.Syntax).Or.EqualTo(JinjaErrorKind.Limit));
            Assert.That(e.Message, Is.EqualTo(expected));
        });
    }

    [TestCase("line one\n{{ raise_exception('Conversation roles must alternate user/assistant') }}", "2:4: the template raised: Conversation roles must alternate user/assistant")]
    [TestCase("{{ missing.attribute }}", "1:4: 'missing' is undefined")]
    [TestCase("{{ 1 + 'a' }}", "1:6: unsupported operand type(s) for +: 'int' and 'str'")]
    [TestCase("{{ 1 / 0 }}", "1:6: division by zero")]
    [TestCase("{{ 1 < 'a' }}", "1:4: '<' not supported between instances of 'int' and 'str'")]
    [TestCase("\n  {{ undefined_function() }}", "2:6: 'undefined_function' is undefined")]
    [TestCase("{% set x = 5 %}{% set x.y = 1 %}", "1:19: cannot assign attribute 'y' on 'x': only a namespace() accepts attribute assignment")]
    [TestCase("{{ 9223372036854775807 + 1 }}", "1:24: integer overflow")]
    [TestCase("{% for x in 5 %}{% endfor %}", "1:4: 'int' object is not iterable (for loop)")]
    public void Render_errors_carry_the_position(string template, string expected)
    {
        var e = Render.Error(template);

        Assert.That(e.Message, Is.EqualTo(expected));
    }

    [Test]
    public void Raise_exception_is_its_own_kind()
    {
        var e = Render.Error("{{ raise_exception('no') }}");

        Assert.Multiple(() =>
        {
            Assert.That(e.Kind, Is.EqualTo(JinjaErrorKind.Raised));
            Assert.That(e.Detail, Is.EqualTo("no"));
            Assert.That((e.Line, e.Column), Is.EqualTo((1, 4)));
        });
    }
}
