using RegressionGuard.Testing;

namespace RegressionGuard.NUnit.Tests;

/// <summary>Config problems become one failing "configuration" case; a missing default config one ignored case.</summary>
public sealed class ConfigurationCaseTests
{
    static GateCase Only(IEnumerable<TestCaseData> data)
    {
        var list = data.ToList();
        Assert.That(list, Has.Count.EqualTo(1));
        Assert.That(list[0].TestName, Is.EqualTo("configuration"));
        return (GateCase)list[0].Arguments[0]!;
    }

    [Test]
    public void A_broken_config_is_one_failing_configuration_case_with_every_problem()
    {
        using var dir = new TempFolder();
        var path = dir.File("regressionguard.yaml");
        File.WriteAllText(path, "schema: 1\nbase: m\nsuits: [a.yaml]\n");

        var gate = Only(GateCases.From(path));

        Assert.That(gate.Kind, Is.EqualTo(GateCaseKind.Configuration));
        Assert.That(gate.Fails);
        Assert.That(gate.Message(), Does.Contain($"{path}:1:1: missing key 'tuned'"));
        Assert.That(gate.Message(), Does.Contain($"{path}:3:1: unknown key 'suits' — did you mean 'suites'?"));
        var failure = Assert.Throws<AssertionException>(() => gate.Assert());
        Assert.That(failure!.Message, Does.Contain("unknown key 'suits'"));
    }

    [Test]
    public void A_missing_config_is_one_failing_configuration_case()
    {
        using var dir = new TempFolder();
        var gate = Only(GateCases.From(dir.File("nowhere.yaml")));
        Assert.That(gate.Fails);
        Assert.That(gate.Message(), Does.Contain("gate config not found"));
    }

    [Test]
    public void A_config_whose_models_are_missing_is_one_failing_configuration_case()
    {
        using var dir = new TempFolder();
        var path = dir.File("regressionguard.yaml");
        File.WriteAllText(path, $"schema: 1\nbase: {dir.File("base.bin")}\ntuned: {dir.File("tuned")}\nsuites: [{dir.File("missing-suite.yaml")}]\noutput: {dir.File("out")}\n");
        var gate = Only(GateCases.From(path));
        Assert.That(gate.Fails);
        Assert.That(gate.Message(), Does.Contain("missing-suite.yaml"));
    }

    [Test]
    public void From_environment_reads_the_variable_and_fails_on_a_missing_named_config()
    {
        using var dir = new TempFolder();
        var previous = Environment.GetEnvironmentVariable(GateCases.ConfigVariable);
        try
        {
            Environment.SetEnvironmentVariable(GateCases.ConfigVariable, dir.File("named.yaml"));
            var gate = Only(GateCases.FromEnvironment());
            Assert.That(gate.Kind, Is.EqualTo(GateCaseKind.Configuration));
            Assert.That(gate.ConfigPath, Does.EndWith("named.yaml"));
        }
        finally
        {
            Environment.SetEnvironmentVariable(GateCases.ConfigVariable, previous);
        }
    }

    [Test]
    public void From_environment_without_a_config_is_one_ignored_case_with_directions()
    {
        var previous = Environment.GetEnvironmentVariable(GateCases.ConfigVariable);
        try
        {
            Environment.SetEnvironmentVariable(GateCases.ConfigVariable, null);
            var data = GateCases.FromEnvironment().ToList();
            Assert.That(data, Has.Count.EqualTo(1));
            Assert.That(data[0].RunState, Is.EqualTo(global::NUnit.Framework.Interfaces.RunState.Ignored));
            var gate = (GateCase)data[0].Arguments[0]!;
            Assert.That(gate.Kind, Is.EqualTo(GateCaseKind.NotConfigured));
            Assert.That(gate.Fails, Is.False);
            Assert.That(gate.Message(), Does.Contain(GateCases.ConfigVariable).And.Contain("regressionguard.yaml"));
        }
        finally
        {
            Environment.SetEnvironmentVariable(GateCases.ConfigVariable, previous);
        }
    }
}
