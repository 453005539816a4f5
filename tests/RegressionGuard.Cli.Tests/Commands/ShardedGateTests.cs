using System.Globalization;
using System.Text.RegularExpressions;
using RegressionGuard.Gate.Sharding;
using RegressionGuard.Testing;

namespace RegressionGuard.Cli.Tests.Commands;

/// <summary>
/// The organism's aggressive gate (the demo's failing candidate) on its multiple-choice suite and its L_f corpus and law
/// run whole, as 3 shards and as 5 shards (<c>gate --shard i/N</c>), the parts merged with <c>report merge</c> given in
/// reverse order. (The generation suites are left out to keep nine gate runs affordable; every suite's per-item
/// results travel and merge the same way, and the whole three-suite gate is measured in docs/gate.md.)
/// </summary>
public sealed partial class ShardedGateTests
{
    static readonly int[] Splits = [3, 5];
    static TempFolder? _dir;
    static CliRun? _whole;
    static readonly Dictionary<int, (CliRun[] Shards, CliRun Merge)> Runs = [];

    static string Dir(string name) => _dir!.File(name);

    [OneTimeSetUp]
    public static void RunWholeAndSharded()
    {
        _dir = new TempFolder("rg-shard");
        var config = Config(_dir);
        _whole = CliRun.Of("gate", "--config", config, "--out", Dir("whole"), "--no-cache");
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
    /// The report of the merged shards is the whole run's: every suite statistic (seeded bootstrap CIs, McNemar, Holm),
    /// verdict, flip list and reason, and the L_f verdict. L_f itself is summed per document in document order in both,
    /// but the models score each position in padded batches whose shape depends on which windows share a batch; float
    /// kernels round differently for another shape, so L_f, H and KL agree to 1e-7 relative (measured: 2e-9), not bit for bit.
    /// </summary>
    [TestCaseSource(nameof(Splits))]
    public void The_merged_shards_give_the_whole_runs_report_and_exit_code(int n)
    {
        var merge = Runs[n].Merge;
        Assert.That(merge.ExitCode, Is.EqualTo(_whole!.ExitCode), merge.Out + merge.Error);
        var (whole, wholeLf) = Comparable(File.ReadAllText(Path.Combine(Dir("whole"), "report.json")));
        var (merged, mergedLf) = Comparable(File.ReadAllText(Path.Combine(Dir($"merged-{n}"), "report.json")));
        Assert.That(merged, Is.EqualTo(whole));
        Assert.That(mergedLf, Has.Count.EqualTo(wholeLf.Count).And.Count.GreaterThanOrEqualTo(4), "L_f, H, KL, observed (and the frontier's L_f values)");
        for (int k = 0; k < wholeLf.Count; k++)
        {
            TestContext.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{n} shards, L_f number {k}: whole {wholeLf[k]:R}, merged {mergedLf[k]:R}, relative difference {Math.Abs(mergedLf[k] - wholeLf[k]) / Math.Abs(wholeLf[k]):G3}"));
            Assert.That(mergedLf[k], Is.EqualTo(wholeLf[k]).Within(1e-5).Percent, $"L_f number {k}");
        }

        foreach (var file in new[] { "report.md", "report.html", "junit.xml" })
        {
            Assert.That(File.Exists(Path.Combine(Dir($"merged-{n}"), file)), file);
        }

        Assert.That(merge.Out, Does.StartWith("RegressionGuard gate: FAIL"));
        Assert.That(merge.Out, Does.Contain("✗ L_f: beyond budget"));
    }

    /// <summary>report.json without its times, and with the L_f numbers (lf, base_entropy, kl, observed) taken out.</summary>
    static (string Json, List<double> Lf) Comparable(string json)
    {
        var numbers = new List<double>();
        var masked = Times().Replace(json, "\"$1\": _");
        masked = LfNumbers().Replace(masked, m =>
        {
            numbers.Add(double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture));
            return $"\"{m.Groups[1].Value}\": _";
        });
        return (masked, numbers);
    }

    [GeneratedRegex("\"(generated_utc|duration_seconds)\": [^,\n]+")]
    private static partial Regex Times();

    [GeneratedRegex("\"(lf|base_entropy|kl|observed)\": (-?[0-9.]+(?:[eE][-+]?[0-9]+)?)")]
    private static partial Regex LfNumbers();
}
