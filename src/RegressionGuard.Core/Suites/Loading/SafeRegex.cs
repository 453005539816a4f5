using System.Globalization;
using System.Text.RegularExpressions;

namespace RegressionGuard.Suites.Loading;

/// <summary>
/// Regular expressions written by other people (<c>extract.regex</c>, <c>data.file_pattern</c>): compiled at load with
/// a match timeout, and probed there with inputs that make catastrophic backtracking show (runs of one character with
/// a mismatch at the end, short ones for exponential patterns such as <c>(a+)+$</c>, long ones for polynomial ones
/// such as <c>.*.*.*x</c>). A pattern that times out on a probe is refused with a message naming the probe; a match
/// that still times out at run time becomes a per-item error (see <see cref="Evaluation.SuiteEvaluator"/>).
/// </summary>
public static class SafeRegex
{
    /// <summary>The longest a single match may run: 1 second.</summary>
    public static TimeSpan MatchTimeout { get; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest a probe at load may run: 250 ms (a linear pattern needs microseconds).</summary>
    public static TimeSpan ProbeTimeout { get; } = TimeSpan.FromMilliseconds(250);

    static readonly string[] ProbeRuns = ["a", "0", " ", "ab", "a ", "0.", "\n", "\"", "x,"];
    static readonly int[] ProbeLengths = [32, 4096];

    /// <summary>Compiles <paramref name="pattern"/> (timeout <see cref="MatchTimeout"/>) and probes it; null and an
    /// error message when it does not compile or backtracks catastrophically on a probe.</summary>
    public static Regex? Compile(string pattern, out string? error)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        Regex regex;
        try
        {
            regex = new Regex(pattern, RegexOptions.CultureInvariant, MatchTimeout);
        }
        catch (ArgumentException e)
        {
            error = $"does not compile: {e.Message}";
            return null;
        }

        var probe = new Regex(pattern, RegexOptions.CultureInvariant, ProbeTimeout);
        foreach (var length in ProbeLengths)
        {
            foreach (var run in ProbeRuns)
            {
                var text = string.Concat(Enumerable.Repeat(run, length / run.Length)) + "!";
                try
                {
                    probe.Match(text);
                }
                catch (RegexMatchTimeoutException)
                {
                    error = string.Create(CultureInfo.InvariantCulture,
                        $"backtracks catastrophically: matching {length:N0} characters of '{Visible(run)}' followed by '!' took over {ProbeTimeout.TotalMilliseconds} ms; avoid nested or adjacent quantifiers over the same characters, such as (a+)+ or .*.*");
                    return null;
                }
            }
        }

        error = null;
        return regex;
    }

    static string Visible(string run) => run.Replace("\n", "\\n", StringComparison.Ordinal);
}
