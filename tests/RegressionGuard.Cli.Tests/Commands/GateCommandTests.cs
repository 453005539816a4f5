using System.Text.Json;
using RegressionGuard.Testing;
using RegressionGuard.Training;
using RegressionGuard.Training.Methods;

namespace RegressionGuard.Cli.Tests.Commands;

/// <summary>End to end: stories260K against a mild and an aggressive fine-tune of itself.</summary>
public sealed class GateCommandTests
{
    static string FineTune(TempFolder dir, string name, FineTuneOptions options) =>
        new FineTuner(options).Run(Stories260KGate.Model, Stories260KGate.TrainingText, dir.File(name))[^1].Path;

    [Test]
    public void A_mild_fine_tune_passes_and_an_aggressive_one_fails_with_reasons()
    {
        using var dir = new TempFolder();
        var mild = FineTune(dir, "mild", new FineTuneOptions { Method = FineTuningMethod.Lora, Steps = 4, BatchSize = 4, SeqLen = 64, LearningRate = 1e-4, LoraRank = 1, LoraAlpha = 1, EvalBatches = 1 });
        var aggressive = FineTune(dir, "aggressive", new FineTuneOptions { Method = FineTuningMethod.Full, Steps = 60, BatchSize = 8, SeqLen = 64, LearningRate = 3e-3, EvalBatches = 1 });

        var pass = CliRun.Of("gate", "--config", Stories260KGate.WriteConfig(dir, mild, "mild"));
        Assert.That(pass.ExitCode, Is.Zero, pass.Out + pass.Error);
        Assert.That(pass.Out, Does.StartWith("RegressionGuard gate: PASS"));

        var fail = CliRun.Of("gate", "--config", Stories260KGate.WriteConfig(dir, aggressive, "aggressive"));
        Assert.That(fail.ExitCode, Is.EqualTo(1), fail.Out + fail.Error);
        Assert.That(fail.Out, Does.StartWith("RegressionGuard gate: FAIL"));
        Assert.That(fail.Out, Does.Contain("✗ tinystories_facts/acc: drop of"));
        Assert.That(fail.Out, Does.Contain("✗ L_f: "));
        Assert.That(fail.Error, Does.Contain("base · tinystories_facts: from cache"), "the base results of the first gate are reused");
        var report = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir.File("aggressive-report"), "report.json"))).RootElement;
        Assert.That(report.GetProperty("outcome").GetString(), Is.EqualTo("fail"));
        foreach (var file in new[] { "report.md", "report.html", "junit.xml" })
        {
            Assert.That(File.Exists(Path.Combine(dir.File("aggressive-report"), file)), file);
        }

        // Reproducible: a second run gives the same report.json apart from the timestamp and the duration.
        var first = WithoutTimes(File.ReadAllText(Path.Combine(dir.File("aggressive-report"), "report.json")));
        var again = CliRun.Of("gate", "--config", Stories260KGate.WriteConfig(dir, aggressive, "aggressive"));
        Assert.That(again.ExitCode, Is.EqualTo(1));
        Assert.That(WithoutTimes(File.ReadAllText(Path.Combine(dir.File("aggressive-report"), "report.json"))), Is.EqualTo(first));
    }

    static string WithoutTimes(string json) => System.Text.RegularExpressions.Regex.Replace(json,
        "\"(generated_utc|duration_seconds)\": [^,\n]+", "\"$1\": _");

    [Test]
    public void A_broken_config_exits_2_with_every_problem()
    {
        using var dir = new TempFolder();
        var path = dir.File("regressionguard.yaml");
        File.WriteAllText(path, "schema: 1\nbase: m\nsuits: [a.yaml]\n");
        var run = CliRun.Of("gate", "--config", path);
        Assert.That(run.ExitCode, Is.EqualTo(2));
        Assert.That(run.Error, Is.EqualTo(string.Join(Environment.NewLine,
            "error: 4 problem(s):",
            $"  {path}:1:1: missing key 'tuned' (the fine-tuned model: HF folder or PEFT adapter folder)",
            $"  {path}:1:1: missing key 'suites' (a list of suite files or globs)",
            $"  {path}:2:7: base model not found: {dir.File("m")}",
            $"  {path}:3:1: unknown key 'suits' — did you mean 'suites'?") + Environment.NewLine));
    }

    /// <summary>A gate config on the organism's base and mild candidate, with every path absolute.</summary>
    static string OrganismConfig(TempFolder dir, string output, string? basePath = null)
    {
        var organism = RepositoryFiles.Path("suites/organism");
        var path = dir.File("regressionguard.yaml");
        File.WriteAllText(path, $"""
            schema: 1
            base: {basePath ?? Path.Combine(organism, "models", "base")}
            tuned: {Path.Combine(organism, "models", "mild")}
            suites: [{Path.Combine(organism, "knowledge.yaml")}]
            output: {output}

            """);
        return path;
    }

    [Test]
    public void An_output_that_names_an_existing_file_exits_2_before_any_model_work()
    {
        // Given a gate whose output: names a file that exists
        using var dir = new TempFolder();
        var file = dir.File("report.txt");
        File.WriteAllText(file, "keep me");

        // When the gate runs
        var run = CliRun.Of("gate", "--config", OrganismConfig(dir, file), "--no-cache");

        // Then it stops at once with what is wrong and where, and touches neither the file nor a model
        Assert.That(run.ExitCode, Is.EqualTo(2), run.Out + run.Error);
        Assert.That(run.Error, Does.Contain($"the report folder (output: or --out) {file} is an existing file"));
        Assert.That(run.Error, Does.Not.Contain("base ·").And.Not.Contain("   at "));
        Assert.That(File.ReadAllText(file), Is.EqualTo("keep me"));
    }

    [Test]
    public void A_failure_during_the_run_still_writes_a_report_with_outcome_error()
    {
        // Given a base model whose config.json is cut short
        using var dir = new TempFolder();
        var broken = dir.File("base");
        Directory.CreateDirectory(broken);
        foreach (var file in Directory.GetFiles(RepositoryFiles.Path("suites/organism/models/base")))
        {
            File.Copy(file, Path.Combine(broken, Path.GetFileName(file)));
        }
        File.WriteAllText(Path.Combine(broken, "config.json"), "{\"model_type\": \"llama\", \"hidden_si");
        var output = dir.File("out");

        // When the gate runs
        var run = CliRun.Of("gate", "--config", OrganismConfig(dir, output, broken), "--no-cache");

        // Then: exit 2 with the problem, and report.json (outcome error) and the other reports say the same
        Assert.That(run.ExitCode, Is.EqualTo(2), run.Out + run.Error);
        Assert.That(run.Error, Does.Contain("config.json").And.Not.Contain("   at "));
        var report = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "report.json"))).RootElement;
        Assert.That(report.GetProperty("outcome").GetString(), Is.EqualTo("error"));
        Assert.That(report.GetProperty("errors")[0].GetString(), Does.Contain("config.json"));
        Assert.That(File.ReadAllText(Path.Combine(output, "junit.xml")), Does.Contain("config.json"));
    }
}
