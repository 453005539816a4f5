using System.Text.Json;
using RegressionGuard.Testing;

namespace RegressionGuard.Jinja.Tests;

/// <summary>
/// The Qwen3 and Llama 3.1 chat templates in ../shared render exactly as Hugging Face's own engine renders them
/// (goldens from tools/goldens/jinja/generate.mjs with @huggingface/jinja).
/// </summary>
public sealed class ChatTemplateGoldenTests
{
    public sealed record Case(string Tokenizer, string Conversation, JsonElement Messages, JsonElement Options, JsonElement SpecialTokens, string Text)
    {
        public override string ToString() => $"{Tokenizer}: {Conversation} {Options}";
    }

    static JsonDocument Goldens() =>
        JsonDocument.Parse(File.ReadAllText(RepositoryFiles.Path("tests/RegressionGuard.Jinja.Tests/Goldens/chat-templates.json")));

    public static IEnumerable<TestCaseData> Cases()
    {
        using var goldens = Goldens();
        foreach (var tokenizer in goldens.RootElement.GetProperty("tokenizers").EnumerateArray())
        {
            var name = tokenizer.GetProperty("name").GetString()!;
            foreach (var c in tokenizer.GetProperty("cases").EnumerateArray())
            {
                var golden = new Case(name, c.GetProperty("conversation").GetString()!, c.GetProperty("messages").Clone(), c.GetProperty("options").Clone(),
                    tokenizer.GetProperty("special_tokens").Clone(), c.GetProperty("text").GetString()!);
                yield return new TestCaseData(golden).SetName($"Renders_{name}_{c.GetProperty("conversation").GetString()!.Replace(' ', '_')}_{c.GetProperty("options")}");
            }
        }
    }

    public static IEnumerable<TestCaseData> StyleCases()
    {
        using var goldens = Goldens();
        foreach (var template in goldens.RootElement.GetProperty("templates").EnumerateArray())
        {
            var name = template.GetProperty("name").GetString()!;
            foreach (var c in template.GetProperty("cases").EnumerateArray())
            {
                yield return new TestCaseData(template.GetProperty("template").GetString()!, template.GetProperty("special_tokens").Clone(),
                        c.GetProperty("messages").Clone(), c.GetProperty("options").Clone(), c.GetProperty("text").GetString()!)
                    .SetName($"Renders_{name}_{c.GetProperty("conversation").GetString()!.Replace(' ', '_')}_{c.GetProperty("options")}");
            }
        }
    }

    [TestCaseSource(nameof(StyleCases))]
    public void Templates_in_other_families_layouts_render_as_huggingface_jinja(string source, JsonElement specialTokens, JsonElement messages, JsonElement options, string expected)
    {
        var variables = new Dictionary<string, object?> { ["messages"] = messages };
        foreach (var p in specialTokens.EnumerateObject().Concat(options.EnumerateObject()))
        {
            variables[p.Name] = p.Value;
        }

        var text = JinjaTemplate.Parse(source).Render(variables);

        Assert.That(text, Is.EqualTo(expected));
    }

    [Test]
    public void A_gemma_style_template_refuses_a_system_turn_with_its_message_and_position()
    {
        using var goldens = Goldens();
        var source = goldens.RootElement.GetProperty("templates").EnumerateArray().Single(t => t.GetProperty("name").GetString() == "gemma-style").GetProperty("template").GetString()!;
        var messages = new List<object?> { new Dictionary<string, object?> { ["role"] = "system", ["content"] = "x" } };

        var e = Assert.Throws<JinjaException>(() => JinjaTemplate.Parse(source).Render(new Dictionary<string, object?> { ["messages"] = messages, ["bos_token"] = "<bos>" }))!;

        Assert.That(e.Message, Is.EqualTo("1:59: the template raised: System role not supported"));
    }

    [Test]
    public void The_goldens_cover_ten_conversations_per_template_with_the_generation_prompt_on_and_off()
    {
        using var goldens = Goldens();
        foreach (var tokenizer in goldens.RootElement.GetProperty("tokenizers").EnumerateArray())
        {
            var cases = tokenizer.GetProperty("cases").EnumerateArray().ToList();
            Assert.Multiple(() =>
            {
                Assert.That(cases.Select(c => c.GetProperty("conversation").GetString()).Distinct().Count(), Is.GreaterThanOrEqualTo(10));
                Assert.That(cases.Select(c => c.GetProperty("options").GetProperty("add_generation_prompt").GetBoolean()).Distinct().Count(), Is.EqualTo(2));
            });
        }
    }

    [TestCaseSource(nameof(Cases))]
    public void Renders_exactly_as_huggingface_jinja(Case golden)
    {
        // Given the template from the tokenizer_config.json in ../shared
        var config = JsonDocument.Parse(File.ReadAllText(SharedData.Path($"tokenizers/{golden.Tokenizer}/tokenizer_config.json")));
        var template = JinjaTemplate.Parse(config.RootElement.GetProperty("chat_template").GetString()!);
        var variables = new Dictionary<string, object?> { ["messages"] = golden.Messages };
        foreach (var p in golden.SpecialTokens.EnumerateObject())
        {
            variables[p.Name] = p.Value;
        }
        foreach (var p in golden.Options.EnumerateObject())
        {
            variables[p.Name] = p.Value;
        }

        // When rendered
        var text = template.Render(variables);

        // Then
        Assert.That(text, Is.EqualTo(golden.Text));
    }
}
