using System.Text.Json;
using RegressionGuard.Caching;
using RegressionGuard.Comparison;
using RegressionGuard.Diagnostics;
using RegressionGuard.Suites.Evaluation;

namespace RegressionGuard.Gate;

/// <summary>
/// Weight diagnostics through the content cache. They are a pure function of the two checkpoints, the compute dtype
/// they are loaded in and the options (the randomized spectra are seeded), so the key is exactly those: the base and
/// tuned content hashes (every weight file, an adapter's files and config, the tokenizer), the dtype, the options and
/// the version of the code that computes them. A changed base or tuned checkpoint is a miss.
/// </summary>
public static class CachedDiagnostics
{
    /// <summary>Bump when the diagnostics change in a way that changes cached numbers.</summary>
    public const string Version = "weight-diagnostics/1";

    public static CacheKey KeyFor(string baseHash, string tunedHash, string dtype, DiagnoseOptions options)
    {
        ArgumentException.ThrowIfNullOrEmpty(baseHash);
        ArgumentException.ThrowIfNullOrEmpty(tunedHash);
        ArgumentNullException.ThrowIfNull(options);
        return CacheKey.Create("weight-diagnostics",
            ("version", Version),
            ("base", baseHash),
            ("tuned", tunedHash),
            ("dtype", dtype),
            ("options-sha256", CachedEvaluation.Sha256(JsonSerializer.Serialize(new { options.TopK, options.Thresholds }))));
    }

    /// <summary>The cached diagnostics of this pair, or <paramref name="compute"/>'s (then stored).</summary>
    public static WeightDiagnosticsReport Get(ContentCache? cache, CacheKey? key, Func<WeightDiagnosticsReport> compute, out bool fromCache)
    {
        ArgumentNullException.ThrowIfNull(compute);
        fromCache = false;
        if (cache is not null && key is not null && cache.TryGet(key, out var payload))
        {
            try
            {
                if (JsonSerializer.Deserialize<WeightDiagnosticsReport>(payload, ResultFiles.Json) is { } cached)
                {
                    fromCache = true;
                    return cached;
                }
            }
            catch (JsonException)
            {
                cache.Remove(key); // a payload from an incompatible version: recompute
            }
        }

        var report = compute();
        if (cache is not null && key is not null)
        {
            cache.Put(key, JsonSerializer.SerializeToUtf8Bytes(report, ResultFiles.Json));
        }

        return report;
    }
}
