using System.Text.RegularExpressions;
using RegressionGuard.Gate;
using RegressionGuard.Gate.Sharding;
using RegressionGuard.Reports;
using RegressionGuard.Testing;

namespace RegressionGuard.Core.Tests.Gate.Sharding;

public sealed partial class GatePartMergerTests
{
    static string WithoutTimes(GateReport report) => Times().Replace(ReportJson.Serialize(report), "\"$1\": _");

    [GeneratedRegex("\"(generated_utc|duration_seconds)\": [^,\n]+")]
    private static partial Regex Times();

    [TestCase(1)]
    [TestCase(2)]
    [TestCase(3)]
    [TestCase(5)]
    [TestCase(7)]
    public void Merged_parts_give_the_report_of_the_whole_run(int n)
    {
        // Given a whole run's report and the same gate's N parts, written and read back
        var whole = GateDecision.Decide(PartFixtures.Whole(), PartFixtures.Rules, null, 1);
        using var dir = new TempFolder();
        var folders = PartFixtures.Write(PartFixtures.Parts(n), dir.Path);

        // When they are merged
        var merged = GatePartMerger.Merge(folders);

        // Then the report is the same but for the times: statistics, verdicts, flips and L_f
        Assert.That(whole.Outcome, Is.EqualTo(GateOutcome.Fail), "the fixture exercises failing metrics");
        Assert.That(WithoutTimes(merged), Is.EqualTo(WithoutTimes(whole)));
        Assert.That(merged.DurationSeconds, Is.EqualTo(n), "the parts' durations add up");
    }

    [Test]
    public void The_order_of_the_folders_does_not_matter()
    {
        using var dir = new TempFolder();
        var folders = PartFixtures.Write(PartFixtures.Parts(5), dir.Path);
        var inOrder = WithoutTimes(GatePartMerger.Merge(folders));
        Assert.That(WithoutTimes(GatePartMerger.Merge(folders.Reverse().ToList())), Is.EqualTo(inOrder));
        Assert.That(WithoutTimes(GatePartMerger.Merge([folders[3], folders[0], folders[4], folders[2], folders[1]])), Is.EqualTo(inOrder));
    }

    [Test]
    public void L_f_is_token_weighted_over_every_document_of_every_shard()
    {
        // Given parts whose documents have different lengths
        var parts = PartFixtures.Parts(3);
        var all = parts.SelectMany(p => p.Forgetting!.PerDocument).ToList();

        // When merged
        var merged = GatePartMerger.Merge(parts.Select((p, i) => ($"part{i}", p)).ToList());

        // Then L_f is Σ cross-entropy / Σ positions, not a mean of the shards' means
        Assert.That(merged.Forgetting!.Positions, Is.EqualTo(all.Sum(d => d.Positions)));
        Assert.That(merged.Forgetting.Lf, Is.EqualTo(all.Sum(d => d.CrossEntropy) / all.Sum(d => d.Positions)).Within(1e-12));
        Assert.That(merged.Forgetting.Documents, Is.EqualTo(50));
    }

    [Test]
    public void A_shard_stopped_by_an_input_error_makes_the_merged_outcome_error_with_its_problem()
    {
        // Given shard 2 of 3 whose tuned model failed to load: no tuned results, no L_f sums, its error recorded
        var parts = PartFixtures.Parts(3);
        var stopped = parts[1] with
        {
            Identity = parts[1].Identity with { TunedModel = "" },
            Tuned = parts[1].Tuned with { ContentHash = "" },
            Suites = parts[1].Suites.Select(s => s with { Tuned = null }).ToList(),
            Forgetting = null,
            Errors = ["tuned model not found: /models/tuned"],
        };

        // When merged
        var merged = GatePartMerger.Merge([("a", parts[0]), ("b", stopped), ("c", parts[2])]);

        // Then the report says error, names the shard and its problem, and compares no half-evaluated suite
        Assert.That(merged.Outcome, Is.EqualTo(GateOutcome.Error));
        Assert.That(merged.Errors, Is.EqualTo(new[] { "shard 2/3 (b): tuned model not found: /models/tuned" }));
        Assert.That(merged.Suites, Is.Empty);
        Assert.That(merged.Forgetting, Is.Null);
        Assert.That(merged.Tuned.ContentHash, Is.EqualTo("tuned-sha"));
    }

    [Test]
    public void A_missing_shard_is_named()
    {
        var parts = PartFixtures.Parts(3);
        var e = Assert.Throws<GatePartException>(() => GatePartMerger.Merge([("a", parts[0]), ("c", parts[2])]));
        Assert.That(e!.Message, Is.EqualTo("cannot merge 2 part(s): shard 2/3 missing: got a (shard 1/3), c (shard 3/3)"));
    }

    [Test]
    public void A_shard_given_twice_is_named_with_both_folders()
    {
        var parts = PartFixtures.Parts(3);
        var e = Assert.Throws<GatePartException>(() => GatePartMerger.Merge([("a", parts[0]), ("b", parts[1]), ("b2", parts[1]), ("c", parts[2])]));
        Assert.That(e!.Message, Is.EqualTo("cannot merge 4 part(s): shard 2/3 is given 2 times: b, b2"));
    }

    [Test]
    public void Parts_of_different_splits_are_refused()
    {
        var three = PartFixtures.Parts(3);
        var five = PartFixtures.Parts(5);
        var e = Assert.Throws<GatePartException>(() => GatePartMerger.Merge([("a", three[0]), ("b", five[1]), ("c", three[2])]));
        Assert.That(e!.Message, Does.StartWith("cannot merge 3 part(s): the parts split the gate differently: a (shard 1/3), b (shard 2/5), c (shard 3/3)"));
    }

    [Test]
    public void Parts_of_different_models_or_configs_are_refused_naming_what_differs()
    {
        // Given shard 2 of a gate on another tuned model, and shard 3 of a gate with other rules
        var parts = PartFixtures.Parts(3);
        var other = PartFixtures.Parts(3, tunedHash: "0123456789abcdef0123")[1];
        var rules = parts[2] with { Identity = parts[2].Identity with { Config = "fedcba9876543210fedc" } };

        // When merged
        var e = Assert.Throws<GatePartException>(() => GatePartMerger.Merge([("a", parts[0]), ("b", other), ("c", rules)]));

        // Then each difference names both folders and both values
        Assert.That(e!.Message, Is.EqualTo("cannot merge 3 part(s): "
            + "b (shard 2/3) and a (shard 1/3) come from different gates: the tuned model differs (sha256 0123456789ab… vs tuned-sha); "
            + "c (shard 3/3) and a (shard 1/3) come from different gates: the gate config (thresholds, correction, seed, forgetting block, law, dtype or batch size) differs (sha256 fedcba987654… vs config-sha)"));
    }

    [Test]
    public void A_folder_without_a_part_and_a_damaged_part_are_named()
    {
        using var dir = new TempFolder();
        var empty = dir.File("empty");
        Directory.CreateDirectory(empty);
        Assert.That(Assert.Throws<GatePartException>(() => GatePartFile.Read(empty))!.Message,
            Is.EqualTo($"{empty}: no gate-part.json in this folder; is it the output of `gate --shard i/N`?"));

        var folder = PartFixtures.Write(PartFixtures.Parts(2).Take(1), dir.Path)[0];
        var path = Path.Combine(folder, GatePart.FileName);
        File.WriteAllText(path, File.ReadAllText(path).Replace("\"version\": 1", "\"version\": 9", StringComparison.Ordinal));
        Assert.That(Assert.Throws<GatePartException>(() => GatePartFile.Read(folder))!.Message, Does.StartWith($"{path}: unsupported gate part version 9"));
    }

    [Test]
    public void A_part_round_trips_through_its_file()
    {
        using var dir = new TempFolder();
        var part = PartFixtures.Parts(3)[1];
        var folder = PartFixtures.Write([part], dir.Path)[0];
        var read = GatePartFile.Read(folder);
        Assert.That(System.Text.Json.JsonSerializer.Serialize(read, ReportJson.Options), Is.EqualTo(System.Text.Json.JsonSerializer.Serialize(part, ReportJson.Options)));
    }
}
