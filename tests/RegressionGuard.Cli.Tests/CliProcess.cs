using System.Diagnostics;

namespace RegressionGuard.Cli.Tests;

/// <summary>Runs the built CLI as its own process (<c>dotnet regressionguard.dll</c>), for what only a real process shows: its start and its end.</summary>
internal static class CliProcess
{
    public static (int Code, string Out, string Error) Run(string cache, IReadOnlyDictionary<string, string?> environment, params string[] args)
    {
        var cli = Path.Combine(AppContext.BaseDirectory, "regressionguard.dll");
        var start = new ProcessStartInfo("dotnet", [cli, .. args]) { RedirectStandardError = true, RedirectStandardOutput = true };
        start.Environment["REGRESSIONGUARD_CACHE"] = cache;
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        Assert.That(process.WaitForExit(TimeSpan.FromMinutes(2)), Is.True, "the CLI finished");
        return (process.ExitCode, stdout.Result, stderr.Result);
    }
}
