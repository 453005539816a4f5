using RegressionGuard.Corpora;
using RegressionGuard.Modeling;
using RegressionGuard.Torch.Runtime;

namespace RegressionGuard.Torch.Tests.Runtime;

/// <summary>Results must not depend on batch size or padding beyond 1e-4 in fp32.</summary>
public sealed class BatchIndependenceTests
{
    static TorchLanguageModel WithBatch(int batchSize) =>
        TorchLanguageModel.Load(Stories260K.BinPath, compute: new ComputeOptions { BatchSize = batchSize });

    static readonly LogLikelihoodRequest[] Requests =
    {
        new("Once upon a time, there was a little", " girl"),
        new("Once upon a time, there was a little", " dog"),
        new("Lily went to the", " park"),
        new("Lily went to the", " big red house with her mom"),
        new("", "Once upon a time"),
        new("Tom liked to play with his ", "ball"),
        new("The sun was shining and the birds were singing. Sam and his friend", " went outside to play."),
    };

    [Test]
    public void Log_likelihoods_agree_at_batch_sizes_1_and_32()
    {
        using var one = WithBatch(1);
        using var many = WithBatch(32);
        var a = one.LogLikelihood(Requests);
        var b = many.LogLikelihood(Requests);
        for (int i = 0; i < Requests.Length; i++)
        {
            Assert.That(b[i].LogLikelihood, Is.EqualTo(a[i].LogLikelihood).Within(1e-4), $"request {i}");
            Assert.That(b[i].IsGreedy, Is.EqualTo(a[i].IsGreedy));
            Assert.That(b[i].TokenCount, Is.EqualTo(a[i].TokenCount));
        }
    }

    [Test]
    public void Rolling_scores_agree_at_batch_sizes_1_and_32_with_windowing()
    {
        var docs = CorpusReader.Read(Stories260K.First46Path).Take(12).Select(d => d.Text).ToArray();
        using var one = WithBatch(1);
        using var many = WithBatch(32);
        var options = new RollingOptions(Truncate: false, Stride: 200);
        var a = one.RollingLogLikelihood(docs, options);
        var b = many.RollingLogLikelihood(docs, options);
        for (int i = 0; i < docs.Length; i++)
        {
            Assert.That(b[i].PredictedTokens, Is.EqualTo(a[i].PredictedTokens));
            Assert.That(b[i].LogLikelihood, Is.EqualTo(a[i].LogLikelihood).Within(1e-4 * Math.Max(1, a[i].PredictedTokens) / 100));
        }
    }

    /// <summary>Each answer has the same ids, text and finish reason as its expected one.</summary>
    static void AssertSameAnswers(IReadOnlyList<GenerationResult> actual, IReadOnlyList<GenerationResult> expected)
    {
        Assert.That(actual, Has.Count.EqualTo(expected.Count));
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.That(actual[i].TokenIds, Is.EqualTo(expected[i].TokenIds), $"prompt {i}");
            Assert.That(actual[i].Text, Is.EqualTo(expected[i].Text), $"prompt {i}");
            Assert.That(actual[i].FinishReason, Is.EqualTo(expected[i].FinishReason), $"prompt {i}");
        }
    }

    [Test]
    public void Rows_that_finish_early_leave_the_batch_and_every_row_still_equals_its_prompt_generated_alone()
    {
        // Given eight prompts of different lengths whose answers end after 3 to 45 tokens, so the batch drops its
        // finished rows several times (each time a quarter of the rows still running has finished)
        var prompts = new[] { "", "Once upon a time", "Lily went to the", "The cat", "Tom had a red", "One day, a little bird", "Sam", "The sun was" };
        var requests = prompts.Select((p, i) => new GenerationRequest(p, 3 + 6 * i)).ToArray();

        // When they are generated in one batch of 8, and one at a time
        using var one = WithBatch(1);
        using var many = WithBatch(8);
        var alone = one.Generate(requests);
        var together = many.Generate(requests);

        // Then every row has the same ids, text and finish reason
        AssertSameAnswers(together, alone);
        Assert.That(together.Select(g => g.TokenIds.Count).Distinct().Count(), Is.GreaterThan(4), "rows finish at different steps");
    }

    [Test]
    public void Batched_generation_with_left_padding_equals_one_prompt_at_a_time()
    {
        var requests = new[]
        {
            new GenerationRequest("", 40),
            new GenerationRequest("Once upon a time, there was a", 30),
            new GenerationRequest("Lily and Tom went to the park. They saw a big", 25, new[] { "." }),
            new GenerationRequest("The cat", 20),
        };
        using var one = WithBatch(1);
        using var many = WithBatch(32);
        var a = one.Generate(requests);
        var b = many.Generate(requests);
        AssertSameAnswers(b, a);
        Assert.That(a[2].FinishReason, Is.EqualTo(FinishReason.Stop));
        Assert.That(a[2].Text, Does.Not.Contain("."));
        Assert.That(a[1].Text, Does.StartWith(" "), "the continuation keeps its word-boundary space");
    }

    [Test]
    public void A_windowed_document_predicts_every_token_after_BOS_once()
    {
        var doc = CorpusReader.Read(Stories260K.First46Path)[1].Text; // the longest story: 620 ids
        var model = Stories260K.Model;
        int ids = model.EncodeDocument(doc).Length;
        var windowed = model.RollingLogLikelihood(new[] { doc }, new RollingOptions())[0];
        var truncated = model.RollingLogLikelihood(new[] { doc }, new RollingOptions(Truncate: true))[0];
        Assert.That(ids, Is.EqualTo(620));
        Assert.That(windowed.PredictedTokens, Is.EqualTo(619));
        Assert.That(truncated.PredictedTokens, Is.EqualTo(511));
    }
}
