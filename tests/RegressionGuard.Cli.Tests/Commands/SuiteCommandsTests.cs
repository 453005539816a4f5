using System.Text.Json;
using RegressionGuard.Testing;

namespace RegressionGuard.Cli.Tests.Commands;

public sealed class SuiteCommandsTests
{
    static string Repo()
    {
        return RepositoryFiles.Root;
    }

    [Test]
    public void Validate_exits_0_for_valid_suites_and_lists_them()
    {
        var run = CliRun.Of("suite", "validate", Path.Combine(Repo(), "suites/tinystories/tinystories_facts.yaml"));
        Assert.That(run.ExitCode, Is.Zero, run.Error);
        Assert.That(run.Out, Does.Contain("tinystories_facts v1, multiple_choice, 20 items, metrics acc, acc_norm"));
    }

    [Test]
    public void Validate_exits_2_and_prints_every_problem_with_its_position()
    {
        using var dir = new TempFolder();
        var bad = dir.File("bad.yaml");
        File.WriteAllText(bad, "schema: 1\nid: x\ntask: multiple_choise\ntemplates:\n  promt: hi\nitems:\n  - a: 1\n");
        var run = CliRun.Of("suite", "validate", bad);
        Assert.That(run.ExitCode, Is.EqualTo(2));
        Assert.That(run.Error, Does.Contain($"{bad}:3:7: unknown task 'multiple_choise' — did you mean 'multiple_choice'?"));
        Assert.That(run.Error, Does.Contain($"{bad}:5:3: unknown key 'templates.promt' — did you mean 'prompt'?"));
    }

    [Test]
    public void Validate_names_an_unset_data_variable()
    {
        var run = CliRun.Of("suite", "validate", Path.Combine(Repo(), "suites/public/arc_easy.yaml"));
        Assert.That(run.ExitCode, Is.EqualTo(2));
        Assert.That(run.Error, Does.Contain("variable 'arc_dir' is not set; pass --set arc_dir=<value> or set REGRESSIONGUARD_ARC_DIR"));
    }

    [Test]
    public void Eval_prints_json_and_writes_items_and_metrics()
    {
        using var dir = new TempFolder();
        var run = CliRun.Of("eval", "--model", SharedData.Path("models/stories260K/stories260K.bin"),
            "--suite", Path.Combine(Repo(), "suites/tinystories/tinystories_facts.yaml"), "--json", "--out", dir.Path);
        Assert.That(run.ExitCode, Is.Zero, run.Error);
        using var doc = JsonDocument.Parse(run.Out);
        Assert.That(doc.RootElement.GetProperty("items").GetInt32(), Is.EqualTo(20));
        Assert.That(doc.RootElement.GetProperty("metrics").GetProperty("acc").GetProperty("value").GetDouble(), Is.GreaterThan(0.5));
        Assert.That(File.ReadAllLines(dir.File("items.jsonl")), Has.Length.EqualTo(20));
        using var metrics = JsonDocument.Parse(File.ReadAllText(dir.File("metrics.json")));
        Assert.That(metrics.RootElement.GetProperty("suite").GetString(), Is.EqualTo("tinystories_facts"));
        var first = JsonDocument.Parse(File.ReadAllLines(dir.File("items.jsonl"))[0]).RootElement;
        Assert.That(first.GetProperty("log_likelihoods").GetArrayLength(), Is.EqualTo(4));
        Assert.That(first.GetProperty("source").GetString(), Does.EndWith(":items[0]:1"));
    }
}
