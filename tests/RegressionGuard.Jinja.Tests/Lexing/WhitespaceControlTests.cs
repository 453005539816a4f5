namespace RegressionGuard.Jinja.Tests.Lexing;

/// <summary>Whitespace as jinja2 renders it with trim_blocks and lstrip_blocks (transformers' settings).</summary>
public sealed class WhitespaceControlTests
{
    [TestCase("a\n{% if true %}\nb\n{% endif %}\nc", "a\nb\nc", TestName = "Block_tags_on_their_own_lines_leave_no_blank_lines")]
    [TestCase("a\n    {% if true %}\n    b\n    {% endif %}\nc", "a\n    b\nc", TestName = "Indentation_before_block_tags_is_removed")]
    [TestCase("a  {%- if true %} b {% endif -%}  c", "a b c", TestName = "A_minus_strips_all_whitespace_on_its_side")]
    [TestCase("{{ 'x' }}\ny", "x\ny", TestName = "The_newline_after_a_variable_tag_is_kept")]
    [TestCase("a\n  {{- 'x' -}}  \n b", "axb", TestName = "Minus_on_a_variable_tag_strips_newlines_too")]
    [TestCase("a {% if true %}b{% endif %}", "a b", TestName = "Text_before_a_tag_on_the_same_line_is_not_lstripped")]
    [TestCase("a\n  {%+ if true %}b{% endif %}", "a\n  b", TestName = "A_plus_keeps_the_indentation")]
    [TestCase("{% if true +%}\nb{% endif %}", "\nb", TestName = "A_plus_at_the_end_keeps_the_newline")]
    [TestCase("a\n  {# note #}\nb", "a\nb", TestName = "Comments_are_trimmed_like_blocks")]
    [TestCase("{% raw %}{{ not rendered }}{% endraw %}", "{{ not rendered }}", TestName = "Raw_blocks_are_copied_verbatim")]
    [TestCase("a\r\n{% if true %}\r\nb{% endif %}", "a\r\nb", TestName = "Trim_blocks_removes_a_CRLF_newline")]
    public void Renders_whitespace_as_jinja2(string template, string expected)
    {
        // Given a template with whitespace around tags / When rendered with the transformers options
        var text = Render.Text(template);

        // Then
        Assert.That(text, Is.EqualTo(expected));
    }

    [Test]
    public void Without_trim_and_lstrip_the_template_whitespace_is_kept()
    {
        var options = new JinjaOptions { TrimBlocks = false, LstripBlocks = false };

        var text = Render.Text("a\n  {% if true %}\nb\n{% endif %}\n", options: options);

        Assert.That(text, Is.EqualTo("a\n  \nb\n\n"));
    }
}
