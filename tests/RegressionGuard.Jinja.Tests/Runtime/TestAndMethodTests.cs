namespace RegressionGuard.Jinja.Tests.Runtime;

/// <summary>Tests (<c>is ...</c>) and the whitelisted methods of strings, dicts and lists.</summary>
public sealed class TestAndMethodTests
{
    [TestCase("{{ none is none }}|{{ 1 is none }}|{{ 1 is not none }}", "True|False|True")]
    [TestCase("{{ 'a' is string }}|{{ 1 is number }}|{{ 1.5 is number }}|{{ 1 is integer }}|{{ 1.5 is float }}|{{ true is boolean }}", "True|True|True|True|True|True")]
    [TestCase("{{ {} is mapping }}|{{ [] is mapping }}|{{ [] is iterable }}|{{ 'x' is iterable }}|{{ 1 is iterable }}|{{ [] is sequence }}", "True|False|True|True|False|True")]
    [TestCase("{{ true is true }}|{{ 1 is true }}|{{ false is false }}|{{ 0 is false }}", "True|False|True|False")]
    [TestCase("{{ 3 is odd }}|{{ 4 is even }}|{{ 9 is divisibleby 3 }}|{{ 9 is divisibleby(4) }}", "True|True|True|False")]
    [TestCase("{{ 2 is equalto 2 }}|{{ 'a' is eq 'a' }}|{{ 2 is in [1, 2] }}|{{ 'x' is in 'xyz' }}|{{ 3 is gt 2 }}|{{ 3 is le 2 }}", "True|True|True|True|True|False")]
    [TestCase("{{ range is callable }}|{{ 'x' is callable }}|{{ 'abc' is lower }}|{{ 'ABC' is upper }}", "True|False|True|True")]
    [TestCase("{{ x is defined and x.y is defined }}", "False")]
    public void Tests_answer_as_jinja2(string template, string expected)
    {
        Assert.That(Render.Text(template), Is.EqualTo(expected));
    }

    [TestCase("{{ '  a  '.strip() }}|{{ '  a  '.lstrip() }}.|{{ '  a  '.rstrip() }}|{{ '\\n\\nx\\n'.strip('\\n') }}", "a|a  .|  a|x")]
    [TestCase("{{ 'a,b,,c'.split(',') }}|{{ ' a  b '.split() }}|{{ 'a b c'.split(' ', 1) }}|{{ 'a b c'.rsplit(' ', 1) }}", "['a', 'b', '', 'c']|['a', 'b']|['a', 'b c']|['a b', 'c']")]
    [TestCase("{{ 'x</think>y'.split('</think>')[-1] }}|{{ 'abc'.startswith('ab') }}|{{ 'abc'.endswith(('x', 'c')) }}", "y|True|True")]
    [TestCase("{{ 'Ab'.upper() }}{{ 'Ab'.lower() }}|{{ 'hello world'.title() }}|{{ 'hELLO'.capitalize() }}|{{ 'aaa'.replace('a', 'b', 2) }}", "ABab|Hello World|Hello|bba")]
    [TestCase("{{ 'hello'.find('l') }}|{{ 'hello'.count('l') }}|{{ '-'.join(['a', 'b']) }}|{{ '12'.isdigit() }}|{{ 'prefix-x'.removeprefix('prefix-') }}", "2|2|a-b|True|x")]
    [TestCase("{{ d.get('a') }}|{{ d.get('z') }}|{{ d.get('z', 'dflt') }}|{{ d.keys() | list }}|{{ d.values() | list }}|{{ d.items() | list }}", "1|None|dflt|['a', 'b']|[1, 2]|[('a', 1), ('b', 2)]")]
    [TestCase("{{ [1, 2, 2].count(2) }}|{{ ['a', 'b'].index('b') }}", "2|1")]
    public void String_dict_and_list_methods_behave_as_in_python(string template, string expected)
    {
        var variables = new Dictionary<string, object?> { ["d"] = new Dictionary<string, object?> { ["a"] = 1, ["b"] = 2 } };

        Assert.That(Render.Text(template, variables), Is.EqualTo(expected));
    }
}
