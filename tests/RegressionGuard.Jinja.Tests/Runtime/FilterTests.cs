namespace RegressionGuard.Jinja.Tests.Runtime;

/// <summary>Filters as jinja2 3.1 (and transformers' tojson) apply them.</summary>
public sealed class FilterTests
{
    static readonly Dictionary<string, object?> People = new()
    {
        ["people"] = new List<object?>
        {
            new Dictionary<string, object?> { ["name"] = "ann", ["role"] = "system", ["age"] = 30 },
            new Dictionary<string, object?> { ["name"] = "Bo", ["role"] = "user", ["age"] = 25 },
            new Dictionary<string, object?> { ["name"] = "cy", ["role"] = "user" },
        },
    };

    [TestCase("{{ '  x y  ' | trim }}|{{ 'xxaxx' | trim('x') }}", "x y|a")]
    [TestCase("{{ 'abc' | upper }}|{{ 'ABC' | lower }}|{{ 'hello world' | capitalize }}|{{ 'hello wORLD' | title }}", "ABC|abc|Hello world|Hello World")]
    [TestCase("{{ 'aXbXc' | replace('X', '-') }}|{{ 'aXbXc' | replace('X', '-', 1) }}", "a-b-c|a-bXc")]
    [TestCase("{{ [1, 2, 3] | length }}|{{ 'abc' | count }}|{{ {'a': 1} | length }}|{{ missing | length }}", "3|3|1|0")]
    [TestCase("{{ [1, 2, 3] | first }}|{{ [1, 2, 3] | last }}|{{ 'abc' | first }}|{{ [] | first }}", "1|3|a|")]
    [TestCase("{{ [1, 2, 3] | join(', ') }}|{{ ['a', 'b'] | join }}", "1, 2, 3|ab")]
    [TestCase("{{ missing | default('d') }}|{{ '' | default('d') }}|{{ '' | default('d', true) }}|{{ none | d('x') }}", "d||d|None")]
    [TestCase("{{ '42' | int }}|{{ '4.7' | int }}|{{ 'x' | int }}|{{ 'x' | int(7) }}|{{ 3.9 | int }}", "42|4|0|7|3")]
    [TestCase("{{ '2.5' | float }}|{{ 3 | float }}|{{ 'x' | float }}", "2.5|3.0|0.0")]
    [TestCase("{{ 2.5 | round }}|{{ 3.5 | round }}|{{ 3.14159 | round(2) }}|{{ 2.1 | round(0, 'ceil') }}|{{ -3 | abs }}|{{ (-3) | abs }}", "2.0|4.0|3.14|3.0|-3|3")]
    [TestCase("{{ 42 | string }}|{{ [1] | string }}|{{ (3 | string) ~ 'x' }}", "42|[1]|3x")]
    [TestCase("{{ 'abc' | list }}|{{ [3, 1, 2] | sort }}|{{ [3, 1, 2] | sort(reverse=true) }}|{{ ['b', 'A', 'c'] | sort }}", "['a', 'b', 'c']|[1, 2, 3]|[3, 2, 1]|['A', 'b', 'c']")]
    [TestCase("{{ [1, 2, 1, 3] | unique | list }}|{{ [1, 2, 3] | reverse | list }}|{{ 'abc' | reverse }}", "[1, 2, 3]|[3, 2, 1]|cba")]
    [TestCase("{{ [1, 2, 3] | sum }}|{{ [1, 5, 3] | max }}|{{ [4, 2, 8] | min }}", "6|5|2")]
    [TestCase("{{ {'b': 1, 'a': 2} | items | list }}|{{ {'b': 1, 'a': 2} | dictsort }}", "[('b', 1), ('a', 2)]|[('a', 2), ('b', 1)]")]
    [TestCase("{{ [1, 2, 3, 4] | select('odd') | list }}|{{ [1, 2, 3, 4] | reject('odd') | list }}|{{ [0, 1, '', 'x'] | select | list }}", "[1, 3]|[2, 4]|[1, 'x']")]
    [TestCase("{{ ['a', ' b '] | map('trim') | join('|') }}|{{ ['a', 'b'] | map('upper') | list }}", "a|b|['A', 'B']")]
    [TestCase("{{ 'one two  three' | wordcount }}|{{ '<a>&\"' | e }}|{{ 'x' | safe }}", "3|&lt;a&gt;&amp;&#34;|x")]
    [TestCase("{{ 'a\\nb\\n\\nc' | indent(2) }}|{{ 'a\\nb' | indent(2, true) }}|{{ 'a\\n\\nb' | indent(2, blank=true) }}", "a\n  b\n\n  c|  a\n  b|a\n  \n  b")]
    [TestCase("{{ [1, 2, 3, 4, 5] | batch(2) | list }}", "[[1, 2], [3, 4], [5]]")]
    public void Applies_filters_as_jinja2(string template, string expected)
    {
        Assert.That(Render.Text(template), Is.EqualTo(expected));
    }

    [TestCase("{{ people | selectattr('role', 'equalto', 'user') | map(attribute='name') | join(',') }}", "Bo,cy")]
    [TestCase("{{ people | rejectattr('role', 'eq', 'user') | map(attribute='name') | list }}", "['ann']")]
    [TestCase("{{ people | selectattr('age', 'defined') | list | length }}", "2")]
    [TestCase("{{ people | selectattr('age') | map(attribute='age') | sum }}", "55")]
    [TestCase("{{ people | map(attribute='age', default=0) | list }}", "[30, 25, 0]")]
    [TestCase("{{ people | sort(attribute='name') | map(attribute='name') | join(' ') }}", "ann Bo cy")]
    [TestCase("{{ people | map(attribute='name') | map('capitalize') | join(' ') }}", "Ann Bo Cy")]
    [TestCase("{{ people[0] | attr('name') }}", "ann")]
    public void Attribute_filters_read_dictionary_keys(string template, string expected)
    {
        Assert.That(Render.Text(template, People), Is.EqualTo(expected));
    }

    [TestCase("{{ {'a': 'é\"\\n', 'b': [1, 2.5, true, none]} | tojson }}", "{\"a\": \"é\\\"\\n\", \"b\": [1, 2.5, true, null]}")]
    [TestCase("{{ {'a': [1, {}], 'b': {}} | tojson(indent=2) }}", "{\n  \"a\": [\n    1,\n    {}\n  ],\n  \"b\": {}\n}")]
    [TestCase("{{ {'z': 1, 'a': 2} | tojson }}", "{\"z\": 1, \"a\": 2}")]
    [TestCase("{{ '<tag> & \\'q\\'' | tojson }}", "\"<tag> & 'q'\"")]
    public void Tojson_is_pythons_json_dumps_without_ascii_escaping_or_sorting(string template, string expected)
    {
        Assert.That(Render.Text(template), Is.EqualTo(expected));
    }
}
