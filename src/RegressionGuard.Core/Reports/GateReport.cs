using RegressionGuard.Comparison;
using RegressionGuard.Law;

namespace RegressionGuard.Reports;

/// <summary>Overall outcome of a gate run.</summary>
public enum GateOutcome
{
    Pass,
    Fail,
    Error,
}

/// <summary>A model as the report names it.</summary>
public sealed record ModelReference(string Path, string ContentHash);

/// <summary>The gate's decision on one metric of one suite, with the comparison behind it.</summary>
/// <param name="Outcome">"pass", "fail", or "skip" (no threshold, or too few items).</param>
/// <param name="Threshold">max_drop (higher-is-better) or max_rise (lower-is-better) in the metric's units.</param>
/// <param name="RequireSignificance">whether a drop must also be significant (Holm-adjusted p &lt; Alpha) to fail.</param>
public sealed record MetricVerdict(
    MetricComparison Comparison,
    string Outcome,
    string Reason,
    double? Threshold,
    bool RequireSignificance,
    double Alpha);

/// <summary>One suite in the report: metric verdicts and the flipped items (with both models' answers).</summary>
public sealed record SuiteReport(
    string Suite,
    int Version,
    string Kind,
    string Task,
    int PairedItems,
    IReadOnlyList<MetricVerdict> Metrics,
    IReadOnlyList<FlipList> Flips)
{
    /// <summary>Items left out of both models as too long, and prompts cut to fit (the suite's <c>truncate</c>); null when none.</summary>
    public Suites.Lengths.PromptLengthReport? Lengths { get; init; }
}

/// <summary>A point of the law's predicted L_f against N for the tuned model's P (for the report's chart).</summary>
public sealed record LawCurvePoint(double N, double Predicted, double Lower, double Upper);

/// <summary>The forgetting part of the report: L_f on the corpus and the law-based verdict.</summary>
public sealed record ForgettingReport(
    string Corpus,
    double Lf,
    double BaseEntropy,
    double Kl,
    double TopOneAgreement,
    long Positions,
    int Documents,
    ForgettingVerdict Verdict,
    string? LawForm,
    IReadOnlyList<LawCurvePoint> Curve)
{
    /// <summary>Set only when the backend could bound L_f but not compute it (then <see cref="Lf"/> is NaN): the lower bound.</summary>
    public double? LfLower { get; init; }

    /// <summary>The upper bound of a bounded L_f (+∞ when the server gives none).</summary>
    public double? LfUpper { get; init; }

    /// <summary>Why L_f is only bounded: what the server could not return.</summary>
    public string? Bounds { get; init; }
}

/// <summary>One sweep checkpoint on the learning–forgetting plane.</summary>
/// <param name="OnFrontier">whether no other checkpoint of the same method beats it on both L_ft and L_f.</param>
public sealed record FrontierPoint(string Method, string Cell, double LFt, double Lf, bool OnFrontier);

/// <summary>
/// The learning–forgetting frontier of a sweep ledger (Biderman et al. 2024), shown beside this run's L_f so a reader
/// sees where the fine-tune sits among the methods' Pareto-optimal checkpoints.
/// </summary>
public sealed record FrontierReport(string Ledger, IReadOnlyList<FrontierPoint> Points)
{
    /// <summary>Every ledger row with finite L_ft and L_f, marked when it lies on its method's frontier.</summary>
    public static FrontierReport Of(string ledger, IReadOnlyList<RegressionGuard.Ledger.LedgerRow> rows)
    {
        var onFrontier = RegressionGuard.Ledger.LearningForgettingFrontier.ByMethod(rows).Values.SelectMany(f => f).Select(r => r.Cell).ToHashSet(StringComparer.Ordinal);
        return new FrontierReport(ledger, rows.Where(r => double.IsFinite(r.LFt) && double.IsFinite(r.Lf))
            .OrderBy(r => r.Method, StringComparer.Ordinal).ThenBy(r => r.LFt).ThenBy(r => r.Cell, StringComparer.Ordinal)
            .Select(r => new FrontierPoint(r.Method, r.Cell, r.LFt, r.Lf, onFrontier.Contains(r.Cell))).ToList());
    }
}

/// <summary>
/// The versioned results model of one gate run (<c>report.json</c>): the single source every rendering (Markdown,
/// HTML, JUnit) is made from. <see cref="SchemaVersion"/> changes when the shape changes.
/// </summary>
public sealed record GateReport
{
    public const int CurrentSchemaVersion = 1;

    public int SchemaVersion { get; init; } = CurrentSchemaVersion;
    public required string ToolVersion { get; init; }
    public required DateTimeOffset GeneratedUtc { get; init; }
    public required double DurationSeconds { get; init; }
    public required GateOutcome Outcome { get; init; }

    /// <summary>One line per failure or warning, most important first; empty when everything passed.</summary>
    public required IReadOnlyList<string> Reasons { get; init; }

    public required ModelReference Base { get; init; }
    public required ModelReference Tuned { get; init; }
    public required IReadOnlyList<SuiteReport> Suites { get; init; }
    public ForgettingReport? Forgetting { get; init; }

    /// <summary>Weight-space diagnostics of the tuned model (gate config <c>diagnostics:</c>); null when not asked for.</summary>
    public Diagnostics.WeightDiagnosticsReport? Diagnostics { get; init; }

    /// <summary>The sweep ledger's learning–forgetting frontier (gate config <c>forgetting.ledger</c>); null when none is given.</summary>
    public FrontierReport? Frontier { get; init; }

    /// <summary>Problems that stopped part of the gate (configuration or input errors); results before them are kept.</summary>
    public IReadOnlyList<string> Errors { get; init; } = Array.Empty<string>();
}
