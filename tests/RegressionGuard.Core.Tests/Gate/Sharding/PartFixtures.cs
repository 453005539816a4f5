using RegressionGuard.Gate;
using RegressionGuard.Gate.Sharding;
using RegressionGuard.Reports;
using RegressionGuard.Suites.Evaluation;

namespace RegressionGuard.Core.Tests.Gate.Sharding;

/// <summary>
/// A made-up gate (two suites with random per-item outcomes, a 50-document L_f corpus) as one whole run and split into
/// parts the way <c>gate --shard i/N</c> splits it: by <see cref="ShardSpec"/>'s hash of suite id + item id and of the text.
/// </summary>
static class PartFixtures
{
    public static readonly GateRules Rules = new(new GateThresholds(MaxDrop: 0.05, MaxRise: 0.05, MinItems: 5), "holm", 20240111,
        new ForgettingRules("data/forgetting.jsonl", Budget: 2.0, Tolerance: 0.5, P: 1000, N: 10));

    static readonly string[] Suites = ["knowledge", "refusal"];
    static readonly string[] Documents = Enumerable.Range(0, 50).Select(d => $"document {d}: a text of the corpus").ToArray();

    public static GateEvidence Whole(string tunedHash = "tuned-sha")
    {
        var random = new Random(16);
        var baseResults = new List<SuiteResult>();
        var tunedResults = new List<SuiteResult>();
        foreach (var suite in Suites)
        {
            var ids = Enumerable.Range(0, 60).Select(i => $"{suite}-item-{i:D3}").ToList();
            var b = ids.Select(id => Item(id, random.NextDouble() < 0.9 ? 1 : 0)).ToList();
            var t = ids.Select(id => Item(id, random.NextDouble() < 0.7 ? 1 : 0)).ToList();
            baseResults.Add(Result(suite, "base", b));
            tunedResults.Add(Result(suite, "tuned", t));
        }
        var sums = Documents.Select((_, d) => new DocumentSums(d, 10 + d % 7, (10 + d % 7) * (0.5 + random.NextDouble()), (10 + d % 7) * 0.2 * random.NextDouble(), random.Next(0, 10))).ToList();
        return new GateEvidence(new ModelReference("models/base", "base-sha"), new ModelReference("models/tuned", tunedHash), baseResults, tunedResults,
            new ForgettingSums(Documents.Length, sums), []);
    }

    public static GatePart[] Parts(int n, string tunedHash = "tuned-sha")
    {
        var whole = Whole(tunedHash);
        var identity = new GatePartIdentity("0.1.0", "config-sha", "base-sha", tunedHash, Suites.Select(s => new SuiteIdentity(s, $"{s}-sha", 60)).ToList(), "corpus-sha");
        return Enumerable.Range(1, n).Select(i =>
        {
            var shard = new ShardSpec(i, n);
            var suites = whole.BaseResults.Select((b, s) =>
            {
                var positions = shard.Select(b.Items, item => ShardSpec.ItemKey(b.Suite, item.Id));
                return new SuitePart(b.Suite, b.Items.Count, positions, b with { Items = positions.Select(p => b.Items[p]).ToList() },
                    whole.TunedResults[s] with { Items = positions.Select(p => whole.TunedResults[s].Items[p]).ToList() });
            }).ToList();
            var documents = shard.Select(Documents, ShardSpec.DocumentKey);
            return new GatePart
            {
                GeneratedUtc = DateTimeOffset.UtcNow,
                DurationSeconds = 1,
                Shard = i,
                Shards = n,
                Identity = identity,
                Rules = Rules,
                Base = whole.Base,
                Tuned = whole.Tuned,
                Suites = suites,
                Forgetting = new ForgettingSums(Documents.Length, documents.Select(d => whole.Forgetting!.PerDocument[d]).ToList()),
            };
        }).ToArray();
    }

    /// <summary>Writes each part into its own folder under <paramref name="root"/> and returns the folders.</summary>
    public static string[] Write(IEnumerable<GatePart> parts, string root) =>
        parts.Select((p, k) => Path.GetDirectoryName(GatePartFile.Write(p, Path.Combine(root, $"part-{k}-shard-{p.Shard}-of-{p.Shards}")))!).ToArray();

    static ItemResult Item(string id, double correct) => new()
    {
        Id = id,
        Source = "fixture",
        Prompt = $"question {id}",
        Choices = ["right", "wrong"],
        Gold = 0,
        Predicted = correct == 1 ? 0 : 1,
        Metrics = new Dictionary<string, double> { ["acc"] = correct },
    };

    static SuiteResult Result(string suite, string model, List<ItemResult> items) =>
        new(suite, 1, "multiple_choice", "multiple_choice", model, items, new Dictionary<string, MetricValue>
        {
            ["acc"] = new(items.Average(i => i.Metrics["acc"]), 0, items.Count, true, null, null),
        });
}
