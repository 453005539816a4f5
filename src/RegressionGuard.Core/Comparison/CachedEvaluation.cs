using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using RegressionGuard.Caching;
using RegressionGuard.Modeling;
using RegressionGuard.Suites;
using RegressionGuard.Suites.Data;
using RegressionGuard.Suites.Evaluation;
using RegressionGuard.Suites.Items;
using RegressionGuard.Suites.Refusal;
using RegressionGuard.Suites.Sandbox;

namespace RegressionGuard.Comparison;

/// <summary>
/// Suite evaluation through the content cache. The key is derived, by construction, from everything that can change a
/// cached number: the model's content hash and dtype, the scoring code version, the whole suite definition as loaded
/// (every setting: templates, extract regex, normalisation, metrics and thresholds, generation, data selection — all
/// properties, serialised, except where the suite file lies), every field of every built item (prompt, choices, gold
/// index, target, expected behaviour, source), the content of the refusal rule set, and the SHA-256 of every data file.
/// A new property of <see cref="SuiteDefinition"/> or <see cref="SuiteItem"/> is in the key without any change here.
/// </summary>
public static class CachedEvaluation
{
    /// <summary>Bump when scoring changes in a way that changes cached numbers.</summary>
    public const string ScoringVersion = "suite-scoring/3";

    /// <summary>Properties of a suite definition that say where it is, not what it computes.</summary>
    static readonly string[] LocationProperties = [nameof(SuiteDefinition.File), nameof(SuiteDefinition.AllowedRoots)];

    static readonly JsonSerializerOptions KeyJson = new() { WriteIndented = false };

    /// <param name="judge">the judge model of a judged refusal suite: its content hash and dtype join the key (the
    /// judge prompt is part of the suite definition).</param>
    public static CacheKey KeyFor(SuiteDefinition suite, IReadOnlyList<SuiteItem> items, ModelDescription model, ModelDescription? judge = null)
    {
        ArgumentNullException.ThrowIfNull(suite);
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(model);
        var definition = JsonSerializer.SerializeToNode(suite, KeyJson)!.AsObject();
        foreach (var name in LocationProperties)
        {
            definition.Remove(name);
        }

        var sandbox = SuiteSandbox.Of(suite);
        var dataFiles = string.Join('\n', new[] { suite.Data, suite.FewShot?.Data }.OfType<DataSourceSpec>().Select(d => sandbox.ContentHashes(d.Path)));
        return CacheKey.Create("suite-result",
            ("scoring", ScoringVersion),
            ("model", model.ContentHash()),
            ("dtype", model.DType),
            ("suite", suite.Id),
            ("suite-definition-sha256", Sha256(definition.ToJsonString(KeyJson))),
            ("items-sha256", Sha256(JsonSerializer.Serialize(items, KeyJson))),
            ("rules-sha256", suite.Task == TaskType.Refusal ? Sha256(SuiteEvaluator.RuleSetSource(suite)) : ""),
            ("data-files", dataFiles),
            ("judge", suite.Judge is not null && judge is not null ? $"{judge.ContentHash()}\u0000{judge.DType}" : ""));
    }

    /// <summary>Evaluates, or returns the cached result of, <paramref name="suite"/> on <paramref name="model"/>.</summary>
    /// <param name="generations">a generate or refusal suite's answers when made already (see <see cref="SuiteEvaluator.Evaluate"/>).</param>
    public static SuiteResult Evaluate(SuiteDefinition suite, IReadOnlyList<SuiteItem> items, ILanguageModel model, ContentCache? cache, out bool fromCache, IProgress<int>? progress = null, RefusalJudge? judge = null,
        IReadOnlyList<GenerationResult>? generations = null)
    {
        fromCache = false;
        var key = cache is null ? null : KeyFor(suite, items, model.Description, judge?.Model.Description);
        if (cache is not null && cache.TryGet(key!, out var payload))
        {
            try
            {
                var cached = JsonSerializer.Deserialize<SuiteResult>(payload, ResultFiles.Json);
                if (cached is not null && cached.Items.Count == items.Count)
                {
                    fromCache = true;
                    progress?.Report(SuiteEvaluator.RequestCount(suite, items));
                    return cached with { Model = model.Description.Path };
                }
            }
            catch (JsonException)
            {
                cache.Remove(key!); // a payload from an incompatible version: recompute
            }
        }
        var result = SuiteEvaluator.Evaluate(suite, items, model, progress, judge, generations);
        cache?.Put(key!, JsonSerializer.SerializeToUtf8Bytes(result, ResultFiles.Json));
        return result;
    }

    /// <summary>Whether <paramref name="cache"/> holds a result for this suite on this model (no payload check).</summary>
    public static bool Holds(SuiteDefinition suite, IReadOnlyList<SuiteItem> items, ModelDescription model, ContentCache? cache, ModelDescription? judge = null) =>
        cache is not null && cache.TryGet(KeyFor(suite, items, model, judge), out _);

    public static string Sha256(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}
