using System.Diagnostics;
using System.Reflection;
using System.Text.RegularExpressions;
using RegressionGuard.Law;
using RegressionGuard.Reports;
using RegressionGuard.Testing;
using RegressionGuard.Training;
using RegressionGuard.Training.Methods;

namespace RegressionGuard.NUnit.Tests;

/// <summary>End to end: stories260K against a mild and an aggressive fine-tune of itself, as NUnit cases.</summary>
public sealed class GateCasesTests
{
    TempFolder _dir = null!;
    string _mild = null!;
    string _aggressive = null!;

    [OneTimeSetUp]
    public void FineTune()
    {
        _dir = new TempFolder();
        var mild = FineTune(_dir, "mild", new FineTuneOptions { Method = FineTuningMethod.Lora, Steps = 4, BatchSize = 4, SeqLen = 64, LearningRate = 1e-4, LoraRank = 1, LoraAlpha = 1, EvalBatches = 1 });
        var aggressive = FineTune(_dir, "aggressive", new FineTuneOptions { Method = FineTuningMethod.Full, Steps = 60, BatchSize = 8, SeqLen = 64, LearningRate = 3e-3, EvalBatches = 1 });
        _mild = Stories260KGate.WriteConfig(_dir, mild, "mild");
        _aggressive = Stories260KGate.WriteConfig(_dir, aggressive, "aggressive");
    }

    [OneTimeTearDown]
    public void Clean() => _dir?.Dispose();

    static string FineTune(TempFolder dir, string name, FineTuneOptions options) =>
        new FineTuner(options).Run(Stories260KGate.Model, Stories260KGate.TrainingText, dir.File(name))[^1].Path;

    static Dictionary<string, GateCase> Cases(string config)
    {
        var data = GateCases.From(config).ToList();
        Assert.That(data.Select(d => d.TestName), Is.Unique);
        return data.ToDictionary(d => d.TestName!, d => (GateCase)d.Arguments[0]!);
    }

    [Test]
    public void The_mild_fine_tune_gives_one_case_per_gated_metric_and_forgetting_and_all_pass()
    {
        var cases = Cases(_mild);

        Assert.That(cases.Keys, Does.Contain("tinystories_facts/acc").And.Contain("forgetting"));
        Assert.That(cases.Keys, Does.Not.Contain("configuration"));
        Assert.That(cases.Keys.Where(k => k != "forgetting"), Has.All.Matches<string>(k => k.StartsWith("tinystories_facts/", StringComparison.Ordinal) || k.StartsWith("tinystories_common_sense/", StringComparison.Ordinal)));
        Assert.That(cases.Values.Where(c => c.Fails).Select(c => c.Message()), Is.Empty);
        foreach (var gate in cases.Values)
        {
            Assert.That(gate.ReportFiles.Select(Path.GetFileName), Is.EqualTo(new[] { ReportFiles.Json, ReportFiles.Markdown, ReportFiles.Html, ReportFiles.JUnit }));
            Assert.That(gate.ReportFiles, Has.All.Matches<string>(File.Exists));
        }
        var facts = cases["tinystories_facts/acc"];
        Assert.That(facts.Verdict, Is.InstanceOf<MetricVerdict>());
        Assert.That(facts.Metric!.Threshold, Is.EqualTo(0.10));
        Assert.DoesNotThrow(() => facts.Assert(), "a passing case neither fails nor is ignored");
    }

    [Test]
    public void The_aggressive_fine_tune_fails_forgetting_beyond_budget_with_every_number()
    {
        var cases = Cases(_aggressive);

        var forgetting = cases["forgetting"];
        Assert.That(forgetting.Verdict, Is.InstanceOf<ForgettingReport>());
        Assert.That(forgetting.Fails);
        var lf = forgetting.Forgetting!.Lf;
        Assert.That(lf, Is.GreaterThan(1.6));
        var message = forgetting.Message();
        Assert.That(message, Does.StartWith("forgetting: FAIL — beyond budget"));
        Assert.That(message, Does.Contain($"observed L_f: {lf.ToString("F4", System.Globalization.CultureInfo.InvariantCulture)} nats/token"));
        Assert.That(message, Does.Contain("budget:    1.6000 nats/token"));
        Assert.That(message, Does.Contain("law: none configured"));
        Assert.That(message, Does.Contain("rule:      beyond budget"));
        var failure = Assert.Throws<AssertionException>(() => forgetting.Assert());
        Assert.That(failure!.Message, Does.Contain("beyond budget"));

        var facts = cases["tinystories_facts/acc"];
        Assert.That(facts.Fails, facts.Message());
        var metric = facts.Message();
        var c = facts.Metric!.Comparison;
        Assert.That(metric, Does.StartWith("tinystories_facts/acc: FAIL — drop of"));
        Assert.That(metric, Does.Contain(FormattableString.Invariant($"base → tuned: {c.Base:F4} → {c.Tuned:F4}")));
        Assert.That(metric, Does.Contain("[95% CI "));
        Assert.That(metric, Does.Contain("p (Holm):  "));
        Assert.That(metric, Does.Contain("threshold: max_drop 0.1000"));
        Assert.That(facts.Flips, Is.Not.Empty);
        Assert.That(metric, Does.Contain($"    - {facts.Flips[0].Id}: \""));
        Assert.That(metric.Split('\n').Count(l => l.StartsWith("    - ", StringComparison.Ordinal)), Is.EqualTo(Math.Min(5, facts.Flips.Count)));
    }

    [Test]
    public void The_gate_runs_once_per_config_and_content()
    {
        var first = Cases(_mild)["forgetting"];
        var second = Cases(_mild)["forgetting"];
        Assert.That(second.Forgetting, Is.SameAs(first.Forgetting), "the second call reuses the first run's report");
    }

    [TestCase("mild", 0)]
    [TestCase("aggressive", 1)]
    public void The_example_project_gates_under_dotnet_test(string name, int exitCode)
    {
        var config = name == "mild" ? _mild : _aggressive;
        var cases = Cases(config).Values.ToList();
        int failed = cases.Count(c => c.Fails);
        int passed = cases.Count(c => c.Metric?.Outcome == "pass" || c.Forgetting?.Verdict.Outcome == ForgettingOutcome.Pass);

        var run = DotnetTest(RepositoryFiles.Path("examples/GateTests/GateTests.csproj"), config);

        Assert.That(run.ExitCode, Is.EqualTo(exitCode), run.Output);
        Assert.That(Count(run.Output, "Failed") ?? 0, Is.EqualTo(failed), run.Output);
        Assert.That(Count(run.Output, "Passed") ?? 0, Is.EqualTo(passed), run.Output);
        if (exitCode != 0)
        {
            Assert.That(run.Output, Does.Contain("beyond budget"));
        }
    }

    /// <summary>The last "Failed: n" / "Passed: n" of the run's summary.</summary>
    static int? Count(string output, string label)
    {
        var matches = Regex.Matches(output, $@"\b{label}:\s+(\d+)");
        return matches.Count == 0 ? null : int.Parse(matches[^1].Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
    }

    static (int ExitCode, string Output) DotnetTest(string project, string config)
    {
        var configuration = typeof(GateCasesTests).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { "test", project, "--no-build", "-c", configuration, "--logger", "console;verbosity=normal" })
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment[GateCases.ConfigVariable] = config;
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output + error.Result);
    }
}
