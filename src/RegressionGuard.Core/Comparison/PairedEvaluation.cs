using RegressionGuard.Caching;
using RegressionGuard.Modeling;
using RegressionGuard.Suites;
using RegressionGuard.Suites.Evaluation;
using RegressionGuard.Suites.Items;
using RegressionGuard.Suites.Refusal;

namespace RegressionGuard.Comparison;

/// <summary>Runs <c>work</c> with a progress sink of the given total (the CLI shows a bar or plain lines).</summary>
public delegate SuiteResult SuiteProgressScope(string label, int total, Func<IProgress<int>, SuiteResult> work);

/// <summary>
/// The one paired pipeline of gate, compare and sweep: every suite on the base model (through the content cache),
/// then on the tuned model, each tuned result compared item by item with its base result as soon as it exists, so
/// a run stopped part-way keeps every comparison finished before the stop. Models are reached only through
/// <see cref="ILanguageModel"/>: in process, remote or any other backend.
/// </summary>
public sealed class PairedEvaluation
{
    readonly IReadOnlyList<SuiteDefinition> _suites;
    readonly IReadOnlyList<IReadOnlyList<SuiteItem>> _items;
    readonly ContentCache? _cache;
    readonly SuiteProgressScope _scope;
    readonly Action<string> _log;
    readonly Func<SuiteDefinition, RefusalJudge?> _judge;

    /// <param name="judge">the judge model of each judged refusal suite (null: none), the same for base and tuned.</param>
    public PairedEvaluation(IReadOnlyList<SuiteDefinition> suites, IReadOnlyList<IReadOnlyList<SuiteItem>> items, ContentCache? cache,
        SuiteProgressScope? scope = null, Action<string>? log = null, Func<SuiteDefinition, RefusalJudge?>? judge = null)
    {
        ArgumentNullException.ThrowIfNull(suites);
        ArgumentNullException.ThrowIfNull(items);
        if (suites.Count != items.Count)
        {
            throw new ArgumentException($"{suites.Count} suites but {items.Count} item lists", nameof(items));
        }

        _suites = suites;
        _items = items;
        _cache = cache;
        _scope = scope ?? ((_, _, work) => work(new Progress<int>()));
        _log = log ?? (_ => { });
        _judge = judge ?? (_ => null);
    }

    public int Count => _suites.Count;

    /// <summary>
    /// Refuses, before any request, a multiple-choice suite on a backend without log-probabilities (a generation-only
    /// chat client): scoring by log-likelihood needs the log-probability of each choice.
    /// </summary>
    /// <exception cref="ModelCapabilityException">The first suite the model cannot score, with why and what would work.</exception>
    public static void CheckCapabilities(IEnumerable<SuiteDefinition> suites, ILanguageModel model)
    {
        ArgumentNullException.ThrowIfNull(suites);
        ArgumentNullException.ThrowIfNull(model);
        if (model.Capabilities.LogLikelihood)
        {
            return;
        }

        if (suites.FirstOrDefault(s => s.Task == TaskType.MultipleChoice) is { } mc)
        {
            throw new ModelCapabilityException(
                $"suite '{mc.Id}' ({mc.File}) is multiple choice, scored by the log-likelihood of each choice, and {model.Description.Path} ({model.Description.Architecture}) returns no log-probabilities; run it on a completions endpoint with logprobs (vLLM, SGLang, `regressionguard serve`) or in process — generate and refusal suites can stay on this backend");
        }
    }

    /// <summary>
    /// Base results, one per suite in order, added to <paramref name="results"/> as each finishes (from the cache when
    /// it holds them); <paramref name="fromCache"/> says which came from the cache.
    /// </summary>
    public void EvaluateBase(ILanguageModel model, ICollection<SuiteResult> results, ICollection<bool>? fromCache = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(results);
        CheckCapabilities(_suites, model);
        for (int i = 0; i < _suites.Count; i++)
        {
            var (suite, items) = (_suites[i], _items[i]);
            bool hit = false;
            results.Add(_scope($"base · {suite.Id}", SuiteEvaluator.RequestCount(suite, items),
                p => CachedEvaluation.Evaluate(suite, items, model, _cache, out hit, p, _judge(suite))));
            fromCache?.Add(hit);
            _log($"base · {suite.Id}: {(hit ? "from cache" : "evaluated")}");
        }
    }

    /// <summary>The tuned model's result of suite <paramref name="index"/> (never cached: the tuned model is what is being judged).</summary>
    public SuiteResult EvaluateTuned(int index, ILanguageModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        CheckCapabilities([_suites[index]], model);
        var (suite, items) = (_suites[index], _items[index]);
        return _scope($"tuned · {suite.Id}", SuiteEvaluator.RequestCount(suite, items), p => SuiteEvaluator.Evaluate(suite, items, model, p, _judge(suite)));
    }

    /// <summary>
    /// Every suite on the tuned model, each compared with its base result (seeded paired bootstrap, exact McNemar),
    /// added to <paramref name="tunedResults"/> and <paramref name="comparisons"/> as it finishes. Holm is applied by
    /// the caller over what finished (<see cref="SuiteComparer.AdjustHolm"/>).
    /// </summary>
    public void EvaluateTuned(ILanguageModel model, IReadOnlyList<SuiteResult> baseResults, int seed, ICollection<SuiteResult> tunedResults, ICollection<SuiteComparison> comparisons)
    {
        ArgumentNullException.ThrowIfNull(baseResults);
        ArgumentNullException.ThrowIfNull(tunedResults);
        ArgumentNullException.ThrowIfNull(comparisons);
        for (int i = 0; i < _suites.Count; i++)
        {
            var result = EvaluateTuned(i, model);
            tunedResults.Add(result);
            comparisons.Add(SuiteComparer.Compare(baseResults[i], result, seed));
        }
    }
}
