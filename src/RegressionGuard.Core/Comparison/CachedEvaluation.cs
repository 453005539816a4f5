using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using RegressionGuard.Caching;
using RegressionGuard.Modeling;
using RegressionGuard.Suites;
using RegressionGuard.Suites.Evaluation;
using RegressionGuard.Suites.Items;

namespace RegressionGuard.Comparison;

/// <summary>
/// Suite evaluation through the content cache: a result is reused only when every input that can change its numbers
/// is identical — the model's weights (+ adapter) and tokenizer (its content hash), the compute dtype, the suite
/// file's bytes, every rendered request (the item ids) and the scoring code version. Anything else is a miss.
/// </summary>
public static class CachedEvaluation
{
    /// <summary>Bump when scoring changes in a way that changes cached numbers.</summary>
    public const string ScoringVersion = "suite-scoring/1";

    public static CacheKey KeyFor(SuiteDefinition suite, IReadOnlyList<SuiteItem> items, ModelDescription model) =>
        CacheKey.Create("suite-result",
            ("scoring", ScoringVersion),
            ("model", model.ContentHash()),
            ("dtype", model.DType),
            ("suite", suite.Id),
            ("suite-file-sha256", Sha256(suite.SourceText)),
            ("items-sha256", Sha256(string.Join('\n', items.Select(i => i.Id)))),
            ("rules", suite.RuleSet ?? ""));

    /// <summary>Evaluates, or returns the cached result of, <paramref name="suite"/> on <paramref name="model"/>.</summary>
    public static SuiteResult Evaluate(SuiteDefinition suite, IReadOnlyList<SuiteItem> items, ILanguageModel model, ContentCache? cache, out bool fromCache, IProgress<int>? progress = null)
    {
        fromCache = false;
        var key = cache is null ? null : KeyFor(suite, items, model.Description);
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
        var result = SuiteEvaluator.Evaluate(suite, items, model, progress);
        cache?.Put(key!, JsonSerializer.SerializeToUtf8Bytes(result, ResultFiles.Json));
        return result;
    }

    public static string Sha256(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}
