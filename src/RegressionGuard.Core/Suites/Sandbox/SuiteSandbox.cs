using System.Globalization;
using System.Security.Cryptography;
using RegressionGuard.Suites.Data;

namespace RegressionGuard.Suites.Sandbox;

/// <summary>
/// The one way a suite reaches files: data files, few-shot files and refusal rule files are resolved and opened
/// here, and only here. Suites, rules and data come from other people, so:
/// <list type="bullet">
/// <item>Allowed roots are the suite's own folder plus the folder (or file) each <c>${variable}</c> names, when it
/// exists. A variable naming something missing allows nothing (its parent never becomes a root).</item>
/// <item>A path is resolved against the suite's folder; it must stay inside a root both as written (after <c>..</c>)
/// and after every link is followed. Anything else is refused without being opened, so its content can never reach
/// a message.</item>
/// <item>Only regular files are opened: FIFOs, devices, sockets and folders are refused before any read.</item>
/// <item>Size limits per kind of file; text must be UTF-8 (errors give the byte offset).</item>
/// </list>
/// </summary>
public sealed class SuiteSandbox
{
    /// <summary>A sandbox for the suite folder <paramref name="suiteFolder"/> and the extra roots that exist.</summary>
    public SuiteSandbox(string suiteFolder, IEnumerable<string>? extraRoots = null)
    {
        ArgumentNullException.ThrowIfNull(suiteFolder);
        Folder = Path.TrimEndingDirectorySeparator(Path.GetFullPath(suiteFolder));
        var roots = new List<string> { Folder };
        foreach (var root in extraRoots ?? [])
        {
            var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(root, Folder));
            if ((Directory.Exists(full) || File.Exists(full)) && !roots.Contains(full, StringComparer.Ordinal))
            {
                roots.Add(full);
            }
        }
        Roots = roots;
    }

    /// <summary>The sandbox of a loaded suite: its folder and the variable roots the loader found.</summary>
    public static SuiteSandbox Of(SuiteDefinition suite)
    {
        ArgumentNullException.ThrowIfNull(suite);
        return new SuiteSandbox(Path.GetDirectoryName(suite.File)!, suite.AllowedRoots);
    }

    /// <summary>The suite's folder (relative paths start here).</summary>
    public string Folder { get; }

    /// <summary>Full paths of the allowed roots, the suite's folder first.</summary>
    public IReadOnlyList<string> Roots { get; }

    /// <summary>The files a path or glob names, each inside the roots (links followed); <paramref name="what"/> names it in messages.</summary>
    /// <exception cref="SuiteDataException">Outside the roots, missing, or a folder.</exception>
    internal IReadOnlyList<DataFile> Resolve(string pathOrGlob, string what = "data path") => DataPaths.Resolve(pathOrGlob, Folder, Roots, what);

    /// <summary>Checks a resolved file before a reader opens it: a regular file of at most <paramref name="maxBytes"/>
    /// bytes whose text is UTF-8 (one streaming pass).</summary>
    /// <exception cref="SuiteDataException">Not a regular file, too large, or not UTF-8.</exception>
    internal void Verify(DataFile file, long maxBytes)
    {
        CheckRegular(file);
        using var stream = new FileStream(file.RealPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        CheckLength(file, stream.Length, maxBytes);
        try
        {
            StrictUtf8.Check(stream, file.Path);
        }
        catch (InvalidDataException e)
        {
            throw new SuiteDataException(e.Message);
        }
    }

    /// <summary>The bytes of a resolved file (regular, at most <paramref name="maxBytes"/>; the caller decodes them).</summary>
    internal byte[] ReadAllBytes(DataFile file, long maxBytes)
    {
        CheckRegular(file);
        using var stream = new FileStream(file.RealPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        CheckLength(file, stream.Length, maxBytes);
        var bytes = new byte[stream.Length];
        stream.ReadExactly(bytes);
        return bytes;
    }

    /// <summary>The UTF-8 text of one file (no glob), resolved and checked as above.</summary>
    /// <exception cref="SuiteDataException">Outside the roots, missing, not a regular file, too large or not UTF-8.</exception>
    public string ReadText(string path, string what, long maxBytes)
    {
        var file = Resolve(path, what) is [var one] ? one : throw new SuiteDataException($"{what} '{path}' names several files; name one");
        try
        {
            return StrictUtf8.Decode(ReadAllBytes(file, maxBytes), file.Path);
        }
        catch (InvalidDataException e)
        {
            throw new SuiteDataException(e.Message);
        }
    }

    /// <summary>SHA-256 (hex) of every file a path or glob names, in order, as <c>path sha256</c> lines.</summary>
    public string ContentHashes(string pathOrGlob, string what = "data path") =>
        string.Join('\n', Resolve(pathOrGlob, what).Select(file =>
        {
            CheckRegular(file);
            using var stream = File.OpenRead(file.RealPath);
            return $"{file.Path} {Convert.ToHexStringLower(SHA256.HashData(stream))}";
        }));

    /// <summary>Checks that a file given directly by the user (a suite, a gate config) is a regular file of at most
    /// <paramref name="maxBytes"/> bytes, and returns its UTF-8 text.</summary>
    /// <exception cref="SuiteDataException">Missing, not a regular file, too large or not UTF-8.</exception>
    public static string ReadInputText(string fullPath, long maxBytes)
    {
        var file = new DataFile(fullPath, fullPath);
        if (!File.Exists(fullPath))
        {
            throw new SuiteDataException($"{fullPath}: file not found");
        }

        var sandbox = new SuiteSandbox(Path.GetDirectoryName(fullPath)!);
        try
        {
            return StrictUtf8.Decode(sandbox.ReadAllBytes(file, maxBytes), fullPath);
        }
        catch (InvalidDataException e)
        {
            throw new SuiteDataException(e.Message);
        }
    }

    static void CheckRegular(DataFile file)
    {
        if (FileKinds.NotRegular(file.RealPath) is { } kind)
        {
            throw new SuiteDataException($"{file.Path} is {kind}; only regular files are read");
        }
    }

    static void CheckLength(DataFile file, long length, long maxBytes)
    {
        if (length > maxBytes)
        {
            throw new SuiteDataException(string.Create(CultureInfo.InvariantCulture,
                $"{file.Path}: the file has {length:N0} bytes; this kind of file may have at most {maxBytes:N0} bytes"));
        }
    }
}
