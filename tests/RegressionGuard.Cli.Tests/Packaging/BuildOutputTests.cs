using System.Reflection;

namespace RegressionGuard.Cli.Tests.Packaging;

/// <summary>The Release build output of the CLI (what <c>dotnet run -c Release</c> and these tests start) is compiled ahead.</summary>
public sealed class BuildOutputTests
{
    [Test]
    public void A_release_build_of_the_cli_and_what_it_references_is_ReadyToRun()
    {
        var cli = typeof(CliApp).Assembly;
        if (cli.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration != "Release")
        {
            Assert.Ignore("a Debug build stays IL");
        }

        // the CLI's own output folder, where ReadyToRunBuildOutput publishes in place (this test's folder holds a copy of the CLI only)
        Assert.That(ReadyToRunImage.Is(cli.Location), Is.True, $"{cli.Location} is ReadyToRun");
        var output = RegressionGuard.Testing.RepositoryFiles.Path("src/RegressionGuard.Cli/bin/Release/net10.0/linux-x64");
        foreach (var assembly in new[] { "regressionguard.dll", "RegressionGuard.Core.dll", "TorchSharp.dll" })
        {
            Assert.That(ReadyToRunImage.Is(Path.Combine(output, assembly)), Is.True, $"{assembly} in {output} is ReadyToRun");
        }
    }
}
