using System.CommandLine;
using System.Runtime;
using RegressionGuard.Caching;

namespace RegressionGuard.Cli;

/// <summary>
/// Multicore JIT for the CLI (<see cref="ProfileOptimization"/>, the runtime's own feature). Each command records which
/// methods it compiled in <c>&lt;cache folder&gt;/jit/&lt;command&gt;.jitprofile</c>; the next run of that command
/// compiles them on a background thread ahead of the main thread's need, while the main thread reads suites and runs
/// models. A command is seconds long and JIT was 0.7–0.8 s of a warm organism gate's 2.2 s (docs/benchmarks.md,
/// "Sixth session").
/// <para>
/// What can go wrong and why it is harmless: the runtime matches each module recorded in a profile by its version
/// (MVID; dotnet/runtime <c>src/coreclr/vm/multicorejitplayer.cpp</c>, <c>PlayerModuleInfo::MatchWith</c>), so a profile
/// written by another build skips that module; a file that is not a profile is ignored (test). The runtime writes
/// the file in place at exit, unlocked, and a torn one can crash the next run (dotnet/runtime#121977), so one process
/// at a time owns a command's profile (<see cref="LockPath"/>); the others run without it (test). What is left: a
/// process killed during the millisecond of that write. Only when a method is compiled changes, not the code
/// compiled for it, so no number can change. A cache folder that cannot be written means no profile, nothing else.
/// </para>
/// Set <c>REGRESSIONGUARD_JIT_PROFILE=off</c> to run without one.
/// </summary>
public static class JitProfile
{
    /// <summary>The environment variable that turns profiles off (<c>off</c>) or on (<c>on</c>, the default).</summary>
    public const string EnvironmentVariable = "REGRESSIONGUARD_JIT_PROFILE";

    /// <summary>The profiles' folder inside the cache folder (not an entry kind: the cache's listing skips it).</summary>
    public const string FolderName = "jit";

    /// <summary>A profile file's extension.</summary>
    public const string Extension = ".jitprofile";

    /// <summary>The lock this process holds on its command's profile until it exits (null when it holds none).</summary>
    static FileStream? owned;

    static readonly string[] OnValues = ["on", "1", "true"];
    static readonly string[] OffValues = ["off", "0", "false"];

    /// <summary>
    /// Where <paramref name="args"/>' profile lives: <paramref name="cacheFolder"/>'s <see cref="FolderName"/> and a file
    /// named after the command path (subcommand names only, joined by '-', e.g. <c>gate</c>, <c>suite-run</c>). Null
    /// with no command (<c>--help</c>, a typo): nothing a user typed becomes a file name; null for a help or version
    /// run of a command, which would replace the command's profile with the little it compiles.
    /// </summary>
    public static JitProfileLocation? Locate(RootCommand root, IReadOnlyList<string> args, Func<string> cacheFolder)
    {
        ArgumentNullException.ThrowIfNull(root);
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(cacheFolder);
        var names = new List<string>();
        Command current = root;
        foreach (var arg in args)
        {
            var next = current.Subcommands.FirstOrDefault(c => c.Name == arg);
            if (next is null)
            {
                break;
            }

            names.Add(next.Name);
            current = next;
        }

        // a help or version run compiles little; recorded, it would replace the command's profile with that little
        bool asksForHelp = args.Any(a => a is "--help" or "-h" or "-?" or "/?" or "/h" or "--version");
        return names.Count == 0 || asksForHelp ? null : new JitProfileLocation(Path.Combine(cacheFolder(), FolderName), string.Join('-', names) + Extension);
    }

    /// <summary>
    /// An on/off environment setting read (this one and <see cref="QuickExit"/>'s): true for on (or unset), false for
    /// off, null for anything else (<see cref="InvalidSetting"/> says what is valid).
    /// </summary>
    public static bool? IsOn(string? setting)
    {
        var value = setting?.Trim().ToLowerInvariant();
        if (string.IsNullOrEmpty(value) || OnValues.Contains(value))
        {
            return true;
        }

        return OffValues.Contains(value) ? false : null;
    }

    /// <summary>The warning for a setting that is neither on nor off.</summary>
    public static string InvalidSetting(string? setting) =>
        $"warning: {EnvironmentVariable} is '{setting}'; expected {string.Join(", ", OffValues)} (no JIT profile) or {string.Join(", ", OnValues)} (the default); running without a JIT profile";

    /// <summary>
    /// Starts recording (and playing back, if the file exists) <paramref name="args"/>' profile for this process. A
    /// setting that is neither on nor off is reported on <paramref name="stderr"/> and the command runs without one;
    /// a cache folder that cannot be found or made means no profile, silently.
    /// </summary>
    public static void Start(RootCommand root, IReadOnlyList<string> args, TextWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(stderr);
        var setting = Environment.GetEnvironmentVariable(EnvironmentVariable);
        switch (IsOn(setting))
        {
            case null:
                stderr.WriteLine(InvalidSetting(setting));
                return;
            case false:
                return;
        }

        try
        {
            if (Locate(root, args, () => ContentCache.DefaultFolder) is not { } location)
            {
                return;
            }

            Directory.CreateDirectory(location.Folder);
            if (!TryOwn(location))
            {
                return; // another run of this command owns the profile: this one runs without
            }

            ProfileOptimization.SetProfileRoot(location.Folder);
            ProfileOptimization.StartProfile(location.File);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or InvalidOperationException or NotSupportedException)
        {
            // no home or cache folder to write: the command runs without a profile
        }
    }

    /// <summary>
    /// Stops recording this process's profile, which writes it now instead of at the runtime's shutdown (for
    /// <see cref="QuickExit"/>, which skips that shutdown). Nothing happens when no profile was started.
    /// </summary>
    public static void Finish()
    {
        if (owned is not null)
        {
            ProfileOptimization.StartProfile(null);
        }
    }

    /// <summary>The lock file beside a profile: whoever holds it reads and writes that profile.</summary>
    public static string LockPath(JitProfileLocation location)
    {
        ArgumentNullException.ThrowIfNull(location);
        return Path.Combine(location.Folder, Path.ChangeExtension(location.File, ".lock"));
    }

    /// <summary>
    /// Takes <paramref name="location"/>'s lock for the rest of this process (an exclusive lock, <c>flock</c> on Linux,
    /// released by the operating system when the process exits, after the runtime has written the profile). False when
    /// another process holds it. Needed because the runtime writes a profile in place, unlocked, at exit: on Linux two
    /// runs of one command finishing together tear the file, and a run reading a torn profile can crash in the JIT
    /// (dotnet/runtime#121977). Sharded gates fanned out on one machine share a cache folder, so only one of them uses
    /// the profile.
    /// </summary>
    static bool TryOwn(JitProfileLocation location)
    {
        try
        {
            owned = new FileStream(LockPath(location), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            return true;
        }
        catch (IOException)
        {
            return false;
        }
    }
}

/// <summary>A command's JIT profile: the folder (made if missing) and the file name inside it.</summary>
public sealed record JitProfileLocation(string Folder, string File);
