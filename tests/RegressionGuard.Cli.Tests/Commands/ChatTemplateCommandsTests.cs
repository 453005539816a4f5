using System.Text.Json;
using RegressionGuard.Modeling;
using RegressionGuard.Testing;
using RegressionGuard.Torch.Runtime;

namespace RegressionGuard.Cli.Tests.Commands;

/// <summary><c>--chat-format model</c> on the CLI: the model folder's own template, and its errors as exit 2 with line:col.</summary>
public sealed class ChatTemplateCommandsTests
{
    static string Bin => SharedData.Path("models/stories260K/stories260K.bin");

    static string Facts => RepositoryFiles.Path("suites/tinystories/tinystories_facts.yaml");

    /// <summary>stories260K as a Hugging Face folder with the given chat_template.jinja and BOS "&lt;s&gt;".</summary>
    static TempFolder ModelWithTemplate(string template)
    {
        var dir = new TempFolder();
        var convert = CliRun.Of("convert", "--from", Bin, "--to", dir.Path);
        Assert.That(convert.ExitCode, Is.Zero, convert.Error);
        File.WriteAllText(dir.File("tokenizer_config.json"), "{\"bos_token\": \"<s>\", \"eos_token\": \"</s>\"}");
        File.WriteAllText(dir.File("chat_template.jinja"), template);
        return dir;
    }

    [Test]
    public void Generate_with_the_models_template_sends_the_rendered_text_without_a_bos()
    {
        // Given a template that renders the user's message alone (no BOS text)
        using var model = ModelWithTemplate("{% for m in messages %}{{ m.content }}{% endfor %}");

        // When generating through the template, and through the API without BOS
        var templated = CliRun.Of("generate", "--model", model.Path, "--prompt", "Once upon a time", "--chat-format", "model", "-n", "16", "--json");
        using var lm = TorchLanguageModel.Load(model.Path);
        var withoutBos = lm.Generate(new[] { new GenerationRequest("Once upon a time", 16, null, AddSpecialTokens: false) })[0];

        // Then the CLI sent exactly the rendered text, with no BOS added
        Assert.That(templated.ExitCode, Is.Zero, templated.Error);
        var ids = JsonDocument.Parse(templated.Out).RootElement.GetProperty("token_ids").EnumerateArray().Select(i => i.GetInt32()).ToList();
        Assert.That(ids, Is.EqualTo(withoutBos.TokenIds));
    }

    [Test]
    public void Eval_with_chat_format_model_renders_items_with_the_template()
    {
        using var model = ModelWithTemplate("Story: {{ messages[-1].content }}");
        using var outDir = new TempFolder();

        var run = CliRun.Of("eval", "--model", model.Path, "--suite", Facts, "--limit", "3", "--chat-format", "model", "--json", "--out", outDir.Path);

        Assert.That(run.ExitCode, Is.Zero, run.Error);
        var prompts = File.ReadAllLines(outDir.File("items.jsonl")).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("prompt").GetString()).ToList();
        Assert.That(prompts, Has.Count.EqualTo(3).And.All.StartWith("Story: "));
    }

    [Test]
    public void A_template_that_raises_exits_2_with_its_message_and_position()
    {
        using var model = ModelWithTemplate("{% for m in messages %}\n{% if m.role == 'user' %}{{ raise_exception('Only system turns here') }}{% endif %}\n{% endfor %}");

        var run = CliRun.Of("generate", "--model", model.Path, "--prompt", "Hi", "--chat-format", "model");

        Assert.Multiple(() =>
        {
            Assert.That(run.ExitCode, Is.EqualTo(2));
            Assert.That(run.Error, Is.EqualTo($"error: {model.File("chat_template.jinja")}:2:29: the template raised: Only system turns here{Environment.NewLine}"));
        });
    }

    [Test]
    public void A_loop_bomb_template_exits_2_with_the_limit_and_position()
    {
        using var model = ModelWithTemplate("{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}{{ messages[0].content }}");

        var run = CliRun.Of("eval", "--model", model.Path, "--suite", Facts, "--limit", "1", "--chat-format", "model");

        Assert.Multiple(() =>
        {
            Assert.That(run.ExitCode, Is.EqualTo(2));
            Assert.That(run.Error, Does.Contain($"{model.File("chat_template.jinja")}:1:").And.Contain("limit exceeded: more than 100000 loop iterations"));
            Assert.That(run.Error, Does.Not.Contain("   at "));
        });
    }

    [Test]
    public void A_model_without_a_template_exits_2_naming_the_fallback_formats()
    {
        var run = CliRun.Of("generate", "--model", Bin, "--prompt", "Hi", "--chat-format", "model");

        Assert.Multiple(() =>
        {
            Assert.That(run.ExitCode, Is.EqualTo(2));
            Assert.That(run.Error, Does.Contain("chat_format 'model' needs the model's chat template").And.Contain("plain, llama2, llama3, chatml"));
        });
    }
}
