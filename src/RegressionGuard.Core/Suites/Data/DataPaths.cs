using System.Globalization;
using Microsoft.Extensions.FileSystemGlobbing;
using Microsoft.Extensions.FileSystemGlobbing.Abstractions;

namespace RegressionGuard.Suites.Data;

/// <summary>A data file to read: <see cref="Path"/> as reached from the suite's folder (what messages and rows show)
/// and <see cref="RealPath"/> with every link resolved (what is checked and opened).</summary>
internal sealed record DataFile(string Path, string RealPath);

/// <summary>
/// Resolves a data path or glob against the suite's folder and keeps reading inside the allowed folders: a path that
/// leaves them (<c>..</c>, an absolute path, or a link in any part of the path) is an error.
/// </summary>
internal static class DataPaths
{
    /// <summary>Files larger than this are refused: 2 GiB.</summary>
    public const long MaxFileBytes = 2L * 1024 * 1024 * 1024;

    const int MaxLinks = 40;

    static readonly bool IgnoreCase = OperatingSystem.IsWindows() || OperatingSystem.IsMacOS();
    static readonly StringComparison PathComparison = IgnoreCase ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
    static readonly StringComparer PathComparer = IgnoreCase ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal;

    static readonly char[] Separators = OperatingSystem.IsWindows() ? ['/', '\\'] : ['/'];

    public static IReadOnlyList<DataFile> Resolve(string path, string baseDirectory, IReadOnlyList<string> allowedRoots, string what = "data path")
    {
        var roots = allowedRoots.Select(r =>
        {
            if (!System.IO.Path.IsPathFullyQualified(r))
            {
                throw new ArgumentException($"allowed folder '{r}' must be a full path", nameof(allowedRoots));
            }

            var full = System.IO.Path.TrimEndingDirectorySeparator(System.IO.Path.GetFullPath(r));
            return (Full: full, Real: RealPath(full));
        }).ToList();
        if (roots.Count == 0)
        {
            throw new ArgumentException("at least one allowed folder is needed", nameof(allowedRoots));
        }

        var rootList = string.Join(", ", roots.Select(r => r.Full));
        var folder = System.IO.Path.GetFullPath(baseDirectory);

        bool LexicallyInside(string full) => roots.Any(r => IsInside(full, r.Full) || IsInside(full, r.Real));
        string Outside(string full) => $"{what} '{path}' resolves to {full}, outside the allowed folders: {rootList}";

        DataFile Checked(string full)
        {
            if (!LexicallyInside(full))
            {
                throw new SuiteDataException(Outside(full));
            }

            var real = RealPath(full);
            if (!roots.Any(r => IsInside(real, r.Real)))
            {
                throw new SuiteDataException($"{what} '{path}' resolves to {full}, a link to {real}, outside the allowed folders: {rootList}");
            }

            return new DataFile(full, real);
        }

        int star = path.IndexOf('*', StringComparison.Ordinal);
        if (star < 0)
        {
            var full = System.IO.Path.GetFullPath(System.IO.Path.Combine(folder, path));
            var file = Checked(full);
            if (Directory.Exists(file.RealPath))
            {
                throw new SuiteDataException($"{what} '{path}' is a folder ({full}); name a file, or a glob such as '{path.TrimEnd(Separators)}/*.jsonl'");
            }

            if (!File.Exists(file.RealPath))
            {
                throw new SuiteDataException(NotFound(full, what));
            }

            return [file];
        }

        int cut = path.LastIndexOfAny(Separators, star);
        var prefix = cut < 0 ? "" : path[..(cut + 1)];
        var pattern = path[(cut + 1)..];
        if (pattern.Split(Separators).Contains(".."))
        {
            throw new SuiteDataException($"{what} '{path}': '..' may not follow a wildcard; move it before the first '*'");
        }

        var searched = System.IO.Path.TrimEndingDirectorySeparator(System.IO.Path.GetFullPath(System.IO.Path.Combine(folder, prefix)));
        if (!LexicallyInside(searched))
        {
            throw new SuiteDataException(Outside(searched));
        }

        if (!Directory.Exists(searched))
        {
            throw new SuiteDataException($"{what} '{path}' matched no files: the folder {searched} does not exist");
        }

        var matcher = new Matcher(PathComparison);
        matcher.AddInclude(pattern);
        var matches = matcher.Execute(new DirectoryInfoWrapper(new DirectoryInfo(searched))).Files
            .Select(m => System.IO.Path.GetFullPath(System.IO.Path.Combine(searched, m.Path)))
            .Order(StringComparer.Ordinal)
            .ToList();
        if (matches.Count == 0)
        {
            throw new SuiteDataException($"{what} '{path}' matched no files in {searched}");
        }
        // A file reached twice (through a link to a folder, or a loop of links under '**') is read once.
        return matches.Select(Checked).DistinctBy(f => f.RealPath, PathComparer).ToList();
    }

    /// <summary>Refuses files over <see cref="MaxFileBytes"/>.</summary>
    public static void CheckSize(DataFile file, long maxBytes = MaxFileBytes)
    {
        long length = new FileInfo(file.RealPath).Length;
        if (length > maxBytes)
        {
            throw new SuiteDataException(string.Create(CultureInfo.InvariantCulture,
                $"{file.Path}: the file has {length:N0} bytes; data files may have at most {maxBytes:N0} bytes (2 GiB): split it into several files and read them with a glob"));
        }
    }

    static string NotFound(string full, string what)
    {
        var directory = System.IO.Path.GetDirectoryName(full);
        if (directory is null || !Directory.Exists(directory))
        {
            return $"{What(what)} not found: {full} (the folder {directory} does not exist)";
        }

        var names = Directory.EnumerateFiles(directory).Select(System.IO.Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal).ToList();
        var suggestion = DidYouMean.Suggest(System.IO.Path.GetFileName(full), names);
        return suggestion is null ? $"{What(what)} not found: {full}" : $"{What(what)} not found: {full} — did you mean '{suggestion}'?";
    }

    static string What(string what) => what == "data path" ? "data file" : what;

    static bool IsInside(string path, string root)
    {
        if (string.Equals(path, root, PathComparison))
        {
            return true;
        }

        var prefix = System.IO.Path.EndsInDirectorySeparator(root) ? root : root + System.IO.Path.DirectorySeparatorChar;
        return path.StartsWith(prefix, PathComparison);
    }

    /// <summary>
    /// The path with every link resolved, component by component as the operating system follows them (a <c>..</c>
    /// after a link goes up from the link's target). Parts that do not exist are kept as they are.
    /// </summary>
    internal static string RealPath(string fullPath)
    {
        var root = System.IO.Path.GetPathRoot(fullPath)!;
        var pending = new Stack<string>(fullPath[root.Length..].Split(Separators, StringSplitOptions.RemoveEmptyEntries).Reverse());
        var current = root;
        int links = 0;
        while (pending.Count > 0)
        {
            var part = pending.Pop();
            if (part == ".")
            {
                continue;
            }

            if (part == "..")
            {
                current = System.IO.Path.GetDirectoryName(current) ?? current;
                continue;
            }
            var next = System.IO.Path.Join(current, part);
            var target = new FileInfo(next).LinkTarget;
            if (target is null)
            {
                current = next;
                continue;
            }
            if (++links > MaxLinks)
            {
                throw new SuiteDataException($"{fullPath}: more than {MaxLinks} links to follow (a loop of links?)");
            }

            if (System.IO.Path.IsPathRooted(target))
            {
                current = System.IO.Path.GetPathRoot(System.IO.Path.GetFullPath(target))!;
            }

            var targetRoot = System.IO.Path.GetPathRoot(target) ?? "";
            foreach (var targetPart in target[targetRoot.Length..].Split(Separators, StringSplitOptions.RemoveEmptyEntries).Reverse())
            {
                pending.Push(targetPart);
            }
        }
        return current;
    }
}
