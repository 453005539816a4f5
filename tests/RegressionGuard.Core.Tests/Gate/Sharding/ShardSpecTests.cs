using RegressionGuard.Gate.Sharding;

namespace RegressionGuard.Core.Tests.Gate.Sharding;

public sealed class ShardSpecTests
{
    static readonly string[] Keys = Enumerable.Range(0, 2000).Select(i => ShardSpec.ItemKey("suite", $"item-{i}")).ToArray();

    [TestCase(1)]
    [TestCase(3)]
    [TestCase(5)]
    [TestCase(16)]
    public void Every_item_lands_in_exactly_one_shard_and_the_shards_are_about_even(int n)
    {
        // Given N shards
        var shards = Enumerable.Range(1, n).Select(i => new ShardSpec(i, n)).ToList();

        // When each selects its items
        var owners = Keys.Select(k => shards.Where(s => s.Owns(k)).ToList()).ToList();

        // Then each item has one owner and each gets about 1/N (binomial spread: within ±30% at 2,000 items)
        Assert.That(owners.All(o => o.Count == 1), Is.True);
        foreach (var shard in shards)
        {
            Assert.That(owners.Count(o => o[0] == shard), Is.InRange(Keys.Length / n * 0.7, Keys.Length / n * 1.3), shard.ToString());
        }
    }

    [Test]
    public void Inserting_an_item_moves_no_other_item_to_another_shard()
    {
        // Given the assignment of a suite's items to 5 shards
        var items = Enumerable.Range(0, 100).Select(i => $"item-{i}").ToList();
        var before = items.ToDictionary(i => i, i => ShardSpec.Of(ShardSpec.ItemKey("s", i), 5));

        // When an item is inserted at the front
        var after = items.Prepend("a new item").ToList();

        // Then every other item keeps its shard
        Assert.That(items.All(i => ShardSpec.Of(ShardSpec.ItemKey("s", i), 5) == before[i]), Is.True);
        Assert.That(new ShardSpec(2, 5).Select(after, i => ShardSpec.ItemKey("s", i)).Select(p => after[p]),
            Is.EqualTo(items.Where(i => before[i] == 2)));
    }

    [Test]
    public void The_assignment_is_a_fixed_function_of_the_key()
    {
        // SHA-256 of the UTF-8 key, its first 8 bytes big-endian, modulo N, plus 1: stable across runs and machines
        Assert.That(Enumerable.Range(0, 8).Select(i => ShardSpec.Of(ShardSpec.ItemKey("organism_knowledge", $"{i}"), 3)),
            Is.EqualTo(Enumerable.Range(0, 8).Select(i => Expected(ShardSpec.ItemKey("organism_knowledge", $"{i}"), 3))));
    }

    static int Expected(string key, int n)
    {
        var hash = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(key));
        ulong first = 0;
        for (int i = 0; i < 8; i++)
        {
            first = (first << 8) | hash[i];
        }

        return (int)(first % (ulong)n) + 1;
    }

    [TestCase(3)]
    [TestCase(5)]
    public void The_corpus_goes_to_shards_in_whole_scoring_groups_and_every_document_once(int n)
    {
        // Given 100 documents of various sizes in scoring groups of 8
        var documents = Enumerable.Range(0, 100).Select(i => $"document {i}").ToList();
        var positions = Enumerable.Range(0, 100).Select(i => 10 + i * 37 % 50).ToArray();
        var groups = RegressionGuard.Forgetting.ForgettingGroups.Of(positions, 8);

        // When each of N shards selects its documents
        var selected = Enumerable.Range(1, n).Select(i => new ShardSpec(i, n).SelectGroups(documents, positions, 8)).ToList();

        // Then every document is in exactly one shard, each group wholly in one, and each shard's list is in corpus order
        Assert.That(selected.SelectMany(s => s).Order(), Is.EqualTo(Enumerable.Range(0, documents.Count)));
        foreach (var group in groups)
        {
            Assert.That(selected.Single(s => s.Contains(group[0])), Is.SupersetOf(group));
        }

        Assert.That(selected, Has.All.Ordered);
    }

    [TestCase("2/5", 2, 5)]
    [TestCase("1/1", 1, 1)]
    [TestCase("5/5", 5, 5)]
    public void Reads_i_of_n(string text, int index, int count)
    {
        Assert.That(ShardSpec.TryParse(text, out var shard, out var error), Is.True, error);
        Assert.That(shard, Is.EqualTo(new ShardSpec(index, count)));
    }

    [TestCase("0/3", "i must be 1 to N (3): shards are numbered 1/3 to 3/3, got '0/3'")]
    [TestCase("4/3", "i must be 1 to N (3): shards are numbered 1/3 to 3/3, got '4/3'")]
    [TestCase("1/0", "N must be 1 to 4096, got '1/0'")]
    [TestCase("x", "expected i/N, the shard i of N jobs (e.g. 2/5), got 'x'")]
    [TestCase("-1/3", "expected i/N, the shard i of N jobs (e.g. 2/5), got '-1/3'")]
    [TestCase("1/3/4", "expected i/N, the shard i of N jobs (e.g. 2/5), got '1/3/4'")]
    public void Refuses_what_is_not_a_shard_with_the_reason(string text, string message)
    {
        Assert.That(ShardSpec.TryParse(text, out var shard, out var error), Is.False);
        Assert.That(shard, Is.Null);
        Assert.That(error, Is.EqualTo(message));
    }
}
