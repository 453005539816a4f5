using System.Text.Json.Nodes;
using RegressionGuard.Modeling;
using RegressionGuard.Testing;
using RegressionGuard.Torch.Runtime;
using RegressionGuard.Torch.Tokenization;

namespace RegressionGuard.Torch.Tests.Runtime;

/// <summary>BOS/EOS as transformers applies them, seen from what the model receives.</summary>
public sealed class SpecialTokenRulesTests
{
    const int EndOfText = 258; // TinyTokenizers.WriteByteLevel: 256 byte symbols, "Ġt", "he", then <|endoftext|>

    static TorchLanguageModel TinyGpt2(TempFolder dir, Action<string>? editTokenizer = null, string? config = null)
    {
        var spec = new Gpt2Spec { VocabSize = 260 };
        TinyModels.WriteHfFolder(dir.Path, spec);
        var tokenizer = TinyTokenizers.WriteByteLevel(dir.Path, spec.VocabSize);
        editTokenizer?.Invoke(tokenizer);
        if (config is not null)
        {
            File.WriteAllText(Path.Combine(dir.Path, "tokenizer_config.json"), config);
        }

        return TorchLanguageModel.Load(dir.Path);
    }

    static double ScoreOf(TorchLanguageModel model, int[] ids, int firstTarget) =>
        model.ScoreTokens([new TorchLanguageModel.ScoreRequest(ids, firstTarget)])[0].LogProbs.Sum(p => (double)p);

    [Test]
    public void A_gpt2_folder_with_add_bos_token_false_receives_exactly_the_prompt_ids()
    {
        using var dir = new TempFolder();
        using var model = TinyGpt2(dir, config: """{"add_bos_token": false, "bos_token": "<|endoftext|>", "eos_token": "<|endoftext|>"}""");
        var tokenizer = model.Model.Tokenizer;
        var context = tokenizer.Encode("the hat");
        var whole = tokenizer.Encode("the hat is red").ToArray();

        var result = model.LogLikelihood([new LogLikelihoodRequest("the hat", " is red")])[0];

        Assert.That(tokenizer.AddsBos, Is.False);
        Assert.That(model.EncodePrompt("the hat"), Is.EqualTo(context));
        Assert.That(result.TokenCount, Is.EqualTo(whole.Length - context.Count));
        Assert.That(result.LogLikelihood, Is.EqualTo(ScoreOf(model, whole, context.Count)).Within(1e-5));
    }

    [Test]
    public void A_scored_document_of_a_tokenizer_without_bos_starts_with_end_of_text_as_lm_eval()
    {
        using var dir = new TempFolder();
        using var model = TinyGpt2(dir, config: """{"add_bos_token": false, "bos_token": null, "eos_token": "<|endoftext|>"}""");

        var ids = model.EncodeDocument("the hat");

        Assert.That(model.Model.Tokenizer.BosId, Is.Null);
        Assert.That(ids[0], Is.EqualTo(EndOfText));
        Assert.That(ids[1..], Is.EqualTo(model.Model.Tokenizer.Encode("the hat")));
    }

    [Test]
    public void A_template_that_adds_end_of_text_puts_it_before_every_prompt_unless_special_tokens_are_off()
    {
        using var dir = new TempFolder();
        using var model = TinyGpt2(dir, editTokenizer: AddBosTemplate);
        var tokenizer = model.Model.Tokenizer;
        var context = tokenizer.Encode("the hat");
        var whole = tokenizer.Encode("the hat is red").ToArray();

        var withBos = model.LogLikelihood([new LogLikelihoodRequest("the hat", " is red")])[0];
        var exact = model.LogLikelihood([new LogLikelihoodRequest("the hat", " is red", AddSpecialTokens: false)])[0];

        Assert.That(tokenizer.AddsBos, Is.True);
        Assert.That(model.EncodePrompt("the hat"), Is.EqualTo(new[] { EndOfText }.Concat(context)));
        Assert.That(withBos.LogLikelihood, Is.EqualTo(ScoreOf(model, [EndOfText, .. whole], context.Count + 1)).Within(1e-5));
        Assert.That(exact.LogLikelihood, Is.EqualTo(ScoreOf(model, whole, context.Count)).Within(1e-5));
    }

    [Test]
    public void An_empty_prompt_without_bos_is_a_clear_error_not_a_libtorch_crash()
    {
        using var dir = new TempFolder();
        using var model = TinyGpt2(dir, config: """{"add_bos_token": false}""");

        var error = Assert.Throws<ArgumentException>(() => model.Generate([new GenerationRequest("", 4)]));

        Assert.That(error!.Message, Is.EqualTo(
            "request 0: the prompt '' encodes to no tokens (byte-level BPE (tokenizer.json) adds no BOS); give a non-empty prompt"));
    }

    [Test]
    public void An_empty_context_is_the_end_of_text_token_alone_as_lm_eval()
    {
        using var dir = new TempFolder();
        using var model = TinyGpt2(dir, config: """{"add_bos_token": false}""");
        var continuation = model.Model.Tokenizer.Encode("the").ToArray();

        var result = model.LogLikelihood([new LogLikelihoodRequest("", "the")])[0];

        Assert.That(result.LogLikelihood, Is.EqualTo(ScoreOf(model, [EndOfText, .. continuation], 1)).Within(1e-5));
    }

    static void AddBosTemplate(string tokenizerJson)
    {
        var json = JsonNode.Parse(File.ReadAllText(tokenizerJson))!;
        json["post_processor"] = JsonNode.Parse("""
            {"type": "TemplateProcessing",
             "single": [{"SpecialToken": {"id": "<|endoftext|>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
             "pair": [], "special_tokens": {"<|endoftext|>": {"id": "<|endoftext|>", "ids": [258], "tokens": ["<|endoftext|>"]}}}
            """);
        File.WriteAllText(tokenizerJson, json.ToJsonString());
    }
}
