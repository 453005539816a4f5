using RegressionGuard.Corpora;
using RegressionGuard.Modeling;
using RegressionGuard.Testing;
using RegressionGuard.Torch.Checkpoints;
using RegressionGuard.Torch.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace RegressionGuard.Torch.Tests.Runtime;

/// <summary>Golden numbers from shared/notes/reference-numbers.md, through the llama2.c file and through the converted HF folder.</summary>
public sealed class Stories260KReferenceTests
{
    static string[] First46() => CorpusReader.Read(Stories260K.First46Path).Select(d => d.Text).ToArray();

    static void AssertReferenceScore(TorchLanguageModel model)
    {
        var results = model.RollingLogLikelihood(First46(), new RollingOptions(Truncate: true));
        long tokens = results.Sum(r => (long)r.PredictedTokens);
        double nll = -results.Sum(r => r.LogLikelihood) / tokens;
        Assert.Multiple(() =>
        {
            Assert.That(results, Has.Count.EqualTo(46));
            Assert.That(tokens, Is.EqualTo(14_721));
            Assert.That(nll, Is.EqualTo(1.2229).Within(0.0005));
        });
    }

    /// <summary>
    /// The published sample holds 256 generated tokens (llama2.c's run.c prints one token per step for steps = 256):
    /// it re-encodes to BOS + 256 ids. 255 new tokens give the same text without its final "." token.
    /// </summary>
    [Test]
    public void Greedy_generation_from_BOS_reproduces_the_published_sample()
    {
        var expected = Stories260K.GreedyText;
        Assert.That(expected, Does.EndWith("\n"));
        Assert.That(Stories260K.Model.EncodeDocument(expected[..^1]), Has.Length.EqualTo(257), "BOS + 256 generated tokens");

        var result = Stories260K.Model.Generate(new[] { new GenerationRequest("", 256) })[0];
        Assert.That(result.Text, Is.EqualTo(expected[..^1]));
        Assert.That(System.Text.Encoding.UTF8.GetByteCount(result.Text), Is.EqualTo(565));

        var shorter = Stories260K.Model.Generate(new[] { new GenerationRequest("", 255) })[0];
        Assert.That(shorter.TokenIds, Is.EqualTo(result.TokenIds.Take(255)));
        Assert.That(expected[..^1], Is.EqualTo(shorter.Text + "."));
    }

    [Test]
    public void Truncated_score_of_the_46_stories_matches_the_reference()
    {
        AssertReferenceScore(Stories260K.Model);
    }

    [Test]
    public void Once_upon_a_time_encodes_to_the_reference_ids()
    {
        Assert.That(Stories260K.Model.EncodeDocument("Once upon a time"), Is.EqualTo(new[] { 1, 403, 407, 261, 378 }));
    }

    [Test]
    public void The_converted_HF_folder_gives_the_same_logits_generation_and_score()
    {
        using var dir = new TempFolder();
        var written = CheckpointConverter.Llama2cToHf(Stories260K.BinPath, null, dir.Path);
        Assert.That(written.Select(Path.GetFileName), Is.EquivalentTo(new[] { "config.json", "model.safetensors", "tokenizer.model" }));
        using var converted = TorchLanguageModel.Load(dir.Path);
        var original = Stories260K.Model;

        foreach (var text in First46().Take(5))
        {
            var ids = original.EncodeDocument(text).Take(512).ToArray();
            using var scope = NewDisposeScope();
            using var mode = inference_mode();
            var input = tensor(ids.Select(i => (long)i).ToArray(), new long[] { 1, ids.Length });
            var positions = arange(ids.Length).unsqueeze(0);
            var a = original.Model.Transformer.Forward(input, positions, null, null);
            var b = converted.Model.Transformer.Forward(input, positions, null, null);
            Assert.That((a - b).abs().max().item<float>(), Is.LessThanOrEqualTo(1e-4f));
        }

        var generated = converted.Generate(new[] { new GenerationRequest("", 256) })[0];
        Assert.That(generated.Text, Is.EqualTo(Stories260K.GreedyText[..^1]));
        AssertReferenceScore(converted);
    }

    [Test]
    public void Bfloat16_scoring_stays_close_to_fp32()
    {
        using var bf16 = TorchLanguageModel.Load(Stories260K.BinPath, compute: new ComputeOptions { DType = "bfloat16" });
        var results = bf16.RollingLogLikelihood(First46(), new RollingOptions(Truncate: true));
        double nll = -results.Sum(r => r.LogLikelihood) / results.Sum(r => r.PredictedTokens);
        Assert.That(nll, Is.EqualTo(1.2229).Within(0.02), "bf16 weights and activations move the mean NLL by well under 2%");
    }
}
