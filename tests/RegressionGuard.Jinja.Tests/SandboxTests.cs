namespace RegressionGuard.Jinja.Tests;

/// <summary>Templates come from other people: every resource is bounded and nothing outside the values is reachable.</summary>
public sealed class SandboxTests
{
    [Test]
    public void A_loop_bomb_stops_at_the_iteration_limit_with_its_position()
    {
        // Given nested loops of 10^12 iterations
        const string template = "x\n{% for a in range(1000000) %}{% for b in range(1000000) %}{% endfor %}{% endfor %}";

        // When rendered
        var e = Render.Error(template);

        // Then a limit error points into the template
        Assert.Multiple(() =>
        {
            Assert.That(e.Kind, Is.EqualTo(JinjaErrorKind.Limit));
            Assert.That(e.Message, Does.StartWith("2:").And.Contain("loop"));
        });
    }

    [Test]
    public void An_output_bomb_stops_at_the_output_limit()
    {
        var options = new JinjaOptions { MaxOutputLength = 10_000 };

        var e = Render.Error("{% for i in range(5000) %}{{ 'abcdefghij' }}{% endfor %}", options: options);

        Assert.Multiple(() =>
        {
            Assert.That(e.Kind, Is.EqualTo(JinjaErrorKind.Limit));
            Assert.That(e.Detail, Does.Contain("10000"));
        });
    }

    [TestCase("{{ 'x' * 100000000 }}", TestName = "String_repetition_is_bounded")]
    [TestCase("{{ [1] * 100000000 }}", TestName = "List_repetition_is_bounded")]
    [TestCase("{% set s = namespace(v='ab') %}{% for i in range(40) %}{% set s.v = s.v ~ s.v %}{% endfor %}", TestName = "Doubling_a_string_is_bounded")]
    [TestCase("{% for i in range(100000) %}{% set x = 'y' * 3000000 %}{% endfor %}", TestName = "Total_work_is_bounded")]
    public void Values_a_template_builds_are_bounded(string template)
    {
        var e = Render.Error(template);

        Assert.That(e.Kind, Is.EqualTo(JinjaErrorKind.Limit));
    }

    [Test]
    public void Deep_macro_recursion_stops_at_the_depth_limit()
    {
        var e = Render.Error("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}");

        Assert.Multiple(() =>
        {
            Assert.That(e.Kind, Is.EqualTo(JinjaErrorKind.Limit));
            Assert.That(e.Detail, Does.Contain("macros call each other deeper than 64"));
        });
    }

    [Test]
    public void Exponential_macro_recursion_stops_at_the_iteration_limit()
    {
        var e = Render.Error("{% macro f(n) %}{% if n < 40 %}{{ f(n + 1) }}{{ f(n + 1) }}{% endif %}{% endmacro %}{{ f(0) }}");

        Assert.That(e.Kind, Is.EqualTo(JinjaErrorKind.Limit));
    }

    [Test]
    public void Deeply_nested_syntax_is_refused_while_parsing()
    {
        var template = "{{ " + new string('(', 5000) + "1" + new string(')', 5000) + " }}";

        var e = Assert.Throws<JinjaException>(() => JinjaTemplate.Parse(template))!;

        Assert.That(e.Kind, Is.EqualTo(JinjaErrorKind.Limit));
    }

    [Test]
    public void Nesting_beyond_the_stack_is_a_limit_error_even_with_a_huge_depth_limit()
    {
        var template = "{{ " + new string('(', 200_000) + "1" + new string(')', 200_000) + " }}";

        var e = Assert.Throws<JinjaException>(() => JinjaTemplate.Parse(template, new JinjaOptions { MaxDepth = int.MaxValue }))!;

        Assert.That(e.Message, Is.EqualTo("1:1: limit exceeded: the template nests too deeply for the stack"));
    }

    [Test]
    public void A_value_nested_deeper_than_the_limit_cannot_be_printed()
    {
        var e = Render.Error("{% set ns = namespace(l=[1]) %}{% for i in range(100) %}{% set ns.l = [ns.l] %}{% endfor %}{{ ns.l }}");

        Assert.That(e.Kind, Is.EqualTo(JinjaErrorKind.Limit));
    }

    [Test]
    public void A_template_longer_than_the_limit_is_refused()
    {
        var e = Assert.Throws<JinjaException>(() => JinjaTemplate.Parse(new string('x', 101), new JinjaOptions { MaxTemplateLength = 100 }))!;

        Assert.That(e.Message, Is.EqualTo("1:1: limit exceeded: the template has 101 characters, more than the limit of 100"));
    }

    [TestCase("{{ ''.__class__ }}")]
    [TestCase("{{ ''.GetType() }}")]
    [TestCase("{{ messages.GetType().Assembly }}")]
    [TestCase("{{ range.__globals__ }}")]
    [TestCase("{{ messages.Count }}")]
    [TestCase("{{ (1).__class__.__mro__ }}")]
    [TestCase("{{ cycler.__init__.__globals__.os }}")]
    [TestCase("{{ self }}{{ config }}{{ request }}{{ lipsum }}")]
    public void Nothing_outside_the_template_values_is_reachable(string template)
    {
        // Given an attribute path that would reach .NET or Python internals
        var variables = new Dictionary<string, object?> { ["messages"] = Render.Messages(("user", "hi")) };

        // When rendered, it is undefined (prints nothing) or an error — never a .NET object
        string? text = null;
        try
        {
            text = Render.Text(template, variables);
        }
        catch (JinjaException e)
        {
            Assert.That(e.Kind, Is.EqualTo(JinjaErrorKind.Runtime));
            return;
        }
        Assert.That(text, Is.Empty);
    }

    [Test]
    public void Lists_cannot_be_mutated()
    {
        var e = Render.Error("{% set l = [1] %}{{ l.append(2) }}");

        Assert.That(e.Message, Is.EqualTo("1:21: 'list object' has no attribute 'append'"));
    }

    [Test]
    public void Variables_of_other_types_are_refused()
    {
        var e = Assert.Throws<ArgumentException>(() => JinjaTemplate.Parse("{{ x }}").Render(new Dictionary<string, object?> { ["x"] = new Uri("http://example.com") }))!;

        Assert.That(e.Message, Does.Contain("Uri is not supported"));
    }
}
