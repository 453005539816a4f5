using System.Reflection;
using System.Text.Json;

namespace RegressionGuard.Organism;

/// <summary>
/// The shipped organism carried inside an assembly as resources named <c>organism/&lt;relative path&gt;</c> (the CLI
/// embeds suites/organism), so `regressionguard demo` works outside a repository checkout without training anything.
/// </summary>
public static class EmbeddedOrganism
{
    public const string Prefix = "organism/";

    /// <summary>The fingerprint in the embedded manifest, or null when <paramref name="assembly"/> carries no organism.</summary>
    public static string? Fingerprint(Assembly assembly)
    {
        using var stream = assembly.GetManifestResourceStream(Prefix + OrganismFiles.Manifest);
        if (stream is null)
        {
            return null;
        }

        using var manifest = JsonDocument.Parse(stream);
        return manifest.RootElement.GetProperty("fingerprint").GetString();
    }

    /// <summary>
    /// Writes the embedded organism to <paramref name="folder"/> (through a temporary sibling folder renamed into
    /// place, so a half-written copy is never found). Returns false when the assembly carries none.
    /// </summary>
    public static bool TryExtract(Assembly assembly, string folder)
    {
        var names = assembly.GetManifestResourceNames().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal)).ToList();
        if (!names.Contains(Prefix + OrganismFiles.Manifest))
        {
            return false;
        }

        var full = Path.GetFullPath(folder);
        var temp = full + ".tmp-" + Guid.NewGuid().ToString("N")[..8];
        foreach (var name in names)
        {
            var relative = name[Prefix.Length..];
            var target = Path.GetFullPath(Path.Combine(temp, relative));
            if (!target.StartsWith(temp + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            {
                throw new InvalidDataException($"embedded organism resource '{name}' would be written outside {temp}");
            }

            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            using var source = assembly.GetManifestResourceStream(name)!;
            using var destination = File.Create(target);
            source.CopyTo(destination);
        }
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        try
        {
            Directory.Move(temp, full);
        }
        catch (IOException) when (OrganismLocator.IsComplete(full))
        {
            Directory.Delete(temp, recursive: true); // another process extracted it first
        }
        return true;
    }
}
