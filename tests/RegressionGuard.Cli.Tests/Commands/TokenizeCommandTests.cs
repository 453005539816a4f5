using System.Text.Json;
using System.Text.Json.Nodes;
using RegressionGuard.Testing;

namespace RegressionGuard.Cli.Tests.Commands;

public sealed class TokenizeCommandTests
{
    static string Bin => SharedData.Path("models/stories260K/stories260K.bin");

    [Test]
    public void Tokenize_a_model_prompt_shows_bos_and_the_reference_ids()
    {
        var run = CliRun.Of("tokenize", "--model", Bin, "--text", "Once upon a time", "--json");

        var json = JsonDocument.Parse(run.Out).RootElement;
        Assert.That(run.ExitCode, Is.EqualTo(0), run.Error);
        Assert.That(json.GetProperty("ids").EnumerateArray().Select(i => i.GetInt32()), Is.EqualTo(new[] { 1, 403, 407, 261, 378 }));
        Assert.That(json.GetProperty("pieces").EnumerateArray().Select(p => p.GetString()), Is.EqualTo(new[] { "<s>", "▁Once", "▁upon", "▁a", "▁time" }));
        Assert.That(json.GetProperty("bos_added").GetBoolean(), Is.True);
        Assert.That(json.GetProperty("decoded").GetString(), Is.EqualTo("Once upon a time"));
    }

    [Test]
    public void Tokenize_without_special_tokens_lists_each_piece()
    {
        var run = CliRun.Of("tokenize", "--tokenizer", SharedData.Path("models/stories260K/tok512.model"), "--text", "Once upon", "--no-special-tokens");

        Assert.That(run.ExitCode, Is.EqualTo(0), run.Error);
        Assert.That(run.Out, Is.EqualTo(string.Join(Environment.NewLine,
            "tokenizer: sentencepiece (tok512.model)",
            "BOS \"<s>\" (1): not added; EOS \"</s>\" (2): not added",
            "2 token(s): [403, 407]",
            "    0  403  \"▁Once\"",
            "    1  407  \"▁upon\"",
            "")));
    }

    [Test]
    public void Tokenize_chat_renders_the_models_template_and_adds_no_second_bos()
    {
        // Llama 3.1's template writes <|begin_of_text|> itself; the rendering must reach the model with exactly one BOS
        var run = CliRun.Of("tokenize", "--tokenizer", SharedData.Path("tokenizers/llama3_1/tokenizer.json"), "--text", "Hi there", "--system", "Be brief.", "--chat", "--json");

        Assert.That(run.ExitCode, Is.EqualTo(0), run.Error);
        var json = JsonDocument.Parse(run.Out).RootElement;
        var ids = json.GetProperty("ids").EnumerateArray().Select(i => i.GetInt32()).ToList();
        Assert.That(json.GetProperty("text").GetString(), Does.StartWith("<|begin_of_text|><|start_header_id|>system<|end_header_id|>").And.Contain("Be brief.").And.EndWith("<|start_header_id|>assistant<|end_header_id|>\n\n"));
        Assert.That(json.GetProperty("add_special_tokens").GetBoolean(), Is.False);
        Assert.That(ids[0], Is.EqualTo(128000));
        Assert.That(ids.Count(i => i == 128000), Is.EqualTo(1));
    }

    [Test]
    public void Tokenize_system_without_chat_is_a_usage_error()
    {
        var run = CliRun.Of("tokenize", "--tokenizer", SharedData.Path("tokenizers/qwen3/tokenizer.json"), "--text", "Hi", "--system", "x");

        Assert.That(run.ExitCode, Is.EqualTo(2));
        Assert.That(run.Error, Does.Contain("--system is only used with --chat"));
    }

    [Test]
    public void A_truncated_tokenizer_json_exits_2_with_a_clear_message()
    {
        using var dir = new TempFolder();
        var path = Path.Combine(dir.Path, "tokenizer.json");
        File.WriteAllText(path, """{"version": "1.0", "model": {"type": "BPE", "vocab": {"a": 0""");

        var run = CliRun.Of("tokenize", "--tokenizer", path, "--text", "a");

        Assert.That(run.ExitCode, Is.EqualTo(2));
        Assert.That(run.Error, Does.StartWith($"error: tokenizer.json '{path}' is not valid JSON ("));
        Assert.That(run.Error, Does.Not.Contain("   at "));
    }

    [Test]
    public void An_unknown_normalizer_exits_2_naming_the_json_path()
    {
        using var dir = new TempFolder();
        var path = TinyTokenizers.WriteByteLevel(dir.Path, 300);
        var json = JsonNode.Parse(File.ReadAllText(path))!;
        json["normalizer"] = JsonNode.Parse("""{"type": "Sequence", "normalizers": [{"type": "NFC"}, {"type": "Foo"}]}""");
        File.WriteAllText(path, json.ToJsonString());

        var run = CliRun.Of("tokenize", "--tokenizer", path, "--text", "a");

        Assert.That(run.ExitCode, Is.EqualTo(2));
        Assert.That(run.Error, Does.StartWith($"error: tokenizer.json '{path}': $.normalizer.normalizers[1].type: unknown normalizer 'Foo'; supported: "));
    }

    [Test]
    public void Both_text_and_data_is_a_usage_error()
    {
        var run = CliRun.Of("tokenize", "--model", Bin, "--text", "a", "--data", "b.txt");

        Assert.That(run.ExitCode, Is.EqualTo(2));
        Assert.That(run.Error, Is.EqualTo("error: give exactly one of --text <text> or --data <file>" + Environment.NewLine));
    }
}
