using RegressionGuard.Suites.Loading;
using YamlDotNet.RepresentationModel;

namespace RegressionGuard.Core.Tests.Suites.Loading;

public sealed class YamlTextTests
{
    static string ReadBack(string scalar)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader($"key: {scalar}\nnext: 1\n"));
        var root = (YamlMappingNode)stream.Documents[0].RootNode;
        Assert.That(root.Children, Has.Count.EqualTo(2), "the value must not swallow or add keys");
        return ((YamlScalarNode)root.Children[new YamlScalarNode("key")]).Value!;
    }

    [TestCase("answerKey")]
    [TestCase("question.choices[*].text")]
    [TestCase("a \"quoted\" {{ evil }} # not a comment")]
    [TestCase("line\nbreak: injected\r\n- item")]
    [TestCase("back\\slash \t tab \u0001 control \u2028 separator \u0085 next line \uFEFF bom")]
    [TestCase("true")]
    [TestCase("null")]
    [TestCase("123")]
    [TestCase("- dash")]
    [TestCase("")]
    [TestCase("emoji 😀 and accents éü")]
    public void A_scalar_reads_back_as_exactly_the_text_written(string text)
    {
        Assert.That(ReadBack(YamlText.Scalar(text)), Is.EqualTo(text));
    }

    [Test]
    public void A_lone_surrogate_becomes_a_replacement_character()
    {
        Assert.That(ReadBack(YamlText.Quote("a\uD800b")), Is.EqualTo("a\uFFFDb"));
    }

    [Test]
    public void Simple_names_stay_plain_and_everything_else_is_quoted()
    {
        Assert.That(YamlText.Scalar("answerKey"), Is.EqualTo("answerKey"));
        Assert.That(YamlText.Scalar("true"), Is.EqualTo("\"true\""));
        Assert.That(YamlText.List(["A", "1", "x y"]), Is.EqualTo("[A, \"1\", \"x y\"]"));
    }

    [Test]
    public void Shown_text_has_no_line_break_or_control_character()
    {
        Assert.That(YamlText.Show("a\nb\r\u001b[31m\u2028"), Is.EqualTo("'a\\nb\\r\\u001B[31m\\u2028'"));
    }

    [TestCase("question", true)]
    [TestCase("question.stem", true)]
    [TestCase("choices[*].text", false)]
    [TestCase("a b", false)]
    [TestCase("q }}{% raw %}", false)]
    [TestCase("empty", false)]
    [TestCase("1st", false)]
    public void Only_plain_dotted_names_are_template_names(string path, bool expected)
    {
        Assert.That(YamlText.IsTemplateName(path), Is.EqualTo(expected));
    }
}
