using System.Diagnostics;
using System.Globalization;

namespace RegressionGuard.Gate;

/// <summary>
/// Where a gate's time goes (<c>gate --timings</c>): per stage, the wall seconds, the process's CPU seconds (every
/// thread: libtorch's, the garbage collector's and the JIT's) and the seconds the JIT spent compiling, each counted
/// since the stage before. The first stage starts when the process started, so it holds the runtime's start-up.
/// </summary>
public sealed class GateTimings
{
    readonly List<StageTiming> _stages = [];
    Point _last;

    public GateTimings()
    {
        using var process = Process.GetCurrentProcess();
        _last = new Point(process.StartTime.ToUniversalTime(), TimeSpan.Zero, TimeSpan.Zero);
    }

    public IReadOnlyList<StageTiming> Stages => _stages;

    /// <summary>Ends the stage named <paramref name="stage"/> now (it began where the one before ended).</summary>
    public void Mark(string stage)
    {
        var now = Point.Now();
        _stages.Add(new StageTiming(stage, (now.Wall - _last.Wall).TotalSeconds, (now.Cpu - _last.Cpu).TotalSeconds, (now.Jit - _last.Jit).TotalSeconds));
        _last = now;
    }

    /// <summary>A table: one line per stage, then the total.</summary>
    public IEnumerable<string> Lines()
    {
        var inv = CultureInfo.InvariantCulture;
        yield return string.Create(inv, $"{"timings: stage",-52} {"wall s",7} {"CPU s",7} {"JIT s",7}");
        foreach (var s in _stages)
        {
            yield return string.Create(inv, $"  {s.Stage,-50} {s.WallSeconds,7:F3} {s.CpuSeconds,7:F3} {s.JitSeconds,7:F3}");
        }

        yield return string.Create(inv, $"  {"total (process start → reports written)",-50} {_stages.Sum(s => s.WallSeconds),7:F3} {_stages.Sum(s => s.CpuSeconds),7:F3} {_stages.Sum(s => s.JitSeconds),7:F3}");
    }

    readonly record struct Point(DateTime Wall, TimeSpan Cpu, TimeSpan Jit)
    {
        public static Point Now()
        {
            using var process = Process.GetCurrentProcess();
            return new Point(DateTime.UtcNow, process.TotalProcessorTime, System.Runtime.JitInfo.GetCompilationTime());
        }
    }
}

/// <summary>One stage of <see cref="GateTimings"/>: seconds of wall time, of process CPU time, and of JIT compilation.</summary>
public readonly record struct StageTiming(string Stage, double WallSeconds, double CpuSeconds, double JitSeconds);
