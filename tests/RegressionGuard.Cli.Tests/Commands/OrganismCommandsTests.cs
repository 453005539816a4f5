using RegressionGuard.Organism;
using RegressionGuard.Organism.Building;
using RegressionGuard.Testing;

namespace RegressionGuard.Cli.Tests.Commands;

public class OrganismCommandsTests
{
    [Test]
    public void The_tool_carries_the_shipped_organism_of_the_default_recipe()
    {
        Assert.That(EmbeddedOrganism.Fingerprint(typeof(CliApp).Assembly), Is.EqualTo(OrganismBuilder.Fingerprint(OrganismRecipe.Default)));
    }

    [Test]
    public void The_embedded_organism_extracts_to_exactly_the_files_its_manifest_lists()
    {
        using var folder = new TempFolder();
        var target = Path.Combine(folder.Path, "organism");
        Assert.That(EmbeddedOrganism.TryExtract(typeof(CliApp).Assembly, target), Is.True);
        Assert.That(OrganismManifest.Files(target).ToDictionary(f => f.Path, f => f.Sha256), Is.EquivalentTo(OrganismManifest.Listed(target)));
    }

    [Test]
    public void Outside_a_checkout_the_demo_finds_the_organism_by_extracting_it_into_the_cache()
    {
        using var folder = new TempFolder();
        var found = OrganismLocator.FindOrExtract(OrganismRecipe.Default, folder.Path, typeof(CliApp).Assembly, cacheRoot: folder.Path);
        Assert.That(found, Is.EqualTo(OrganismLocator.CacheFolder(OrganismRecipe.Default, folder.Path)));
        Assert.That(File.Exists(Path.Combine(found!, OrganismFiles.GateConfig("mild"))));
    }

    [Test]
    public void An_organism_override_that_is_not_an_organism_is_named_in_the_error()
    {
        using var folder = new TempFolder();
        Environment.SetEnvironmentVariable(OrganismLocator.EnvironmentVariable, folder.Path);
        try
        {
            var run = CliRun.Of("demo", "--out", folder.File("out"));
            Assert.That(run.ExitCode, Is.EqualTo(2));
            Assert.That(run.Error, Does.Contain($"REGRESSIONGUARD_ORGANISM={folder.Path}: no organism.json there"));
        }
        finally
        {
            Environment.SetEnvironmentVariable(OrganismLocator.EnvironmentVariable, null);
        }
    }
}
