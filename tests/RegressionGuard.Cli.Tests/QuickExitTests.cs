using RegressionGuard.Testing;

namespace RegressionGuard.Cli.Tests;

/// <summary>The CLI ends without the runtime's and libtorch's teardown, and nothing it prints or returns changes.</summary>
public sealed class QuickExitTests
{
    [Test]
    public void It_applies_on_linux_unless_turned_off()
    {
        Assert.That(QuickExit.Applies(null), Is.EqualTo(OperatingSystem.IsLinux()));
        Assert.That(QuickExit.Applies("on"), Is.EqualTo(OperatingSystem.IsLinux()));
        Assert.That(new[] { "off", "OFF", " off ", "0" }.Select(QuickExit.Applies), Is.All.False);
    }

    [Test]
    public void A_quick_exit_keeps_the_exit_code_and_every_line_a_command_prints()
    {
        // Given a model command that loads libtorch, one that succeeds without a model, and one that fails
        using var dir = new TempFolder();
        var suite = JitProfileTests.WriteSuite(dir);
        var model = RepositoryFiles.Path("suites/organism/models/base");
        string[][] commands =
        [
            ["generate", "--model", model, "--prompt", "Q: What is 12 + 7?\nA:", "--max-new-tokens", "12", "--json"],
            ["suite", "validate", suite],
            ["suite", "validate", dir.File("missing.yaml")],
        ];

        foreach (var args in commands)
        {
            // When each runs as its own process with the quick exit and without it
            var quick = CliProcess.Run(dir.Path, new Dictionary<string, string?> { [QuickExit.EnvironmentVariable] = null }, args);
            var normal = CliProcess.Run(dir.Path, new Dictionary<string, string?> { [QuickExit.EnvironmentVariable] = "off" }, args);

            // Then both end the same way
            Assert.That(quick, Is.EqualTo(normal), string.Join(' ', args));
        }

        Assert.That(CliProcess.Run(dir.Path, new Dictionary<string, string?>(), commands[2]).Code, Is.EqualTo(CliApp.ExitUsage));
    }
}
