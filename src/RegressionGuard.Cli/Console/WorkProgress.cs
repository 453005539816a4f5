using System.Diagnostics;
using Spectre.Console;

namespace RegressionGuard.Cli.Console;

/// <summary>
/// Progress for long work: a live bar on an interactive terminal (stderr), and on CI or redirected output a plain
/// line every 10 seconds and at the end, so logs stay short and readable. Standard output is left to results.
/// </summary>
public static class WorkProgress
{
    /// <summary>True when stderr is an interactive terminal and no CI variable is set.</summary>
    public static bool Interactive =>
        !System.Console.IsErrorRedirected && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI"))
        && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("TF_BUILD"));

    public static T Run<T>(string label, int total, TextWriter log, Func<IProgress<int>, T> work)
    {
        if (total <= 0)
        {
            return work(new Progress<int>());
        }

        if (!Interactive || !ReferenceEquals(log, System.Console.Error))
        {
            return RunPlain(label, total, log, work);
        }

        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(System.Console.Error) });
        T result = default!;
        console.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask(label, maxValue: total);
                result = work(new SyncProgress(n => task.Increment(n)));
            });
        return result;
    }

    static T RunPlain<T>(string label, int total, TextWriter log, Func<IProgress<int>, T> work)
    {
        var clock = Stopwatch.StartNew();
        var last = TimeSpan.Zero;
        int done = 0;
        var result = work(new SyncProgress(n =>
        {
            done += n;
            if (clock.Elapsed - last >= TimeSpan.FromSeconds(10))
            {
                last = clock.Elapsed;
                log.WriteLine($"{label}: {done}/{total} ({100.0 * done / total:F0}%), {clock.Elapsed.TotalSeconds:F0} s");
            }
        }));
        if (clock.Elapsed >= TimeSpan.FromSeconds(10))
        {
            log.WriteLine($"{label}: {total}/{total} done in {clock.Elapsed.TotalSeconds:F0} s");
        }

        return result;
    }

    /// <summary>Reports on the calling thread (System.Progress would post to the thread pool).</summary>
    sealed class SyncProgress(Action<int> report) : IProgress<int>
    {
        public void Report(int value) => report(value);
    }
}
