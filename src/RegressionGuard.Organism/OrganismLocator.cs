using RegressionGuard.Caching;
using RegressionGuard.Organism.Building;

namespace RegressionGuard.Organism;

/// <summary>Where an organism is found: a repository checkout's suites/organism, or the user's cache.</summary>
public static class OrganismLocator
{
    /// <summary>Overrides the search with an organism folder.</summary>
    public const string EnvironmentVariable = "REGRESSIONGUARD_ORGANISM";

    public static string RepositoryPath => Path.Combine("suites", "organism");

    /// <summary>The cache folder the organism of <paramref name="recipe"/> is built into when no copy is found.</summary>
    public static string CacheFolder(OrganismRecipe recipe, string? cacheRoot = null) =>
        Path.Combine(cacheRoot ?? ContentCache.DefaultFolder, "organism", OrganismBuilder.Fingerprint(recipe));

    /// <summary>A complete organism folder (one with a manifest): $REGRESSIONGUARD_ORGANISM, then suites/organism in
    /// <paramref name="start"/> or any folder above it, then the cache. Null when there is none yet.</summary>
    public static string? Find(OrganismRecipe recipe, string start, string? cacheRoot = null)
    {
        if (Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } configured)
        {
            return IsComplete(configured) ? Path.GetFullPath(configured)
                : throw new DirectoryNotFoundException($"{EnvironmentVariable}={configured}: no {OrganismFiles.Manifest} there; build one with 'regressionguard organism build --out {configured}'");
        }

        for (var folder = new DirectoryInfo(Path.GetFullPath(start)); folder is not null; folder = folder.Parent)
        {
            var candidate = Path.Combine(folder.FullName, RepositoryPath);
            if (IsComplete(candidate))
            {
                return candidate;
            }
        }
        var cached = CacheFolder(recipe, cacheRoot);
        return IsComplete(cached) ? cached : null;
    }

    /// <summary>
    /// <see cref="Find"/>, else the organism embedded in <paramref name="carrier"/> (when it was built from
    /// <paramref name="recipe"/>) extracted into the cache. Null when neither exists: build one.
    /// </summary>
    public static string? FindOrExtract(OrganismRecipe recipe, string start, System.Reflection.Assembly carrier, string? cacheRoot = null)
    {
        if (Find(recipe, start, cacheRoot) is { } found)
        {
            return found;
        }

        if (EmbeddedOrganism.Fingerprint(carrier) != OrganismBuilder.Fingerprint(recipe))
        {
            return null;
        }

        var cached = CacheFolder(recipe, cacheRoot);
        return EmbeddedOrganism.TryExtract(carrier, cached) ? cached : null;
    }

    public static bool IsComplete(string folder) => File.Exists(Path.Combine(folder, OrganismFiles.Manifest));
}
