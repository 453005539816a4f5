using RegressionGuard.Testing;

namespace RegressionGuard.Cli.Tests.Commands;

/// <summary>The tuned model is opened before the base model runs, so a bad tuned path fails at once.</summary>
public sealed class GateTunedModelTests
{
    [TestCase("missing", TestName = "A tuned path that does not exist fails before the base model is evaluated")]
    [TestCase("broken-adapter", TestName = "A tuned adapter with a broken config fails before the base model is evaluated")]
    public void A_bad_tuned_model_fails_before_the_base_model_runs(string tunedName)
    {
        // Given a gate whose tuned model is missing or broken
        using var dir = new TempFolder();
        var tuned = dir.File(tunedName);
        if (tunedName == "broken-adapter")
        {
            Directory.CreateDirectory(tuned);
            File.WriteAllText(Path.Combine(tuned, "adapter_config.json"), "{ not json");
        }

        // When the gate runs
        var run = CliRun.Of("gate", "--config", Stories260KGate.WriteConfig(dir, tuned, "bad"));

        // Then it exits 2 naming the tuned model, and the base model was never evaluated
        Assert.That(run.ExitCode, Is.EqualTo(2), run.Out + run.Error);
        Assert.That(run.Out + run.Error, Does.Contain(tuned));
        Assert.That(run.Error, Does.Not.Contain("base · tinystories_facts"));
    }
}
