using System.Runtime.InteropServices;

namespace RegressionGuard.Cli;

/// <summary>
/// Ends the process once a command has finished, without the runtime's and the native libraries' teardown. On exit
/// libtorch's static destructors deregister every operator it registered at load, ≈ 90 ms of pure CPU on every
/// command that touched a model (measured: 0.11 s from the last report written to the process gone; with this,
/// the warm organism gate is 0.11 s faster; docs/benchmarks.md, "Sixth session"). Nothing of ours waits for it: every
/// file is written and closed before a command returns (reports and cache entries by rename, the ledger's SQLite
/// connections unpooled and disposed), and no code here registers process-exit handlers. Before ending, it stops the
/// JIT profile (which writes it), flushes .NET's console writers and C's stdio. Linux only (elsewhere the process
/// ends normally); <c>REGRESSIONGUARD_QUICK_EXIT=off</c> turns it off (e.g. for a coverage tool that collects at
/// process exit).
/// </summary>
public static partial class QuickExit
{
    /// <summary>The environment variable that turns the quick exit off (<c>off</c>, <c>0</c>, <c>false</c>) or on (the default).</summary>
    public const string EnvironmentVariable = "REGRESSIONGUARD_QUICK_EXIT";

    /// <summary>
    /// Whether a process with <paramref name="setting"/> (the variable's value, read as <see cref="JitProfile.IsOn"/>
    /// reads its own) on this OS ends quickly: a value that is neither on nor off keeps the default.
    /// </summary>
    public static bool Applies(string? setting) => OperatingSystem.IsLinux() && JitProfile.IsOn(setting) != false;

    /// <summary>Ends the process with <paramref name="exitCode"/> now when <see cref="Applies"/>; otherwise returns it.</summary>
    public static int End(int exitCode)
    {
        if (!Applies(Environment.GetEnvironmentVariable(EnvironmentVariable)))
        {
            return exitCode;
        }

        JitProfile.Finish(); // written now: the runtime's shutdown, which would write it, is skipped
        System.Console.Out.Flush();
        System.Console.Error.Flush();
        if (FlushStdio(IntPtr.Zero) != 0)
        {
            return exitCode; // C's stdio could not be flushed: leave it to the normal exit
        }

        Exit(exitCode);
        return exitCode; // not reached
    }

    [LibraryImport("libc", EntryPoint = "fflush")]
    private static partial int FlushStdio(IntPtr stream);

    [LibraryImport("libc", EntryPoint = "_exit")]
    private static partial void Exit(int status);
}
