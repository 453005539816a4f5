using RegressionGuard.Modeling;
using RegressionGuard.Suites.Templates;
using RegressionGuard.Testing;

namespace RegressionGuard.Core.Tests.Modeling;

public sealed class ModelChatTemplateTests
{
    const string Template = "{{ bos_token }}{% for m in messages %}<{{ m.role }}>{{ m.content }}{{ eos_token }}{% endfor %}{% if add_generation_prompt %}<assistant>{% endif %}";

    static readonly ChatMessage[] Conversation = { new("system", "Be brief."), new("user", "Hi") };

    static void WriteConfig(TempFolder dir, string chatTemplateJson, string extra = "") =>
        File.WriteAllText(dir.File(ModelChatTemplate.ConfigFile),
            "{" + extra + "\"bos_token\": {\"content\": \"<s>\", \"lstrip\": false}, \"eos_token\": \"</s>\", \"chat_template\": " + chatTemplateJson + "}");

    static string Json(string text) => System.Text.Json.JsonSerializer.Serialize(text);

    [Test]
    public void Renders_the_chat_template_of_tokenizer_config_with_its_special_tokens()
    {
        // Given a tokenizer_config.json whose BOS is an AddedToken object and EOS a string
        using var dir = new TempFolder();
        WriteConfig(dir, Json(Template));

        // When the conversation is rendered with and without the generation prompt
        var template = ModelChatTemplate.Load(dir.Path)!;
        var withPrompt = template.Render(Conversation, addGenerationPrompt: true);
        var without = template.Render(Conversation, addGenerationPrompt: false);

        // Then
        Assert.Multiple(() =>
        {
            Assert.That(withPrompt, Is.EqualTo("<s><system>Be brief.</s><user>Hi</s><assistant>"));
            Assert.That(without, Is.EqualTo("<s><system>Be brief.</s><user>Hi</s>"));
        });
    }

    [Test]
    public void Chat_template_jinja_wins_over_tokenizer_config()
    {
        using var dir = new TempFolder();
        WriteConfig(dir, Json("from the config"));
        File.WriteAllText(dir.File(ModelChatTemplate.TemplateFile), "from the file {{ eos_token }}");

        var template = ModelChatTemplate.Load(dir.Path)!;

        Assert.Multiple(() =>
        {
            Assert.That(template.Render(Conversation, true), Is.EqualTo("from the file </s>"));
            Assert.That(template.File, Is.EqualTo(dir.File(ModelChatTemplate.TemplateFile)));
        });
    }

    [Test]
    public void A_named_template_list_uses_default()
    {
        using var dir = new TempFolder();
        WriteConfig(dir, "[{\"name\": \"tool_use\", \"template\": \"tools\"}, {\"name\": \"default\", \"template\": \"plain chat\"}]");

        Assert.That(ModelChatTemplate.Load(dir.Path)!.Render(Conversation, true), Is.EqualTo("plain chat"));
    }

    [Test]
    public void A_named_template_list_without_default_is_an_error_naming_the_templates()
    {
        using var dir = new TempFolder();
        WriteConfig(dir, "[{\"name\": \"tool_use\", \"template\": \"tools\"}, {\"name\": \"rag\", \"template\": \"docs\"}]");

        var e = Assert.Throws<ChatTemplateException>(() => ModelChatTemplate.Load(dir.Path))!;

        Assert.That(e.Message, Is.EqualTo($"{dir.File(ModelChatTemplate.ConfigFile)}: 'chat_template' names tool_use, rag but none is 'default'"));
    }

    [Test]
    public void Special_tokens_map_fills_in_what_tokenizer_config_lacks()
    {
        using var dir = new TempFolder();
        File.WriteAllText(dir.File(ModelChatTemplate.SpecialTokensMapFile), "{\"eos_token\": \"<map-eos>\", \"pad_token\": \"<pad>\", \"additional_special_tokens\": [\"<a>\", {\"content\": \"<b>\"}]}");
        WriteConfig(dir, Json("{{ bos_token }} {{ eos_token }} {{ pad_token }} {{ additional_special_tokens | join(',') }}"));

        var text = ModelChatTemplate.Load(dir.Path)!.Render(Conversation, true);

        Assert.That(text, Is.EqualTo("<s> </s> <pad> <a>,<b>"));
    }

    [Test]
    public void Variables_win_over_special_tokens()
    {
        using var dir = new TempFolder();
        WriteConfig(dir, Json("{{ eos_token }}{% if enable_thinking is false %} no thinking{% endif %}"));

        var text = ModelChatTemplate.Load(dir.Path)!.Render(Conversation, true, new Dictionary<string, object?> { ["eos_token"] = "E", ["enable_thinking"] = false });

        Assert.That(text, Is.EqualTo("E no thinking"));
    }

    [Test]
    public void Find_looks_beside_the_model_then_the_tokenizer_then_an_adapters_base()
    {
        // Given a model folder without a template, a tokenizer folder with one, and an adapter whose base has one
        using var root = new TempFolder();
        var model = Directory.CreateDirectory(Path.Combine(root.Path, "model")).FullName;
        var tokenizer = Directory.CreateDirectory(Path.Combine(root.Path, "tok")).FullName;
        var adapter = Directory.CreateDirectory(Path.Combine(root.Path, "adapter")).FullName;
        File.WriteAllText(Path.Combine(tokenizer, ModelChatTemplate.TemplateFile), "tokenizer's");
        File.WriteAllText(Path.Combine(model, ModelChatTemplate.TemplateFile + ".unused"), "");
        File.WriteAllText(Path.Combine(adapter, "adapter_config.json"), "{\"base_model_name_or_path\": \"../tok\"}");

        // When / Then
        Assert.Multiple(() =>
        {
            Assert.That(ModelChatTemplate.Find(model), Is.Null);
            Assert.That(ModelChatTemplate.Find(model, Path.Combine(tokenizer, "tokenizer.json"))!.Source, Is.EqualTo("tokenizer's"));
            Assert.That(ModelChatTemplate.Find(adapter)!.Source, Is.EqualTo("tokenizer's"));
        });
    }

    [Test]
    public void A_model_without_a_template_is_an_error_listing_the_named_formats()
    {
        using var dir = new TempFolder();
        File.WriteAllText(dir.File(ModelChatTemplate.ConfigFile), "{\"bos_token\": \"<s>\"}");

        var e = Assert.Throws<ChatTemplateException>(() => ChatFormats.TemplateOf(dir.Path))!;

        Assert.That(e.Message, Is.EqualTo($"chat_format 'model' needs the model's chat template, but {dir.Path} has none (chat_template.jinja, or 'chat_template' in tokenizer_config.json); use one of the named formats instead: plain, llama2, llama3, chatml"));
    }

    [Test]
    public void A_syntax_error_names_the_template_file_and_line_col()
    {
        using var dir = new TempFolder();
        File.WriteAllText(dir.File(ModelChatTemplate.TemplateFile), "{% for m in messages %}\n  {{ m.content | nofilter }}\n{% endfor %}");

        var e = Assert.Throws<ChatTemplateException>(() => ModelChatTemplate.Load(dir.Path)!.Validate())!;

        Assert.That(e.Message, Is.EqualTo($"{dir.File(ModelChatTemplate.TemplateFile)}:2:18: syntax error: unknown filter 'nofilter'"));
    }

    [Test]
    public void A_template_that_raises_names_its_message_and_position_in_the_config()
    {
        using var dir = new TempFolder();
        WriteConfig(dir, Json("{% if messages[0].role == 'system' %}\n{{ raise_exception('System role not supported') }}\n{% endif %}"));

        var e = Assert.Throws<ChatTemplateException>(() => ModelChatTemplate.Load(dir.Path)!.Render(Conversation, true))!;

        Assert.That(e.Message, Is.EqualTo($"{dir.File(ModelChatTemplate.ConfigFile)}: chat_template, line 2:4: the template raised: System role not supported"));
    }

    [Test]
    public void Invalid_json_names_the_file_and_position()
    {
        using var dir = new TempFolder();
        File.WriteAllText(dir.File(ModelChatTemplate.ConfigFile), "{\"chat_template\": \"x\",\n  oops}");

        var e = Assert.Throws<ChatTemplateException>(() => ModelChatTemplate.Load(dir.Path))!;

        Assert.That(e.Message, Does.StartWith($"{dir.File(ModelChatTemplate.ConfigFile)}:2:3: invalid JSON"));
    }
}
