namespace RegressionGuard.Jinja.Tests.Runtime;

/// <summary>Expressions with Python/jinja2 semantics; each expected text is what jinja2 3.1 prints.</summary>
public sealed class ExpressionTests
{
    [TestCase("{{ 1 + 2 * 3 }}", "7")]
    [TestCase("{{ (1 + 2) * 3 }}", "9")]
    [TestCase("{{ 7 / 2 }}", "3.5")]
    [TestCase("{{ 6 / 3 }}", "2.0")]
    [TestCase("{{ 7 // 2 }}|{{ -7 // 2 }}", "3|-4")]
    [TestCase("{{ 7 % 3 }}|{{ -7 % 3 }}", "1|2")]
    [TestCase("{{ 2 ** 10 }}", "1024")]
    [TestCase("{{ 1.5 + 1 }}", "2.5")]
    [TestCase("{{ 1e20 }}|{{ 0.1 + 0.2 }}", "1e+20|0.30000000000000004")]
    [TestCase("{{ -3 }}|{{ - -3 }}", "-3|3")]
    [TestCase("{{ 'a' ~ 1 ~ none ~ true }}", "a1NoneTrue")]
    [TestCase("{{ 'ab' + 'cd' }}", "abcd")]
    [TestCase("{{ 'ab' * 3 }}", "ababab")]
    [TestCase("{{ [1, 2] + [3] }}", "[1, 2, 3]")]
    [TestCase("{{ {'a': 1, 'b': [true, none]} }}", "{'a': 1, 'b': [True, None]}")]
    [TestCase("{{ ('x', 2) }}|{{ (1,) }}|{{ () }}", "('x', 2)|(1,)|()")]
    [TestCase("{{ \"it's\" }}|{{ ['it\\'s'] }}", "it's|[\"it's\"]")]
    [TestCase("{{ 'tab\\there\\nnewline \\u00e9 \\x41' }}", "tab\there\nnewline é A")]
    [TestCase("{{ 'con' 'cat' }}", "concat")]
    [TestCase("{{ 1 < 2 < 3 }}|{{ 1 < 3 < 2 }}", "True|False")]
    [TestCase("{{ 1 == 1.0 }}|{{ 'a' != 'b' }}|{{ [1, 2] == [1, 2] }}", "True|True|True")]
    [TestCase("{{ 'b' > 'a' }}|{{ [1, 2] < [1, 3] }}", "True|True")]
    [TestCase("{{ 'ell' in 'hello' }}|{{ 2 in [1, 2] }}|{{ 'k' in {'k': 1} }}|{{ 3 not in [1] }}", "True|True|True|True")]
    [TestCase("{{ not true }}|{{ not 0 }}|{{ not '' }}|{{ not [] }}|{{ not {} }}", "False|True|True|True|True")]
    [TestCase("{{ 0 or 'x' }}|{{ 1 and 'y' }}|{{ '' and 'z' }}", "x|y|")]
    [TestCase("{{ 'yes' if 1 else 'no' }}|{{ 'yes' if 0 else 'no' }}|{{ 'only' if false }}", "yes|no|")]
    [TestCase("{{ none }}|{{ None }}|{{ true }}|{{ True }}|{{ false }}", "None|None|True|True|False")]
    [TestCase("{{ missing }}|{{ missing is defined }}|{{ missing is undefined }}", "|False|True")]
    [TestCase("{{ 'a' if missing else 'b' }}", "b")]
    public void Evaluates_expressions_as_jinja2(string template, string expected)
    {
        Assert.That(Render.Text(template), Is.EqualTo(expected));
    }

    [TestCase("{{ 'hello'[1] }}|{{ 'hello'[-1] }}", "e|o")]
    [TestCase("{{ 'hello'[1:3] }}|{{ 'hello'[::-1] }}|{{ 'hello'[::2] }}|{{ 'hello'[-3:] }}", "el|olleh|hlo|llo")]
    [TestCase("{{ [1, 2, 3, 4][1:] }}|{{ [1, 2, 3, 4][:-1] }}|{{ [1, 2, 3, 4][::-1] }}|{{ [1, 2, 3, 4][-1:0:-2] }}", "[2, 3, 4]|[1, 2, 3]|[4, 3, 2, 1]|[4, 2]")]
    [TestCase("{{ [1, 2][5:9] }}|{{ [1, 2][7] }}", "[]|")]
    [TestCase("{{ '👋🏽a'[0] }}|{{ '👋🏽a' | length }}|{{ '👋🏽a'[::-1] }}", "👋|3|a🏽👋")]
    [TestCase("{{ d.a }}|{{ d['a'] }}|{{ d.missing }}|{{ d.nested.x }}|{{ d['nested']['x'] }}", "1|1||2|2")]
    [TestCase("{{ items.0 }}|{{ items[1] }}", "x|y")]
    public void Indexes_slices_and_reads_attributes(string template, string expected)
    {
        var variables = new Dictionary<string, object?>
        {
            ["d"] = new Dictionary<string, object?> { ["a"] = 1, ["nested"] = new Dictionary<string, object?> { ["x"] = 2 } },
            ["items"] = new List<object?> { "x", "y" },
        };

        Assert.That(Render.Text(template, variables), Is.EqualTo(expected));
    }

    [Test]
    public void Json_element_variables_are_read_as_values()
    {
        var json = System.Text.Json.JsonDocument.Parse("""{"messages": [{"role": "user", "content": "hi", "n": 2, "f": 1.5, "ok": true, "x": null}]}""");

        var text = Render.Text("{% for m in messages %}{{ m.role }}:{{ m.content }}:{{ m.n + 1 }}:{{ m.f }}:{{ m.ok }}:{{ m.x }}{% endfor %}",
            new Dictionary<string, object?> { ["messages"] = json.RootElement.GetProperty("messages") });

        Assert.That(text, Is.EqualTo("user:hi:3:1.5:True:None"));
    }
}
