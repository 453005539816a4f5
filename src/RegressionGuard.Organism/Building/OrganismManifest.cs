using System.Security.Cryptography;
using System.Text.Json;

namespace RegressionGuard.Organism.Building;

/// <summary>
/// <c>organism.json</c>: the recipe an organism was built from, its fingerprint, and the SHA-256 and size of every
/// file, so two builds can be compared file by file and a cached copy can be verified.
/// </summary>
public static class OrganismManifest
{
    static readonly string[] Skipped = { OrganismFiles.Manifest, ".sweep", "reports" };

    public static void Write(string folder, OrganismRecipe recipe, string fingerprint, TimeSpan buildTime)
    {
        var manifest = new
        {
            schema = 1,
            fingerprint,
            build_seconds = Math.Round(buildTime.TotalSeconds),
            recipe,
            files = Files(folder).ToDictionary(f => f.Path, f => new { sha256 = f.Sha256, bytes = f.Bytes }),
        };
        File.WriteAllText(Path.Combine(folder, OrganismFiles.Manifest), JsonSerializer.Serialize(manifest, new JsonSerializerOptions { WriteIndented = true }) + "\n");
    }

    /// <summary>The files the manifest in <paramref name="folder"/> lists, by relative path, with their SHA-256.</summary>
    public static IReadOnlyDictionary<string, string> Listed(string folder)
    {
        using var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, OrganismFiles.Manifest)));
        return manifest.RootElement.GetProperty("files").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetProperty("sha256").GetString()!, StringComparer.Ordinal);
    }

    /// <summary>Every file of the organism folder except the manifest, work and report folders, by '/'-separated relative path.</summary>
    public static IEnumerable<(string Path, string Sha256, long Bytes)> Files(string folder) =>
        Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(folder, f).Replace('\\', '/'))
            .Where(rel => !Skipped.Any(s => rel == s || rel.StartsWith(s + "/", StringComparison.Ordinal)))
            .OrderBy(rel => rel, StringComparer.Ordinal)
            .Select(rel =>
            {
                using var stream = File.OpenRead(Path.Combine(folder, rel));
                return (rel, Convert.ToHexStringLower(SHA256.HashData(stream)), new FileInfo(Path.Combine(folder, rel)).Length);
            });
}
