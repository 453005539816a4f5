using RegressionGuard.Server;

namespace RegressionGuard.Remote.Tests.Server;

public sealed class ModelWorkerTests
{
    static ScoreJobView Job(long request, params int[] ids) => new(ids, request);

    [Test]
    public void The_choices_of_one_item_in_one_request_share_their_context_and_other_prompts_are_scored_alone()
    {
        // Given one request with two items' choices (contexts 1 2 3 4 and 1 2 9 9, two choices each) and a lone prompt,
        // and a second request with a choice of the first item
        ScoreJobView[] jobs = [Job(1, 1, 2, 3, 4, 5), Job(1, 1, 2, 9, 9, 6), Job(1, 1, 2, 3, 4, 7, 8), Job(1, 1, 2, 9, 9, 5), Job(1, 30, 31, 32), Job(2, 1, 2, 3, 4, 6)];

        // When the worker groups them
        var (shared, alone) = ModelWorker.SharedPrefixes(jobs);

        // Then each item's choices form a group whose prefix is their context; the lone prompt and the other request's
        // prompt (never grouped across requests) are scored alone
        Assert.That(shared.Select(g => (g.Prefix, g.Members)), Is.EquivalentTo(new[] { (4, new[] { 0, 2 }), (4, new[] { 1, 3 }) }));
        Assert.That(alone, Is.EqualTo(new[] { 4, 5 }));
    }

    [Test]
    public void Prompts_that_only_start_alike_are_not_grouped()
    {
        // Given two prompts of one request sharing 2 of their 6 ids
        ScoreJobView[] jobs = [Job(1, 1, 2, 3, 4, 5, 6), Job(1, 1, 2, 7, 8, 9, 10)];

        // When the worker groups them, Then each is scored alone
        var (shared, alone) = ModelWorker.SharedPrefixes(jobs);
        Assert.That((shared.Count, alone), Is.EqualTo((0, new List<int> { 0, 1 })));
    }

    [Test]
    public void Without_the_next_id_a_prompt_that_is_the_whole_shared_prefix_keeps_one_id_of_its_own()
    {
        // Given two prompts of one request, one a prefix of the other, scored with max_tokens 0 (no next id appended)
        ScoreJobView[] jobs = [new([1, 2, 3, 4], 1, Next: false), new([1, 2, 3, 4, 5], 1, Next: false)];

        // When the worker groups them
        var (shared, _) = ModelWorker.SharedPrefixes(jobs);

        // Then their shared prefix stops one id short of the shorter prompt
        Assert.That(shared.Select(g => (g.Prefix, g.Members)), Is.EqualTo(new[] { (3, new[] { 0, 1 }) }));
    }
}
