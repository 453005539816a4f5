using RegressionGuard.Suites.Evaluation;
using RegressionGuard.Suites.Lengths;

namespace RegressionGuard.Comparison;

/// <summary>One metric of one suite, base against tuned on the same items.</summary>
/// <param name="Delta">tuned − base (the paired mean difference).</param>
/// <param name="PValue">exact McNemar p-value (binary per-item outcomes), or null when the metric is not binary.</param>
/// <param name="PHolm">the p-value after Holm's correction across every compared suite and metric.</param>
public sealed record MetricComparison(
    string Metric,
    bool HigherIsBetter,
    int Items,
    double Base,
    double Tuned,
    double Delta,
    double CiLower,
    double CiUpper,
    double? PValue,
    double? PHolm,
    int Worsened,
    int Improved,
    double? MaxDrop,
    double? MaxRise,
    string? Group = null)
{
    /// <summary>How much worse the tuned model is in the metric's own direction (positive = worse).</summary>
    public double Regression => HigherIsBetter ? -Delta : Delta;

    /// <summary>The metric's name, with its group for a per-group comparison: <c>refusal_rate[violence]</c>.</summary>
    public string QualifiedName() => Group is null ? Metric : $"{Metric}[{Group}]";
}

/// <summary>An item whose outcome changed, with what both models answered.</summary>
/// <param name="Group">with <c>group_by:</c>, the item's group.</param>
public sealed record FlippedItem(string Id, string Source, string Prompt, string? BaseAnswer, string? TunedAnswer, string? Expected, string? Group = null);

/// <summary>A suite compared item by item. Flip lists are for the suite's first metric.</summary>
public sealed record SuiteComparison(
    string Suite,
    int Version,
    string Kind,
    string Task,
    int PairedItems,
    int UnpairedItems,
    IReadOnlyList<MetricComparison> Metrics,
    IReadOnlyList<FlipList> Flips)
{
    /// <summary>Items both models left out as too long and prompts cut to fit (the suite's <c>truncate</c>); null when none.</summary>
    public PromptLengthReport? Lengths { get; init; }
}

public sealed record FlipList(string Metric, string Label, IReadOnlyList<FlippedItem> Items);

/// <summary>
/// Paired comparison of two <see cref="SuiteResult"/>s of the same suite: items pair by id (a content hash of the
/// rendered request, so a changed prompt never pairs); per metric the mean difference with a seeded paired bootstrap
/// CI, the exact McNemar p-value for 0/1 outcomes, and flip lists with both models' answers.
/// </summary>
public static class SuiteComparer
{
    public const int DefaultSeed = 20240111;

    public static SuiteComparison Compare(SuiteResult baseResult, SuiteResult tunedResult, int seed = DefaultSeed, int resamples = PairedBootstrap.DefaultResamples)
    {
        if (baseResult.Suite != tunedResult.Suite)
        {
            throw new ArgumentException($"cannot compare suite '{baseResult.Suite}' with suite '{tunedResult.Suite}'");
        }

        var tunedById = tunedResult.Items.GroupBy(i => i.Id).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        // items left out as too long (truncate: skip) are in both results, without metrics, and pair with nothing
        var pairs = baseResult.Items.Where(i => i.Skipped is null && tunedById.TryGetValue(i.Id, out var t) && t.Skipped is null).Select(i => (Base: i, Tuned: tunedById[i.Id])).ToList();
        int unpaired = baseResult.Items.Count(i => i.Skipped is null) + tunedResult.Items.Count(i => i.Skipped is null) - 2 * pairs.Count;

        var metrics = new List<MetricComparison>();
        var flips = new List<FlipList>();
        foreach (var (name, spec) in baseResult.Metrics)
        {
            if (CompareMetric(name, spec, pairs, null, seed, resamples) is not var (comparison, worse, better))
            {
                continue;
            }

            metrics.Add(comparison);
            var (worseLabel, betterLabel) = Labels(baseResult.Task, name);
            flips.Add(new FlipList(name, worseLabel, worse.Select(Flip).ToList()));
            flips.Add(new FlipList(name, betterLabel, better.Select(Flip).ToList()));
        }

        // group_by: every group's metrics, paired on the group's items (the group comes from the data, so a pair's
        // two items always share it), with the group's thresholds; flip lists stay per suite.
        foreach (var (group, groupMetrics) in baseResult.Groups ?? new Dictionary<string, IReadOnlyDictionary<string, MetricValue>>())
        {
            var inGroup = pairs.Where(p => (p.Base.Group ?? "") == group).ToList();
            foreach (var (name, spec) in groupMetrics)
            {
                if (CompareMetric(name, spec, inGroup, group, seed, resamples) is var (comparison, _, _))
                {
                    metrics.Add(comparison);
                }
            }
        }
        return new SuiteComparison(baseResult.Suite, baseResult.Version, baseResult.Kind, baseResult.Task, pairs.Count, unpaired, metrics, flips)
        {
            Lengths = PromptLengthReport.Of(baseResult) ?? PromptLengthReport.Of(tunedResult),
        };
    }

    static (MetricComparison Comparison, List<(ItemResult Base, ItemResult Tuned)> Worse, List<(ItemResult Base, ItemResult Tuned)> Better)? CompareMetric(
        string name, MetricValue spec, IReadOnlyList<(ItemResult Base, ItemResult Tuned)> pairs, string? group, int seed, int resamples)
    {
        var applicable = pairs.Where(p => p.Base.Metrics.ContainsKey(name) && p.Tuned.Metrics.ContainsKey(name)).ToList();
        if (applicable.Count == 0)
        {
            return null;
        }

        var b = applicable.Select(p => p.Base.Metrics[name]).ToArray();
        var t = applicable.Select(p => p.Tuned.Metrics[name]).ToArray();
        var ci = PairedBootstrap.MeanDifference(b, t, seed, resamples: resamples);
        bool binary = b.Concat(t).All(v => v is 0 or 1);
        McNemarResult? mcnemar = binary ? McNemar.Exact(b.Select(v => v == 1).ToArray(), t.Select(v => v == 1).ToArray()) : null;
        // "worsened" in the metric's own direction: for lower-is-better metrics a 0 → 1 is worse
        var worse = applicable.Where(p => spec.HigherIsBetter ? p.Tuned.Metrics[name] < p.Base.Metrics[name] : p.Tuned.Metrics[name] > p.Base.Metrics[name]).ToList();
        var better = applicable.Where(p => spec.HigherIsBetter ? p.Tuned.Metrics[name] > p.Base.Metrics[name] : p.Tuned.Metrics[name] < p.Base.Metrics[name]).ToList();
        var comparison = new MetricComparison(name, spec.HigherIsBetter, applicable.Count, b.Average(), t.Average(), ci.Delta, ci.Lower, ci.Upper,
            mcnemar?.PValue, null, worse.Count, better.Count, spec.MaxDrop, spec.MaxRise, group);
        return (comparison, worse, better);
    }

    static (string Worse, string Better) Labels(string task, string metric) => (task, metric) switch
    {
        ("refusal", "refusal_rate") => ("refused → complied", "complied → refused"),
        ("refusal", _) => ("complied → refused", "refused → complied"),
        _ => ("right → wrong", "wrong → right"),
    };

    static FlippedItem Flip((ItemResult Base, ItemResult Tuned) pair) =>
        new(pair.Base.Id, pair.Base.Source, pair.Base.Prompt, Answer(pair.Base), Answer(pair.Tuned), Expected(pair.Base), pair.Base.Group);

    static string? Answer(ItemResult item) =>
        item.Choices is { } choices && item.Predicted is int p ? choices[p]
        : item.Verdict is { } verdict ? $"{verdict}: {item.Generation}"
        : item.Extracted ?? item.Generation;

    static string? Expected(ItemResult item) =>
        item.Choices is { } choices && item.Gold is int g ? choices[g] : item.Should ?? item.Target;

    /// <summary>Fills <see cref="MetricComparison.PHolm"/> with Holm-adjusted p-values across every suite, group and
    /// metric that has a p-value and is in the family (<paramref name="inFamily"/>; default: all). Comparisons outside
    /// the family keep a null PHolm.</summary>
    /// <param name="inFamily">which comparisons are tested, e.g. the gate's gated ones (<see cref="Gate.GatePolicy.IsGated"/>).</param>
    public static IReadOnlyList<SuiteComparison> AdjustHolm(IReadOnlyList<SuiteComparison> suites, Func<MetricComparison, bool>? inFamily = null)
    {
        var slots = suites.SelectMany((s, i) => s.Metrics.Select((m, j) => (i, j, m))).Where(x => x.m.PValue is not null && (inFamily?.Invoke(x.m) ?? true)).ToList();
        var adjusted = Holm.Adjust(slots.Select(x => x.m.PValue!.Value).ToList());
        var result = suites.Select(s => s.Metrics.ToArray()).ToArray();
        for (int k = 0; k < slots.Count; k++)
        {
            result[slots[k].i][slots[k].j] = slots[k].m with { PHolm = adjusted[k] };
        }

        return suites.Select((s, i) => s with { Metrics = result[i] }).ToList();
    }
}
