using System.Globalization;
using System.Text;
using NUnit.Framework;
using RegressionGuard.Comparison;
using RegressionGuard.Law;
using RegressionGuard.Reports;
using NAssert = NUnit.Framework.Assert;

namespace RegressionGuard.NUnit;

/// <summary>What a <see cref="GateCase"/> checks.</summary>
public enum GateCaseKind
{
    /// <summary>One suite metric with a threshold.</summary>
    Metric,

    /// <summary>L_f against the budget and the law.</summary>
    Forgetting,

    /// <summary>The config or an input could not be used (or the gate stopped with errors): always fails.</summary>
    Configuration,

    /// <summary>No config was found: the case is ignored with directions.</summary>
    NotConfigured,
}

/// <summary>
/// One test case of a gate: a metric verdict, the forgetting verdict, or a configuration problem, with the report files
/// of the run it came from. <see cref="Assert"/> passes, fails or ignores it with a message that carries every number.
/// </summary>
public sealed class GateCase
{
    /// <summary>The number of flipped items a failing metric lists.</summary>
    public const int ShownFlips = 5;

    /// <summary>Prompts longer than this are cut in messages.</summary>
    public const int PromptLength = 80;

    GateCase(string name, GateCaseKind kind, string configPath, IReadOnlyList<string> reportFiles)
    {
        Name = name;
        Kind = kind;
        ConfigPath = configPath;
        ReportFiles = reportFiles;
    }

    /// <summary>The test name: "suite/metric", "forgetting" or "configuration".</summary>
    public string Name { get; }

    public GateCaseKind Kind { get; }

    /// <summary>The gate config the case came from (full path).</summary>
    public string ConfigPath { get; }

    /// <summary>report.json, report.md, report.html and junit.xml of the run (empty when none was written).</summary>
    public IReadOnlyList<string> ReportFiles { get; }

    /// <summary>The suite of a metric case.</summary>
    public string? Suite { get; private init; }

    /// <summary>The verdict of a metric case.</summary>
    public MetricVerdict? Metric { get; private init; }

    /// <summary>The flipped items of a metric case's metric (possibly empty).</summary>
    public IReadOnlyList<FlippedItem> Flips { get; private init; } = Array.Empty<FlippedItem>();

    /// <summary>The forgetting part of the report, for the forgetting case.</summary>
    public ForgettingReport? Forgetting { get; private init; }

    /// <summary>The problem text of a configuration or not-configured case.</summary>
    public string? Problem { get; private init; }

    /// <summary>The verdict object the case carries: a <see cref="MetricVerdict"/>, a <see cref="ForgettingReport"/> or the problem text.</summary>
    public object? Verdict => (object?)Metric ?? (object?)Forgetting ?? Problem;

    /// <summary>Whether <see cref="Assert"/> fails.</summary>
    public bool Fails => Kind switch
    {
        GateCaseKind.Metric => Metric!.Outcome == "fail",
        GateCaseKind.Forgetting => Forgetting!.Verdict.Outcome == ForgettingOutcome.Fail,
        GateCaseKind.Configuration => true,
        _ => false,
    };

    internal static GateCase ForMetric(string configPath, IReadOnlyList<string> files, SuiteReport suite, MetricVerdict verdict) =>
        new($"{suite.Suite}/{verdict.Comparison.QualifiedName()}", GateCaseKind.Metric, configPath, files)
        {
            Suite = suite.Suite,
            Metric = verdict,
            // a group's case (group_by) lists only its own group's flips
            Flips = suite.Flips.Where(f => f.Metric == verdict.Comparison.Metric).SelectMany(f => f.Items)
                .Where(i => verdict.Comparison.Group is null || i.Group == verdict.Comparison.Group).ToList(),
        };

    internal static GateCase ForForgetting(string configPath, IReadOnlyList<string> files, ForgettingReport forgetting) =>
        new("forgetting", GateCaseKind.Forgetting, configPath, files) { Forgetting = forgetting };

    internal static GateCase ForConfiguration(string configPath, IReadOnlyList<string> files, string problem) =>
        new("configuration", GateCaseKind.Configuration, configPath, files) { Problem = problem };

    internal static GateCase ForNotConfigured(string configPath, string problem) =>
        new("configuration", GateCaseKind.NotConfigured, configPath, Array.Empty<string>()) { Problem = problem };

    /// <summary>The message <see cref="Assert"/> reports: every number behind the verdict.</summary>
    public string Message() => Kind switch
    {
        GateCaseKind.Metric => MetricMessage(),
        GateCaseKind.Forgetting => ForgettingMessage(),
        _ => $"{ConfigPath}: {Problem}",
    };

    /// <summary>
    /// Attaches the report files to the current test, then passes, fails (metric or forgetting beyond its threshold,
    /// configuration problems), warns (forgetting budget crossed soon) or ignores (metric not gated; no config).
    /// </summary>
    public void Assert()
    {
        foreach (var file in ReportFiles.Where(File.Exists))
        {
            TestContext.AddTestAttachment(file, $"RegressionGuard {Path.GetFileName(file)}");
        }

        var message = Message();
        switch (Kind)
        {
            case GateCaseKind.NotConfigured:
                NAssert.Ignore(message);
                break;
            case GateCaseKind.Configuration:
                NAssert.Fail(message);
                break;
            case GateCaseKind.Metric when Metric!.Outcome == "skip":
                NAssert.Ignore(message);
                break;
            case GateCaseKind.Forgetting when Forgetting!.Verdict.Outcome == ForgettingOutcome.Warn:
                NAssert.Warn(message);
                break;
            default:
                if (Fails)
                {
                    NAssert.Fail(message);
                }

                TestContext.Out.WriteLine(message); // a passing case: the numbers still go to the test output
                break;
        }
    }

    /// <inheritdoc />
    public override string ToString() => Name;

    string MetricMessage()
    {
        var v = Metric!;
        var c = v.Comparison;
        var inv = CultureInfo.InvariantCulture;
        var p = c.PHolm is double holm ? holm.ToString("G3", inv) : c.PValue is double raw ? $"{raw.ToString("G3", inv)} (unadjusted)" : "—";
        var threshold = v.Threshold is double t ? $"max_{(c.HigherIsBetter ? "drop" : "rise")} {t.ToString("F4", inv)}" : "none";
        var text = new StringBuilder();
        text.AppendLine(string.Create(inv, $"{Name}: {v.Outcome.ToUpperInvariant()} — {v.Reason}"));
        text.AppendLine(string.Create(inv, $"  metric:    {c.QualifiedName()} ({(c.HigherIsBetter ? "higher" : "lower")} is better, {c.Items} paired items)"));
        text.AppendLine(string.Create(inv, $"  base → tuned: {c.Base:F4} → {c.Tuned:F4}"));
        text.AppendLine(string.Create(inv, $"  Δ:         {c.Delta:+0.0000;-0.0000} [95% CI {c.CiLower:+0.0000;-0.0000}, {c.CiUpper:+0.0000;-0.0000}]"));
        text.AppendLine($"  p (Holm):  {p}{(v.RequireSignificance ? string.Create(inv, $" (significance required at α = {v.Alpha:G3})") : "")}");
        text.AppendLine($"  threshold: {threshold}");
        text.AppendLine(string.Create(inv, $"  flipped:   {c.Worsened} worse, {c.Improved} better"));
        foreach (var item in Flips.Take(ShownFlips))
        {
            text.AppendLine($"    - {item.Id}: \"{Cut(item.Prompt)}\": {Cut(item.BaseAnswer ?? "—")} → {Cut(item.TunedAnswer ?? "—")}");
        }

        if (Flips.Count > ShownFlips)
        {
            text.AppendLine($"    … and {Flips.Count - ShownFlips} more (see report.html)");
        }

        return text.ToString().TrimEnd();
    }

    string ForgettingMessage()
    {
        var f = Forgetting!;
        var v = f.Verdict;
        var inv = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        text.AppendLine($"{Name}: {v.Outcome.ToString().ToUpperInvariant()} — {v.Reason}");
        text.AppendLine(string.Create(inv, $"  observed L_f: {f.Lf:F4} nats/token (H {f.BaseEntropy:F4} + KL {f.Kl:F4}; {f.Positions} positions in {f.Documents} documents of {f.Corpus})"));
        text.AppendLine(v.Predicted is double predicted
            ? string.Create(inv, $"  law ({f.LawForm ?? "?"}): {predicted:F4} [{v.Lower:F4}, {v.Upper:F4}] at {(v.Level ?? 0) * 100:0.#}%; anomaly limit {v.AnomalyLimit:F4} (tolerance {v.Tolerance:G3})")
            : "  law: none configured (budget only)");
        text.AppendLine(string.Create(inv, $"  budget:    {v.Budget:F4} nats/token at P = {v.P:0}, N = {v.N:0}"));
        text.Append($"  rule:      {RuleName(v.Rule)}");
        return text.ToString();
    }

    static string RuleName(ForgettingRule rule) => rule switch
    {
        ForgettingRule.BeyondBudget => "beyond budget",
        ForgettingRule.AnomalousForgetting => "anomalous forgetting",
        ForgettingRule.BudgetCrossingSoon => "budget crossing soon",
        _ => "within budget",
    };

    static string Cut(string text)
    {
        var line = text.ReplaceLineEndings(" ").Trim();
        return line.Length <= PromptLength ? line : line[..(PromptLength - 1)] + "…";
    }
}
