using System.Text.RegularExpressions;
using RegressionGuard.Gate.Sharding;
using RegressionGuard.Testing;

namespace RegressionGuard.Cli.Tests.Commands;

/// <summary>
/// The organism's aggressive gate (the demo's failing candidate) on its multiple-choice suite and its L_f corpus and law
/// run whole, as its one shard (<c>--shard 1/1</c>, whose part lists every item and document), as 3 shards and as
/// 5 shards (<c>gate --shard i/N</c>), the parts merged with <c>report merge</c> given in reverse order. (The generation
/// suites are left out to keep ten gate runs affordable; every suite's per-item results travel and merge the same way,
/// and the whole three-suite gate is measured in docs/gate.md.)
/// </summary>
public sealed partial class ShardedGateTests
{
    static readonly int[] Splits = [3, 5];
    static TempFolder? _dir;
    static CliRun? _whole;
    static CliRun? _one;
    static readonly Dictionary<int, (CliRun[] Shards, CliRun Merge)> Runs = [];

    static string Dir(string name) => _dir!.File(name);

    [OneTimeSetUp]
    public static void RunWholeAndSharded()
    {
        _dir = new TempFolder("rg-shard");
        var config = Config(_dir);
        _whole = CliRun.Of("gate", "--config", config, "--out", Dir("whole"), "--no-cache");
        _one = CliRun.Of("gate", "--config", config, "--shard", "1/1", "--out", Dir("1-1"), "--no-cache");
        foreach (int n in Splits)
        {
            var shards = Enumerable.Range(1, n).Select(i => CliRun.Of("gate", "--config", config, "--shard", $"{i}/{n}", "--out", Dir($"{n}-{i}"), "--no-cache")).ToArray();
            var folders = Enumerable.Range(1, n).Reverse().Select(i => Dir($"{n}-{i}"));
            Runs[n] = (shards, CliRun.Of(["report", "merge", .. folders, "--out", Dir($"merged-{n}")]));
        }
    }

    [OneTimeTearDown]
    public static void Remove() => _dir?.Dispose();

    /// <summary>suites/organism/gate-aggressive.yaml with every path absolute, on the knowledge suite.</summary>
    static string Config(TempFolder dir)
    {
        var o = RepositoryFiles.Path("suites/organism");
        var text = File.ReadAllText(Path.Combine(o, "gate-aggressive.yaml"));
        foreach (var (key, relative) in new[] { ("base", "models/base"), ("tuned", "models/aggressive"), ("  corpus", "data/forgetting.jsonl"), ("  law", "law.yaml"), ("  ledger", "ledger.csv") })
        {
            text = text.Replace($"{key}: {relative}\n", $"{key}: {Path.Combine(o, relative)}\n", StringComparison.Ordinal);
        }

        text = text.Replace("  - knowledge.yaml\n", $"  - {Path.Combine(o, "knowledge.yaml")}\n", StringComparison.Ordinal)
            .Replace("  - reasoning.yaml\n", "", StringComparison.Ordinal)
            .Replace("  - refusal.yaml\n", "", StringComparison.Ordinal);

        var path = dir.File("gate.yaml");
        File.WriteAllText(path, text);
        return path;
    }

    [Test]
    public void Every_shard_exits_0_and_says_what_share_it_ran()
    {
        Assert.That(_whole!.ExitCode, Is.EqualTo(1), _whole.Out + _whole.Error);
        Assert.That(_one!.ExitCode, Is.Zero, _one.Out + _one.Error);
        foreach (var (n, (shards, _)) in Runs)
        {
            for (int i = 0; i < n; i++)
            {
                Assert.That(shards[i].ExitCode, Is.Zero, shards[i].Out + shards[i].Error);
                Assert.That(shards[i].Out, Does.StartWith($"RegressionGuard gate shard {i + 1}/{n}: done"));
                Assert.That(shards[i].Out, Does.Contain($"part: {Path.Combine(Dir($"{n}-{i + 1}"), GatePart.FileName)}"));
            }
        }
    }

    [TestCaseSource(nameof(Splits))]
    public void Every_item_and_every_document_is_in_exactly_one_shard(int n)
    {
        var parts = Enumerable.Range(1, n).Select(i => GatePartFile.Read(Dir($"{n}-{i}"))).ToList();
        foreach (var suite in parts[0].Identity.Suites)
        {
            var positions = parts.SelectMany(p => p.Suites.Single(s => s.Suite == suite.Suite).Positions).Order().ToList();
            Assert.That(positions, Is.EqualTo(Enumerable.Range(0, suite.Items)), suite.Suite);
            Assert.That(parts.Select(p => p.Suites.Single(s => s.Suite == suite.Suite).Positions.Count), Has.All.GreaterThan(suite.Items / n / 2), "about 1/N each");
        }
        var documents = parts.SelectMany(p => p.Forgetting!.PerDocument.Select(d => d.Index)).Order().ToList();
        Assert.That(documents, Is.EqualTo(Enumerable.Range(0, parts[0].Forgetting!.Documents)));
    }

    /// <summary>
    /// The report of the merged shards is the whole run's, byte for byte but for its times: every suite statistic (seeded
    /// bootstrap CIs, McNemar, Holm), verdict, flip list and reason, and L_f, H, KL and the L_f verdict. The shards hold
    /// whole L_f scoring groups, so every position is scored in the same batch as in the whole run, and the per-document
    /// sums are added in one fixed order in both.
    /// </summary>
    [TestCaseSource(nameof(Splits))]
    public void The_merged_shards_give_the_whole_runs_report_and_exit_code(int n)
    {
        var merge = Runs[n].Merge;
        Assert.That(merge.ExitCode, Is.EqualTo(_whole!.ExitCode), merge.Out + merge.Error);
        var whole = WithoutTimes(File.ReadAllText(Path.Combine(Dir("whole"), "report.json")));
        var merged = WithoutTimes(File.ReadAllText(Path.Combine(Dir($"merged-{n}"), "report.json")));
        Assert.That(merged, Is.EqualTo(whole));
        Assert.That(Regex.Count(whole, "\"(lf|base_entropy|kl)\": [0-9]"), Is.GreaterThanOrEqualTo(3), "the report has L_f, H and KL");
        foreach (var file in new[] { "report.md", "report.html", "junit.xml" })
        {
            Assert.That(File.Exists(Path.Combine(Dir($"merged-{n}"), file)), file);
        }

        Assert.That(merge.Out, Does.StartWith("RegressionGuard gate: FAIL"));
        Assert.That(merge.Out, Does.Contain("✗ L_f: beyond budget"));
    }

    /// <summary>
    /// Every document's L_f sums are the same bits in the shards as in the whole gate run as its one shard
    /// (<c>--shard 1/1</c>, whose part lists them all). Every item's prediction, generation and metrics are the same too;
    /// its log-likelihoods agree to float rounding only (within 1e-4 · max(1, |value|), the bound ILanguageModel states across batch shapes; measured: 4e-6), because multiple-choice requests are
    /// batched by length among the shard's own items and a batch of another shape rounds differently.
    /// </summary>
    [TestCaseSource(nameof(Splits))]
    public void Every_documents_sums_and_every_items_outcome_in_the_shards_equal_the_whole_runs(int n)
    {
        var whole = GatePartFile.Read(Dir("1-1"));
        var parts = Enumerable.Range(1, n).Select(i => GatePartFile.Read(Dir($"{n}-{i}"))).ToList();
        Assert.That(parts.SelectMany(p => p.Forgetting!.PerDocument).OrderBy(d => d.Index), Is.EqualTo(whole.Forgetting!.PerDocument));
        Assert.That(whole.Forgetting.PerDocument, Has.Count.EqualTo(whole.Forgetting.Documents));
        double largest = 0;
        foreach (var suite in whole.Suites)
        {
            var shares = parts.Select(p => p.Suites.Single(s => s.Suite == suite.Suite)).ToList();
            foreach (var (mine, expected) in new[] { (shares.SelectMany(s => s.Base.Items), suite.Base.Items), (shares.SelectMany(s => s.Tuned!.Items), suite.Tuned!.Items) })
            {
                var byId = expected.ToDictionary(i => i.Id);
                Assert.That(mine.Select(i => i.Id), Is.EquivalentTo(byId.Keys), suite.Suite);
                foreach (var item in mine)
                {
                    var other = byId[item.Id];
                    Assert.That(Outcome(item), Is.EqualTo(Outcome(other)), $"{suite.Suite} item {item.Id}");
                    Assert.That(item.LogLikelihoods?.Count, Is.EqualTo(other.LogLikelihoods?.Count));
                    for (int c = 0; c < (item.LogLikelihoods?.Count ?? 0); c++)
                    {
                        double a = item.LogLikelihoods![c], b = other.LogLikelihoods![c];
                        largest = Math.Max(largest, Math.Abs(a - b) / Math.Max(1, Math.Abs(b)));
                        Assert.That(a, Is.EqualTo(b).Within(1e-4 * Math.Max(1, Math.Abs(b))), $"{suite.Suite} item {item.Id} choice {c}");
                    }
                }
            }
        }

        TestContext.Out.WriteLine($"{n} shards: largest difference of an item's log-likelihood, relative to max(1, |log-likelihood|) {largest:G3}");
    }

    /// <summary>An item's result without its log-likelihoods.</summary>
    static string Outcome(Suites.Evaluation.ItemResult item) => System.Text.Json.JsonSerializer.Serialize(item with { LogLikelihoods = null });

    /// <summary>report.json without its times.</summary>
    static string WithoutTimes(string json) => Times().Replace(json, "\"$1\": _");

    [GeneratedRegex("\"(generated_utc|duration_seconds)\": [^,\n]+")]
    private static partial Regex Times();
}
