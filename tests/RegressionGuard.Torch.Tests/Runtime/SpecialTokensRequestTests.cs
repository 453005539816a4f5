using RegressionGuard.Modeling;

namespace RegressionGuard.Torch.Tests.Runtime;

/// <summary><c>AddSpecialTokens = false</c>: the text is encoded exactly as given (a rendered chat template carries its own BOS).</summary>
public sealed class SpecialTokensRequestTests
{
    [Test]
    public void Without_special_tokens_no_bos_is_prepended()
    {
        var model = Stories260K.Model;

        var withBos = model.EncodePrompt("Once upon a time");
        var asGiven = model.EncodePrompt("Once upon a time", addSpecialTokens: false);

        Assert.Multiple(() =>
        {
            Assert.That(withBos[0], Is.EqualTo(model.Model.Tokenizer.BosId));
            Assert.That(asGiven, Is.EqualTo(withBos[1..]));
        });
    }

    [Test]
    public void Scoring_without_special_tokens_conditions_on_the_text_alone()
    {
        // Given the same request with and without BOS
        var model = Stories260K.Model;
        var requests = new[]
        {
            new LogLikelihoodRequest("Once upon a time", " there was"),
            new LogLikelihoodRequest("Once upon a time", " there was", AddSpecialTokens: false),
        };

        // When scored
        var results = model.LogLikelihood(requests);

        // Then the continuation is scored after a different context (BOS missing), with the same token count
        Assert.Multiple(() =>
        {
            Assert.That(results[1].TokenCount, Is.EqualTo(results[0].TokenCount));
            Assert.That(results[1].LogLikelihood, Is.Not.EqualTo(results[0].LogLikelihood).Within(1e-6));
        });
    }

    [Test]
    public void A_prompt_that_encodes_to_nothing_without_bos_is_a_clear_error()
    {
        var e = Assert.Throws<ArgumentException>(() => Stories260K.Model.Generate(new[] { new GenerationRequest("", 4, null, AddSpecialTokens: false) }))!;

        Assert.That(e.Message, Is.EqualTo("request 0: the prompt '' encodes to no tokens (sentencepiece (tok512.model) adds no BOS and special tokens are off); give a non-empty prompt"));
    }
}
