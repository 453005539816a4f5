using System.Text.Json;
using RegressionGuard.Core.Tests.Gate.Sharding;
using RegressionGuard.Testing;

namespace RegressionGuard.Cli.Tests.Commands;

/// <summary><c>report merge</c> on the parts of a made-up 3-shard gate (<see cref="PartFixtures"/>).</summary>
public sealed class ReportMergeCommandTests
{
    [Test]
    public void Merging_every_shard_writes_the_reports_and_exits_with_the_gates_code()
    {
        // Given the three parts of a failing gate
        using var dir = new TempFolder();
        var folders = PartFixtures.Write(PartFixtures.Parts(3), dir.Path);

        // When merged
        var run = CliRun.Of(["report", "merge", .. folders, "--out", dir.File("merged")]);

        // Then exit 1 (a regression), the verdicts printed, and all four reports written
        Assert.That(run.ExitCode, Is.EqualTo(1), run.Out + run.Error);
        Assert.That(run.Out, Does.StartWith("RegressionGuard gate: FAIL"));
        foreach (var file in new[] { "report.json", "report.md", "report.html", "junit.xml" })
        {
            Assert.That(File.Exists(Path.Combine(dir.File("merged"), file)), file);
        }

        var report = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir.File("merged"), "report.json"))).RootElement;
        Assert.That(report.GetProperty("suites").GetArrayLength(), Is.EqualTo(2));
    }

    [Test]
    public void A_missing_shard_exits_2_naming_it_and_the_parts_given()
    {
        using var dir = new TempFolder();
        var folders = PartFixtures.Write(PartFixtures.Parts(3), dir.Path);
        var run = CliRun.Of("report", "merge", folders[2], folders[0], "--out", dir.File("merged"));
        Assert.That(run.ExitCode, Is.EqualTo(2));
        Assert.That(run.Error, Is.EqualTo($"error: cannot merge 2 part(s): shard 2/3 missing: got {folders[0]} (shard 1/3), {folders[2]} (shard 3/3){Environment.NewLine}"));
        Assert.That(File.Exists(Path.Combine(dir.File("merged"), "report.json")), Is.False, "no report from an incomplete gate");
    }

    [Test]
    public void A_shard_given_twice_exits_2_naming_both_folders()
    {
        using var dir = new TempFolder();
        var folders = PartFixtures.Write(PartFixtures.Parts(2), dir.Path);
        var copy = PartFixtures.Write(PartFixtures.Parts(2).Take(1), dir.File("copy"))[0];
        var run = CliRun.Of("report", "merge", folders[0], folders[1], copy, "--out", dir.File("merged"));
        Assert.That(run.ExitCode, Is.EqualTo(2));
        Assert.That(run.Error, Does.Contain($"shard 1/2 is given 2 times: {folders[0]}, {copy}").Or.Contain($"shard 1/2 is given 2 times: {copy}, {folders[0]}"));
    }

    [TestCase("model", "the tuned model differs (sha256 0f0f0f0f0f0f… vs tuned-sha)")]
    [TestCase("config", "the gate config (thresholds, correction, seed, forgetting block, law, dtype or batch size) differs (sha256 0f0f0f0f0f0f… vs config-sha)")]
    public void Parts_of_gates_on_another_model_or_config_exit_2_naming_what_differs(string differs, string message)
    {
        // Given shard 1/2 of a gate and shard 2/2 of a gate on another tuned model, or with another config
        using var dir = new TempFolder();
        var parts = PartFixtures.Parts(2);
        var mine = PartFixtures.Write(parts.Take(1), dir.File("mine"))[0];
        var other = differs == "model"
            ? PartFixtures.Parts(2, tunedHash: "0f0f0f0f0f0f0f0f0f0f")[1]
            : parts[1] with { Identity = parts[1].Identity with { Config = "0f0f0f0f0f0f0f0f0f0f" } };
        var theirs = PartFixtures.Write([other], dir.File("theirs"))[0];

        // When merged (in either order)
        var run = CliRun.Of("report", "merge", theirs, mine, "--out", dir.File("merged"));

        // Then exit 2, naming both folders and what differs
        Assert.That(run.ExitCode, Is.EqualTo(2));
        Assert.That(run.Error, Is.EqualTo($"error: cannot merge 2 part(s): {theirs} (shard 2/2) and {mine} (shard 1/2) come from different gates: {message}{Environment.NewLine}"));
    }

    [Test]
    public void A_folder_that_is_not_a_part_exits_2()
    {
        using var dir = new TempFolder();
        var run = CliRun.Of("report", "merge", dir.Path, "--out", dir.File("merged"));
        Assert.That(run.ExitCode, Is.EqualTo(2));
        Assert.That(run.Error, Does.Contain($"{dir.Path}: no gate-part.json in this folder"));
    }
}
