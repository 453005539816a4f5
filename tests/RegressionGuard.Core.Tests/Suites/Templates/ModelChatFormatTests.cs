using RegressionGuard.Core.Tests.Suites;
using RegressionGuard.Modeling;
using RegressionGuard.Suites;
using RegressionGuard.Suites.Evaluation;
using RegressionGuard.Suites.Items;
using RegressionGuard.Suites.Loading;
using RegressionGuard.Suites.Templates;
using RegressionGuard.Testing;

namespace RegressionGuard.Core.Tests.Suites.Templates;

/// <summary><c>chat_format: model</c>: items rendered by the model's own template, sent without a second BOS.</summary>
public sealed class ModelChatFormatTests
{
    const string Suite = """
        schema: 1
        id: chat
        task: multiple_choice
        chat_format: model
        system: "Answer with one word."
        templates:
          prompt: "Is the sky {{ colour }}?"
        choices:
          templates: [" yes", " no"]
        answer: gold
        items:
          - {colour: blue, gold: 0}
        """;

    static ModelChatTemplate Template(TempFolder dir, string source)
    {
        File.WriteAllText(dir.File(ModelChatTemplate.ConfigFile), "{\"bos_token\": \"<BOS>\", \"chat_template\": " + System.Text.Json.JsonSerializer.Serialize(source) + "}");
        return ModelChatTemplate.Load(dir.Path)!;
    }

    [Test]
    public void Items_are_rendered_by_the_models_template_with_the_system_prompt_and_generation_prompt()
    {
        // Given a suite with chat_format: model and a model template
        using var dir = new TempFolder();
        var template = Template(dir, "{{ bos_token }}{% for m in messages %}[{{ m.role }}] {{ m.content }}\n{% endfor %}{% if add_generation_prompt %}[assistant]{% endif %}");

        // When its items are built
        var items = SuiteItemBuilder.Build(SuiteLoader.Parse(Suite, "/suites/chat.yaml"), null, template);

        // Then
        Assert.That(items[0].Context, Is.EqualTo("<BOS>[system] Answer with one word.\n[user] Is the sky blue?\n[assistant]"));
    }

    [Test]
    public void Requests_of_a_model_formatted_suite_add_no_special_tokens()
    {
        using var dir = new TempFolder();
        var template = Template(dir, "{{ bos_token }}{{ messages[-1].content }}");
        var suite = SuiteLoader.Parse(Suite, "/suites/chat.yaml");
        var seen = new List<LogLikelihoodRequest>();

        SuiteEvaluator.Evaluate(suite, SuiteItemBuilder.Build(suite, null, template), new ScriptedModel(r => { seen.Add(r); return 0; }));
        var plain = suite with { ChatFormat = "plain" };
        SuiteEvaluator.Evaluate(plain, SuiteItemBuilder.Build(plain), new ScriptedModel(r => { seen.Add(r); return 0; }));

        Assert.Multiple(() =>
        {
            Assert.That(seen.Take(2).Select(r => r.AddSpecialTokens), Is.All.False);
            Assert.That(seen.Take(2).Select(r => r.Context), Is.All.EqualTo("<BOS>Is the sky blue?"));
            Assert.That(seen.Skip(2).Select(r => r.AddSpecialTokens), Is.All.True);
        });
    }

    [Test]
    public void A_model_formatted_suite_without_a_template_is_an_error_listing_the_fallbacks()
    {
        var e = Assert.Throws<SuiteValidationException>(() => SuiteItemBuilder.Build(SuiteLoader.Parse(Suite, "/suites/chat.yaml")))!;

        Assert.That(e.Errors.Single().ToString(), Is.EqualTo("/suites/chat.yaml:1:1: chat_format 'model' needs the model's chat template, but the model has none (chat_template.jinja, or 'chat_template' in tokenizer_config.json); use one of the named formats instead: plain, llama2, llama3, chatml"));
    }

    [Test]
    public void A_template_that_raises_on_an_item_is_reported_with_the_item()
    {
        using var dir = new TempFolder();
        var template = Template(dir, "{% if messages[0].role == 'system' %}{{ raise_exception('no system role') }}{% endif %}");

        var e = Assert.Throws<SuiteValidationException>(() => SuiteItemBuilder.Build(SuiteLoader.Parse(Suite, "/suites/chat.yaml"), null, template))!;

        Assert.That(e.Errors.Single().Message, Does.EndWith($"{dir.File(ModelChatTemplate.ConfigFile)}: chat_template, line 1:41: the template raised: no system role"));
    }

    [Test]
    public void Model_is_an_accepted_chat_format_beside_the_four_named_ones()
    {
        Assert.That(ChatFormats.Names, Is.EqualTo(new[] { "plain", "llama2", "llama3", "chatml", "model" }));
    }
}
