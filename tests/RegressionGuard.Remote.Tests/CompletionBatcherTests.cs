using RegressionGuard.Caching;
using RegressionGuard.Modeling;
using RegressionGuard.Remote.Protocol;
using RegressionGuard.Testing;

namespace RegressionGuard.Remote.Tests;

/// <summary>Several prompts per completions request: packing, and results that do not depend on the batch size.</summary>
[NonParallelizable]
public sealed class CompletionBatcherTests
{
    static CompletionRequest Scoring(params int[] ids) => new() { Model = "m", Prompt = ids, MaxTokens = 1, Echo = true, Logprobs = 1 };

    [Test]
    public void Requests_are_packed_in_order_without_splitting_a_group_that_fits()
    {
        // Given eight scoring requests in three groups of 3, 3 and 2 (the choices of three items)
        var singles = Enumerable.Range(0, 8).Select(i => Scoring(i)).ToArray();
        int[] groups = [0, 0, 0, 1, 1, 1, 2, 2];

        // When they are packed four prompts to a request
        var packed = CompletionBatcher.Pack(singles, groups, Enumerable.Range(0, 8).ToArray(), 4);

        // Then no group is split: 3, 3 and 2 prompts, in request order
        Assert.That(packed, Is.EqualTo(new[] { new[] { 0, 1, 2 }, new[] { 3, 4, 5 }, new[] { 6, 7 } }));
    }

    [Test]
    public void A_group_larger_than_the_batch_is_split_and_only_equal_settings_share_a_request()
    {
        // Given a group of five scoring requests, then two generations with different max_tokens, then one more scoring request
        CompletionRequest Generation(string text, int max) => new() { Model = "m", Prompt = text, MaxTokens = max };
        CompletionRequest[] singles = [Scoring(0), Scoring(1), Scoring(2), Scoring(3), Scoring(4), Generation("a", 8), Generation("b", 16), Scoring(7)];
        int[] groups = [0, 0, 0, 0, 0, 1, 2, 3];

        // When they are packed two prompts to a request
        var packed = CompletionBatcher.Pack(singles, groups, Enumerable.Range(0, 8).ToArray(), 2);

        // Then the group runs in pieces of two, the last scoring request joins the group's remainder, and each generation
        // setting gets its own request
        Assert.That(packed, Is.EqualTo(new[] { new[] { 0, 1 }, new[] { 2, 3 }, new[] { 4, 7 }, new[] { 5 }, new[] { 6 } }));
    }

    [Test]
    public void Prompts_that_differ_only_in_their_first_scored_position_share_a_request()
    {
        // Given four scoring requests of two items whose contexts differ in length (score_from 3, 3, 5, 5)
        var singles = new[] { 3, 3, 5, 5 }.Select((from, i) => Scoring(i) with { RegressionguardScoreFrom = from }).ToArray();

        // When they are packed four prompts to a request
        var packed = CompletionBatcher.Pack(singles, [0, 0, 1, 1], Enumerable.Range(0, 4).ToArray(), 4);

        // Then they go in one request (score_from is per prompt, sent as a list like the prompts)
        Assert.That(packed, Is.EqualTo(new[] { new[] { 0, 1, 2, 3 } }));
    }

    [Test]
    public async Task Multiple_choice_scores_and_generations_are_the_same_at_batch_sizes_1_3_and_8_and_requests_carry_up_to_that_many_prompts()
    {
        // Given twelve multiple-choice requests (three items of four choices) and five generations, and the organism
        // base behind a loopback server
        var choices = new[] { " red", " blue", " green", " yellow" };
        var scoring = Enumerable.Range(0, 3).SelectMany(q => choices.Select(c => new LogLikelihoodRequest($"Question {q}: what colour is the sky?", c))).ToArray();
        var generations = Enumerable.Range(0, 5).Select(i => new GenerationRequest($"Once upon a time {i}", 6 + i % 2)).ToArray();
        await using var app = await Organism.Serve(Organism.Base, "base");

        // When they run at batch sizes 1, 3 and 8
        var runs = new List<(IReadOnlyList<LogLikelihoodResult> Scores, IReadOnlyList<GenerationResult> Texts, int Sent)>();
        foreach (int batch in new[] { 1, 3, 8 })
        {
            using var model = RemoteLanguageModel.Open(Organism.Spec(app, "base") with { BatchSize = batch });
            int before = model.Client.RequestsSent;
            var scores = model.LogLikelihood(scoring);
            var texts = model.Generate(generations);
            runs.Add((scores, texts, model.Client.RequestsSent - before));
        }

        // Then every log-likelihood agrees within 1e-5 and every greedy flag and generated text is the same; at batch
        // size 1 there is one request per prompt (12 + 5); at 3 each item of four in pieces of 3 and 1 (6) and one request per
        // generation setting (2); at 8 two items to a request, never split (2), and the generations by setting (2)
        for (int r = 1; r < runs.Count; r++)
        {
            Assert.That(runs[r].Scores.Select(s => s.LogLikelihood), Is.EqualTo(runs[0].Scores.Select(s => s.LogLikelihood)).Within(1e-5));
            Assert.That(runs[r].Scores.Select(s => s.IsGreedy), Is.EqualTo(runs[0].Scores.Select(s => s.IsGreedy)));
            Assert.That(runs[r].Texts.Select(t => t.Text), Is.EqualTo(runs[0].Texts.Select(t => t.Text)));
        }

        Assert.That(runs.Select(r => r.Sent), Is.EqualTo(new[] { 12 + 5, 6 + 2, 2 + 2 }));
    }

    [Test]
    public async Task Answers_cached_at_one_batch_size_are_read_at_another_and_nothing_is_sent_again()
    {
        // Given ten rolling-window scorings answered at batch size 4 into a request cache
        using var dir = new TempFolder();
        var cache = new ContentCache(dir.Path);
        var documents = Enumerable.Range(0, 10).Select(i => $"Document {i}: the cat sat on the mat and looked at the river.").ToArray();
        await using var app = await Organism.Serve(Organism.Base, "base");
        using (var first = RemoteLanguageModel.Open(Organism.Spec(app, "base") with { BatchSize = 4 }, requestCache: cache))
        {
            first.RollingLogLikelihood(documents, new RollingOptions());
        }

        // When they are scored again at batch size 3
        using var again = RemoteLanguageModel.Open(Organism.Spec(app, "base") with { BatchSize = 3 }, requestCache: cache);
        int before = again.Client.RequestsSent;
        var results = again.RollingLogLikelihood(documents, new RollingOptions());

        // Then every answer comes from the cache
        Assert.That(results, Has.Count.EqualTo(10));
        Assert.That(again.Client.RequestsSent - before, Is.EqualTo(0));
    }
}
