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
        var generations = GenerateTogether(model, "base", Enumerable.Range(0, _suites.Count)
            .Where(i => !CachedEvaluation.Holds(_suites[i], _items[i], model.Description, _cache, _judge(_suites[i])?.Model.Description)));
        for (int i = 0; i < _suites.Count; i++)
        {
            var (suite, items) = (_suites[i], _items[i]);
            bool hit = false;
            results.Add(_scope($"base · {suite.Id}", SuiteEvaluator.RequestCount(suite, items),
                p => CachedEvaluation.Evaluate(suite, items, model, _cache, out hit, p, _judge(suite), generations.GetValueOrDefault(i))));
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
        if (!ReferenceEquals(_tunedModel, model))
        {
            // The first tuned suite of this model generates for every generate/refusal suite at once.
            (_tunedModel, _tunedGenerations) = (model, GenerateTogether(model, "tuned", Enumerable.Range(0, _suites.Count)));
        }

        var generations = _tunedGenerations.GetValueOrDefault(index);
        _tunedGenerations.Remove(index); // each suite's answers are used once
        return _scope($"tuned · {suite.Id}", SuiteEvaluator.RequestCount(suite, items), p => SuiteEvaluator.Evaluate(suite, items, model, p, _judge(suite), generations));
    }

    ILanguageModel? _tunedModel;
    Dictionary<int, IReadOnlyList<GenerationResult>> _tunedGenerations = new();

    /// <summary>
    /// The answers of every generate and refusal suite among <paramref name="indices"/>, from one Generate call, so the
    /// runtime batches prompts across suites (its batches are sorted by prompt length, not by suite). Greedy decoding
    /// makes each answer independent of the batch it ran in up to fp32 rounding (tested: a gate's texts are the same
    /// with batch size 1 and 32). Empty when fewer than two suites generate: there is nothing to batch across.
    /// </summary>
    Dictionary<int, IReadOnlyList<GenerationResult>> GenerateTogether(ILanguageModel model, string side, IEnumerable<int> indices)
    {
        var generating = indices.Where(i => _suites[i].Task != TaskType.MultipleChoice && _items[i].Count > 0).ToList();
        var byIndex = new Dictionary<int, IReadOnlyList<GenerationResult>>();
        if (generating.Count < 2)
        {
            return byIndex;
        }

        var requests = generating.Select(i => SuiteEvaluator.GenerationRequests(_suites[i], _items[i])).ToList();
        _log($"{side} · generating {requests.Sum(r => r.Count)} prompts of {generating.Count} suites in one batched call");
        var answers = model.Generate(requests.SelectMany(r => r).ToList());
        int at = 0;
        for (int k = 0; k < generating.Count; k++)
        {
            byIndex[generating[k]] = answers.Skip(at).Take(requests[k].Count).ToList();
            at += requests[k].Count;
        }

        return byIndex;
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
