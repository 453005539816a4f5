using RegressionGuard.Caching;
using RegressionGuard.Modeling;
using RegressionGuard.Suites;
using RegressionGuard.Suites.Evaluation;
using RegressionGuard.Suites.Items;
using RegressionGuard.Suites.Lengths;
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

    // the length step: what the base model was given, and where its results are (replaced when the pair leaves more out)
    PromptFit?[]? _baseFits;
    IList<SuiteResult>? _baseResults;
    int _baseStart;

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
    /// it holds them); <paramref name="fromCache"/> says which came from the cache. Before the model runs, every suite's
    /// too-long policy is applied with this model's tokenizer and context (<see cref="PromptLengths.ForModel"/>):
    /// <c>truncate: error</c> stops here with every row that does not fit, in every suite. When the tuned model later
    /// leaves out more items (<see cref="EvaluateTuned(int, ILanguageModel)"/>), the pair's base result replaces the
    /// one in <paramref name="results"/>, so both sides always hold the same items.
    /// </summary>
    /// <exception cref="SuiteValidationException">A suite with <c>truncate: error</c> has prompts that do not fit.</exception>
    public void EvaluateBase(ILanguageModel model, IList<SuiteResult> results, ICollection<bool>? fromCache = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(results);
        CheckCapabilities(_suites, model);
        _baseFits = Fit(model);
        _baseResults = results;
        _baseStart = results.Count;
        var fits = _baseFits;
        var sent = Enumerable.Range(0, _suites.Count).Select(i => fits[i]?.Items ?? _items[i]).ToArray();
        var generations = GenerateTogether(model, "base", Enumerable.Range(0, _suites.Count)
            .Where(i => !CachedEvaluation.Holds(_suites[i], sent[i], model.Description, _cache, _judge(_suites[i])?.Model.Description)), i => sent[i]);
        for (int i = 0; i < _suites.Count; i++)
        {
            var (suite, fit, items) = (_suites[i], fits[i], sent[i]);
            bool hit = false;
            var result = _scope($"base · {suite.Id}", SuiteEvaluator.RequestCount(suite, items),
                p => CachedEvaluation.Evaluate(suite, items, model, _cache, out hit, p, _judge(suite), generations.GetValueOrDefault(i)));
            results.Add(fit?.Complete(result) ?? result);
            fromCache?.Add(hit);
            _log($"base · {suite.Id}: {(hit ? "from cache" : "evaluated")}");
            if (fit?.Summary(suite.Id, fit.ContextLength) is { } note)
            {
                _log($"base · {note}");
            }
        }
    }

    /// <summary>
    /// The tuned model's result of suite <paramref name="index"/> (never cached: the tuned model is what is being judged),
    /// on the items the base model was given: the too-long policy is applied again with this model's tokenizer at the
    /// smaller of the two contexts, and an item either model cannot take, or would see differently, is left out of
    /// both (<see cref="PromptLengths.Pair"/>). A tuned backend that cannot count tokens gets what the base model got;
    /// after a base backend that could not, the base is taken to have got every item whole. Without a base run (a
    /// sweep), the policy is this model's alone.
    /// </summary>
    /// <exception cref="SuiteValidationException">Under <c>truncate: error</c>, prompts this model cannot take.</exception>
    public SuiteResult EvaluateTuned(int index, ILanguageModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        CheckCapabilities([_suites[index]], model);
        var suite = _suites[index];
        if (!ReferenceEquals(_tunedModel, model))
        {
            (_tunedModel, _tunedFits, _tunedGenerations) = (model, new (bool, PromptFit?)[_suites.Count], null);
        }

        var fit = FitTuned(index, model);
        if (_tunedGenerations is null)
        {
            // The first tuned suite of this model generates for every generate/refusal suite at once; a suite whose
            // prompts this model cannot take under truncate: error is left out here and fails when it is reached.
            var ready = Enumerable.Range(0, _suites.Count).Where(i => _suites[i].Task == TaskType.MultipleChoice || TryFitTuned(i, model)).ToList();
            _tunedGenerations = GenerateTogether(model, "tuned", ready, i => _tunedFits![i].Fit?.Items ?? _items[i]);
        }

        var generations = _tunedGenerations.GetValueOrDefault(index);
        _tunedGenerations.Remove(index); // each suite's answers are used once
        var sent = fit?.Items ?? _items[index];
        var result = _scope($"tuned · {suite.Id}", SuiteEvaluator.RequestCount(suite, sent), p => SuiteEvaluator.Evaluate(suite, sent, model, p, _judge(suite), generations));
        return fit?.Complete(result) ?? result;
    }

    ILanguageModel? _tunedModel;
    (bool Done, PromptFit? Fit)[]? _tunedFits;
    Dictionary<int, IReadOnlyList<GenerationResult>>? _tunedGenerations;

    bool TryFitTuned(int index, ILanguageModel model)
    {
        try
        {
            FitTuned(index, model);
            return true;
        }
        catch (SuiteValidationException)
        {
            return false;
        }
    }

    /// <summary>Suite <paramref name="index"/>'s too-long policy for the tuned model, decided once per model (it may leave items out of the base result too).</summary>
    PromptFit? FitTuned(int index, ILanguageModel model)
    {
        if (_tunedFits![index] is { Done: true } known)
        {
            return known.Fit;
        }

        var suite = _suites[index];
        var baseFit = _baseFits?[index];
        var fit = PromptLengths.ForModel(suite, _items[index], model, baseFit?.ContextLength);
        if (fit?.Errors.Count > 0)
        {
            throw new SuiteValidationException(fit.Errors);
        }

        if (_baseFits is not null && fit is null)
        {
            fit = baseFit;
            if (baseFit is not null)
            {
                _log($"tuned · {suite.Id}: {model.Description.Path} cannot count prompt tokens or does not say its context; it gets the items the base model got");
            }
        }
        else if (_baseFits is not null && fit is not null)
        {
            (fit, var dropped) = PromptLengths.Pair(suite, baseFit ?? PromptLengths.Whole(suite, _items[index]), fit, model.Description.ContextLength);
            if (dropped.Count > 0)
            {
                // the base model was given items the tuned model cannot take alike: the pair leaves them out of both
                int at = _baseStart + index;
                var items = _baseResults![at].Items.ToArray();
                foreach (int i in dropped)
                {
                    items[i] = PromptFit.SkippedResult(fit.Decisions[i]);
                }

                _baseResults[at] = SuiteEvaluator.Recount(suite, _baseResults[at] with { Items = items, ContextLength = fit.ContextLength, Truncate = PromptLengths.PolicyName(fit.Policy) });
                _log($"tuned · {suite.Id}: {dropped.Count:N0} item(s) the base model took are left out of both models: {fit.Decisions[dropped[0]].Reason}");
            }
        }

        _tunedFits[index] = (true, fit);
        return fit;
    }

    /// <summary>
    /// The answers of every generate and refusal suite among <paramref name="indices"/> (on the items
    /// <paramref name="itemsOf"/> gives: those the too-long policy sends), from one Generate call, so the
    /// runtime batches prompts across suites (its batches are sorted by prompt length, not by suite). Greedy decoding
    /// makes each answer independent of the batch it ran in up to fp32 rounding (tested: a gate's texts are the same
    /// with batch size 1 and 32). Empty when fewer than two suites generate: there is nothing to batch across.
    /// </summary>
    Dictionary<int, IReadOnlyList<GenerationResult>> GenerateTogether(ILanguageModel model, string side, IEnumerable<int> indices, Func<int, IReadOnlyList<SuiteItem>> itemsOf)
    {
        var generating = indices.Where(i => _suites[i].Task != TaskType.MultipleChoice && itemsOf(i).Count > 0).ToList();
        var byIndex = new Dictionary<int, IReadOnlyList<GenerationResult>>();
        if (generating.Count < 2)
        {
            return byIndex;
        }

        var requests = generating.Select(i => SuiteEvaluator.GenerationRequests(_suites[i], itemsOf(i))).ToList();
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
            // the pair's base result (EvaluateTuned replaces it when the tuned model leaves more items out)
            comparisons.Add(SuiteComparer.Compare(_baseResults is { } own ? own[_baseStart + i] : baseResults[i], result, seed));
        }
    }

    /// <summary>Every suite's too-long policy for <paramref name="model"/>; all <c>truncate: error</c> problems of all suites at once.</summary>
    PromptFit?[] Fit(ILanguageModel model)
    {
        var fits = _suites.Select((suite, i) => PromptLengths.ForModel(suite, _items[i], model)).ToArray();
        var errors = fits.SelectMany(f => f?.Errors ?? []).ToList();
        if (errors.Count > 0)
        {
            throw new SuiteValidationException(errors);
        }

        if (fits.All(f => f is null) && _suites.Count > 0)
        {
            _log($"{model.Description.Path}: this backend cannot count prompt tokens or does not say its context; prompts are sent as they are (the suites' truncate policies are not applied)");
        }

        return fits;
    }
}
