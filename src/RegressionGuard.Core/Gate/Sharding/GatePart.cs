using System.Text.Json;
using RegressionGuard.Comparison;
using RegressionGuard.Reports;
using RegressionGuard.Suites;
using RegressionGuard.Suites.Evaluation;
using RegressionGuard.Suites.Items;

namespace RegressionGuard.Gate.Sharding;

/// <summary>A suite as every shard must see it: its id, a hash of its definition and all its items, and how many items it has.</summary>
public sealed record SuiteIdentity(string Suite, string Sha256, int Items)
{
    /// <summary>Where the suite file lies is not part of what it computes (as in the cache key).</summary>
    static readonly string[] LocationProperties = [nameof(SuiteDefinition.File), nameof(SuiteDefinition.AllowedRoots)];

    public static SuiteIdentity Of(SuiteDefinition suite, IReadOnlyList<SuiteItem> items)
    {
        ArgumentNullException.ThrowIfNull(suite);
        ArgumentNullException.ThrowIfNull(items);
        var definition = JsonSerializer.SerializeToNode(suite)!.AsObject();
        foreach (var name in LocationProperties)
        {
            definition.Remove(name);
        }

        return new SuiteIdentity(suite.Id, CachedEvaluation.Sha256(definition.ToJsonString() + "\n" + JsonSerializer.Serialize(items)), items.Count);
    }
}

/// <summary>
/// What makes parts mergeable: the same tool version, decision rules (thresholds, correction, seed, forgetting block,
/// law, dtype, batch size), models, suites and corpus. Parts that differ in any of these come from different gates.
/// </summary>
/// <param name="Config">SHA-256 of the decision rules, the law's text, the compute dtype and the batch size (which cuts the L_f corpus into scoring groups).</param>
/// <param name="Corpus">SHA-256 of the L_f corpus's documents, or null without a forgetting block.</param>
public sealed record GatePartIdentity(
    string ToolVersion,
    string Config,
    string BaseModel,
    string TunedModel,
    IReadOnlyList<SuiteIdentity> Suites,
    string? Corpus);

/// <summary>One suite's share in a part: the positions (in the whole suite) of this shard's items and both models' results on them.</summary>
/// <param name="Tuned">null when the tuned model did not get to this suite (an error stopped the shard).</param>
public sealed record SuitePart(string Suite, int TotalItems, IReadOnlyList<int> Positions, SuiteResult Base, SuiteResult? Tuned);

/// <summary>
/// The partial result of <c>regressionguard gate --shard i/N</c> (<c>gate-part.json</c>): this shard's items of every
/// suite with both models' per-item results, its corpus documents' L_f sums, the rules to decide with and the identity
/// that <see cref="GatePartMerger"/> checks across parts. <see cref="Version"/> changes when the shape changes.
/// </summary>
public sealed record GatePart
{
    public const string CurrentFormat = "regressionguard-gate-part";
    public const int CurrentVersion = 1;
    public const string FileName = "gate-part.json";

    public string Format { get; init; } = CurrentFormat;
    public int Version { get; init; } = CurrentVersion;
    public required DateTimeOffset GeneratedUtc { get; init; }
    public required double DurationSeconds { get; init; }
    public required int Shard { get; init; }
    public required int Shards { get; init; }
    public required GatePartIdentity Identity { get; init; }
    public required GateRules Rules { get; init; }

    /// <summary>The law file's text (the merge decides with it wherever it runs), or null without a law.</summary>
    public string? Law { get; init; }

    public required ModelReference Base { get; init; }
    public required ModelReference Tuned { get; init; }
    public required IReadOnlyList<SuitePart> Suites { get; init; }

    /// <summary>This shard's documents' sums; <see cref="ForgettingSums.Documents"/> counts the whole corpus.</summary>
    public ForgettingSums? Forgetting { get; init; }

    /// <summary>Problems that stopped part of this shard; the merged report carries them (outcome error).</summary>
    public IReadOnlyList<string> Errors { get; init; } = Array.Empty<string>();

    /// <summary>Weight diagnostics (gate config <c>diagnostics:</c>), measured by shard 1 only; null on the others.</summary>
    public Diagnostics.WeightDiagnosticsReport? Diagnostics { get; init; }

    /// <summary>The sweep ledger's learning–forgetting frontier (<c>forgetting.ledger</c>), carried by shard 1.</summary>
    public FrontierReport? Frontier { get; init; }

    public string Label => $"{Shard}/{Shards}";
}
