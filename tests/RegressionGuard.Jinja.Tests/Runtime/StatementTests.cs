namespace RegressionGuard.Jinja.Tests.Runtime;

/// <summary>if/for/set/macro/call and loop control as jinja2 runs them.</summary>
public sealed class StatementTests
{
    [TestCase("{% if x > 2 %}big{% elif x > 1 %}mid{% else %}small{% endif %}", 3, "big")]
    [TestCase("{% if x > 2 %}big{% elif x > 1 %}mid{% else %}small{% endif %}", 2, "mid")]
    [TestCase("{% if x > 2 %}big{% elif x > 1 %}mid{% else %}small{% endif %}", 1, "small")]
    public void If_elif_else_picks_the_first_true_branch(string template, int x, string expected)
    {
        Assert.That(Render.Text(template, new Dictionary<string, object?> { ["x"] = x }), Is.EqualTo(expected));
    }

    [Test]
    public void For_exposes_the_loop_variable()
    {
        const string template = "{% for x in ['a', 'b', 'c'] %}{{ loop.index }}{{ loop.index0 }}{{ loop.revindex }}{{ loop.first }}{{ loop.last }}"
            + "{{ loop.length }}{{ loop.previtem }}{{ loop.nextitem }};{% endfor %}";

        var text = Render.Text(template);

        Assert.That(text, Is.EqualTo("103TrueFalse3b;212FalseFalse3ac;321FalseTrue3b;"));
    }

    [TestCase("{% for x in [] %}x{% else %}empty{% endfor %}", "empty")]
    [TestCase("{% for x in [1, 2, 3, 4] if x is even %}{{ x }}/{{ loop.length }} {% endfor %}", "2/2 4/2 ")]
    [TestCase("{% for k, v in {'a': 1, 'b': 2}.items() %}{{ k }}={{ v }};{% endfor %}", "a=1;b=2;")]
    [TestCase("{% for k in {'a': 1, 'b': 2} %}{{ k }}{% endfor %}", "ab")]
    [TestCase("{% for c in 'abc' %}{{ c }}-{% endfor %}", "a-b-c-")]
    [TestCase("{% for x in range(5) %}{% if x == 3 %}{% break %}{% endif %}{{ x }}{% endfor %}", "012")]
    [TestCase("{% for x in range(5) %}{% if x is odd %}{% continue %}{% endif %}{{ x }}{% endfor %}", "024")]
    [TestCase("{% for x in range(1, 10, 3) %}{{ x }}{% endfor %}|{% for x in range(3, 0, -1) %}{{ x }}{% endfor %}", "147|321")]
    [TestCase("{% for a in [1, 2] %}{% for b in 'xy' %}{{ loop.index }}{{ a }}{{ b }} {% endfor %}{{ loop.index }};{% endfor %}", "11x 21y 1;12x 22y 2;")]
    [TestCase("{% for x in missing %}x{% endfor %}ok", "ok")]
    public void For_loops_filter_unpack_break_and_fall_back(string template, string expected)
    {
        Assert.That(Render.Text(template), Is.EqualTo(expected));
    }

    [TestCase("{% set x = 1 %}{% for i in [1] %}{% set x = 2 %}{% endfor %}{{ x }}", "1")]
    [TestCase("{% set ns = namespace(x=1) %}{% for i in [1] %}{% set ns.x = 2 %}{% endfor %}{{ ns.x }}", "2")]
    [TestCase("{% set ns = namespace(found=false) %}{% for m in ['a', 'b'] %}{% if m == 'b' %}{% set ns.found = true %}{% endif %}{% endfor %}{{ ns.found }}", "True")]
    [TestCase("{% set a, b = 1, 2 %}{{ b }}{{ a }}", "21")]
    [TestCase("{% set block %}Hello {{ 'World' }}{% endset %}[{{ block }}]", "[Hello World]")]
    [TestCase("{% set block | upper %}shout{% endset %}{{ block }}", "SHOUT")]
    [TestCase("{% if true %}{% set y = 5 %}{% endif %}{{ y }}", "5")]
    [TestCase("{% filter upper %}abc{% endfilter %}", "ABC")]
    [TestCase("{% generation %}assistant text{% endgeneration %}", "assistant text")]
    public void Set_assigns_in_the_current_scope_and_namespaces_cross_loops(string template, string expected)
    {
        Assert.That(Render.Text(template), Is.EqualTo(expected));
    }

    [TestCase("{% macro greet(name, greeting='Hello') %}{{ greeting }}, {{ name }}!{% endmacro %}{{ greet('Ann') }} {{ greet('Bo', 'Hi') }} {{ greet(greeting='Yo', name='Cy') }}", "Hello, Ann! Hi, Bo! Yo, Cy!")]
    [TestCase("{% macro m(x) %}[{{ x }}]{% endmacro %}{{ m() }}", "[]")]
    [TestCase("{% macro box() %}<{{ caller() }}>{% endmacro %}{% call box() %}inside{% endcall %}", "<inside>")]
    [TestCase("{% macro f(n) %}{% if n > 0 %}{{ n }}{{ f(n - 1) }}{% endif %}{% endmacro %}{{ f(3) }}", "321")]
    [TestCase("{% set p = 'pre' %}{% macro m() %}{{ p }}{% endmacro %}{{ m() }}", "pre")]
    public void Macros_take_defaults_keywords_and_callers(string template, string expected)
    {
        Assert.That(Render.Text(template), Is.EqualTo(expected));
    }

    [Test]
    public void Strftime_now_uses_the_fixed_date_unless_a_clock_is_given()
    {
        var fixedText = Render.Text("{{ strftime_now('%d %b %Y') }}|{{ strftime_now('%-d %B %Y %H:%M') }}");
        var clocked = Render.Text("{{ strftime_now('%Y-%m-%d %A') }}", options: new JinjaOptions { Clock = () => new DateTimeOffset(2024, 7, 26, 9, 5, 0, TimeSpan.Zero) });

        Assert.Multiple(() =>
        {
            Assert.That(fixedText, Is.EqualTo("01 Jan 2026|1 January 2026 00:00"));
            Assert.That(clocked, Is.EqualTo("2024-07-26 Friday"));
        });
    }
}
