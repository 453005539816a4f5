using RegressionGuard.Suites;
using RegressionGuard.Suites.Templates;

namespace RegressionGuard.Core.Tests.Suites.Templates;

/// <summary>
/// Templates come from other people: rendering is bounded in output size and memory (not only in steps), and nothing
/// in a prompt may depend on the clock.
/// </summary>
public sealed class PromptTemplateLimitsTests
{
    static readonly Dictionary<string, object?> Fields = new() { ["q"] = "question" };

    static string Render(string text)
    {
        if (!PromptTemplate.TryParse(new TemplateText(text, new SourcePosition("suite.yaml", 3, 11)), out var template, out var error))
        {
            throw new SuiteDataException(error!);
        }

        return template!.Render(Fields);
    }

    [TestCase("{% for i in (1..1000000000) %}x{% endfor %}", "a range may have at most 100,000 values", TestName = "A loop over a billion numbers fails fast with a clear error")]
    [TestCase("{{ (1..1000000000) | join: ',' }}", "a range may have at most 100,000 values", TestName = "Joining a billion numbers fails fast with a clear error")]
    [TestCase("{% assign s = 'xx' %}{% for i in (1..40) %}{% assign s = s | append: s %}{% endfor %}{{ s }}", "a template value may have at most 1,000,000 characters", TestName = "A string doubled forty times with append fails fast")]
    [TestCase("{% assign s = 'xx' %}{% for i in (1..40) %}{% capture s %}{{ s }}{{ s }}{% endcapture %}{% endfor %}{{ s }}", "at most 1,000,000 characters", TestName = "A string doubled forty times with capture fails fast")]
    [TestCase("{% for i in (1..100000) %}{% assign x = i %}{% assign y = i %}{% endfor %}", "the template ran past its limits of 100,000 statements", TestName = "A long loop stops at the step limit")]
    public void Runaway_templates_fail_fast_in_little_memory(string text, string expected)
    {
        // Given a template written to exhaust memory
        long before = GC.GetAllocatedBytesForCurrentThread();

        // When it is rendered
        var error = Assert.Throws<SuiteDataException>(() => Render(text))!;

        // Then it fails with a clear error having allocated little
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.That(error.Message, Does.Contain(expected));
        Assert.That(allocated, Is.LessThan(64L << 20), "bytes allocated while rendering");
    }

    [Test]
    public void Output_larger_than_the_limit_is_refused()
    {
        var error = Assert.Throws<SuiteDataException>(() => Render("{% for i in (1..20000) %}{{ 'x' | append: '0123456789012345678901234567890123456789012345678901234567890123456789' }}{% endfor %}"))!;
        Assert.That(error.Message, Does.Contain("the rendered prompt may have at most 1,000,000 characters"));
    }

    [TestCase("{{ 'now' | date: '%Y' }}", TestName = "The date filter is not available, so a prompt cannot depend on the clock")]
    [TestCase("{{ 'today' | date: '%s' }}", TestName = "Today is not available either")]
    public void Clock_dependent_filters_are_refused_when_parsed(string text)
    {
        var parsed = PromptTemplate.TryParse(new TemplateText(text, new SourcePosition("suite.yaml", 3, 11)), out _, out var error);
        Assert.That(parsed, Is.False);
        Assert.That(error, Does.Contain("unknown filter 'date'"));
    }

    [Test]
    public void Ordinary_templates_render_as_before()
    {
        Assert.That(Render("{{ q | upcase }}: {% for i in (1..3) %}{{ i }}{% endfor %} <b>{{ 'a,b' | split: ',' | join: '+' }}</b>"), Is.EqualTo("QUESTION: 123 <b>a+b</b>"));
    }
}
