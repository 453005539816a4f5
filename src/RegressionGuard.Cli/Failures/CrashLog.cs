using System.Globalization;
using System.Text;
using RegressionGuard.Caching;

namespace RegressionGuard.Cli.Failures;

/// <summary>
/// Writes the full details of a programming error (the stack trace, which never goes to the console) to
/// <c>&lt;cache folder&gt;/logs/crash-&lt;UTC time&gt;-&lt;pid&gt;.log</c>, or to the temp folder when the cache cannot be written.
/// </summary>
public static class CrashLog
{
    /// <summary>The environment variable that names the log folder instead (tests use it).</summary>
    public const string FolderVariable = "REGRESSIONGUARD_LOG_DIR";

    /// <summary>The folders tried, in order.</summary>
    public static IReadOnlyList<string> Folders()
    {
        var folders = new List<string>();
        if (Environment.GetEnvironmentVariable(FolderVariable) is { Length: > 0 } chosen)
        {
            folders.Add(chosen);
        }

        try
        {
            folders.Add(Path.Combine(ContentCache.DefaultFolder, "logs"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or InvalidOperationException)
        {
            // no home folder: the temp folder below
        }
        folders.Add(Path.Combine(Path.GetTempPath(), "regressionguard-logs"));
        return folders;
    }

    /// <summary>Writes the log (into <paramref name="folder"/> when given) and returns its path, or null when no folder could be written.</summary>
    public static string? Write(Exception exception, IReadOnlyList<string> args, string? folder = null)
    {
        var text = new StringBuilder()
            .AppendLine(CultureInfo.InvariantCulture, $"RegressionGuard {typeof(CrashLog).Assembly.GetName().Version} crash at {DateTimeOffset.UtcNow:O}")
            .AppendLine(CultureInfo.InvariantCulture, $"command line: regressionguard {string.Join(' ', args)}")
            .AppendLine(CultureInfo.InvariantCulture, $"working folder: {Environment.CurrentDirectory}")
            .AppendLine(CultureInfo.InvariantCulture, $"runtime: {System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription} on {System.Runtime.InteropServices.RuntimeInformation.OSDescription}")
            .AppendLine()
            .AppendLine(exception.ToString())
            .ToString();
        var name = $"crash-{DateTime.UtcNow:yyyyMMdd-HHmmss-fff}-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..8]}.log";
        foreach (var candidate in folder is null ? Folders() : [folder])
        {
            try
            {
                Directory.CreateDirectory(candidate);
                var path = Path.GetFullPath(Path.Combine(candidate, name));
                File.WriteAllText(path, text, new UTF8Encoding(false));
                return path;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
            {
                // the next folder
            }
        }
        return null;
    }
}
