using System.Diagnostics;
using System.Globalization;
using RegressionGuard.Caching;
using RegressionGuard.Comparison;
using RegressionGuard.Corpora;
using RegressionGuard.Diagnostics;
using RegressionGuard.Forgetting;
using RegressionGuard.Gate.Sharding;
using RegressionGuard.Law;
using RegressionGuard.Ledger;
using RegressionGuard.Modeling;
using RegressionGuard.Remote;
using RegressionGuard.Reports;
using RegressionGuard.Suites;
using RegressionGuard.Suites.Evaluation;
using RegressionGuard.Suites.Items;
using RegressionGuard.Suites.Loading;
using RegressionGuard.Suites.Templates;
using RegressionGuard.Torch.Diagnostics;
using RegressionGuard.Torch.Forgetting;
using RegressionGuard.Torch.Runtime;

namespace RegressionGuard.Gate;

/// <summary>
/// Runs one gate: loads and validates every suite first, evaluates the base model (from the content cache when
/// it can: then the base model is opened and identified by its content hash, its weights never loaded), evaluates the tuned model, compares item by item (Holm across suites),
/// measures L_f against the base distributions and decides with <see cref="GatePolicy"/> and
/// <see cref="ForgettingPolicy"/>. Input problems met after work has started end the run with outcome Error and the
/// results gathered so far.
/// </summary>
public sealed class GateRunner
{
    /// <summary>Runs <c>work</c> with a progress sink of the given total (the CLI shows a bar or plain lines).</summary>
    public delegate T ProgressScope<T>(string label, int total, Func<IProgress<int>, T> work);

    readonly GateConfig _config;
    readonly Action<string> _log;

    public GateRunner(GateConfig config, Action<string>? log = null)
    {
        _config = config;
        _log = log ?? (_ => { });
    }

    public Func<string, int, Func<IProgress<int>, object>, object>? Progress { get; init; }

    /// <summary>Where the run's time goes, stage by stage (<c>gate --timings</c>); null: not recorded.</summary>
    public GateTimings? Timings { get; init; }

    T WithProgress<T>(string label, int total, Func<IProgress<int>, T> work) where T : class =>
        Progress is null ? work(new Progress<int>()) : (T)Progress(label, total, p => work(p));

    /// <summary>Suites with the config's per-suite threshold overrides applied, in config order.</summary>
    public IReadOnlyList<SuiteDefinition> LoadSuites()
    {
        var suites = new List<SuiteDefinition>();
        var errors = new List<SuiteError>();
        foreach (var entry in _config.Suites)
        {
            foreach (var file in Expand(entry.Path))
            {
                try
                {
                    var suite = SuiteLoader.Load(file, _config.Variables);
                    if (_config.ChatFormat is { } chat)
                    {
                        suite = suite with { ChatFormat = chat };
                    }

                    if (entry.MaxDrop is not null || entry.MaxRise is not null)
                    {
                        suite = suite with
                        {
                            Metrics = suite.Metrics.Select(m => m with
                            {
                                MaxDrop = m.HigherIsBetter ? m.MaxDrop ?? entry.MaxDrop : null,
                                MaxRise = m.HigherIsBetter ? null : m.MaxRise ?? entry.MaxRise,
                            }).ToList(),
                        };
                    }

                    suites.Add(suite);
                }
                catch (SuiteValidationException e)
                {
                    errors.AddRange(e.Errors);
                }
            }
        }
        if (errors.Count > 0)
        {
            throw new SuiteValidationException(errors);
        }

        return suites;
    }

    IEnumerable<string> Expand(string pattern)
    {
        var files = SuiteFiles.Expand(pattern, Path.GetDirectoryName(_config.File)!);
        if (files.Count == 0)
        {
            throw new SuiteValidationException(new[] { new SuiteError(_config.File, 1, 1, $"suite pattern '{pattern}' matches no file") });
        }

        return files;
    }

    /// <summary>Runs the whole gate and decides.</summary>
    /// <exception cref="GateRunException">a bug, or a failure on the base side (a served base model that died, a bad
    /// base checkpoint); its report carries what was computed before it and says where the run stopped.</exception>
    public GateReport Run()
    {
        var clock = Stopwatch.StartNew();
        var run = Evaluate(null);
        var evidence = run.Evidence;
        WeightDiagnosticsReport? diagnostics = null;
        if (run.Stop is null && _config.Diagnostics is { } diagnose)
        {
            var errors = evidence.Errors.ToList();
            diagnostics = MeasureWeights(diagnose, evidence, errors);
            evidence = evidence with { Errors = errors };
            Timings?.Mark("weight diagnostics");
        }

        var report = GateDecision.Decide(evidence, run.Rules, run.Law, clock.Elapsed.TotalSeconds) with { Diagnostics = diagnostics, Frontier = run.Frontier };
        Timings?.Mark("decision");
        if (run.Stop is not null)
        {
            throw new GateRunException(report, run.Stop);
        }

        return report;
    }

    /// <summary>
    /// Runs shard <paramref name="shard"/> of the gate: its items of every suite and its documents of the L_f corpus
    /// (<see cref="ShardSpec"/>), both models, no decision; the part carries what <see cref="GatePartMerger"/> needs.
    /// </summary>
    /// <returns>the part, and what stopped the shard (a bug, or any failure on the base side; after the part was made) or null.</returns>
    public (GatePart Part, Exception? Stop) RunShard(ShardSpec shard)
    {
        ArgumentNullException.ThrowIfNull(shard);
        var clock = Stopwatch.StartNew();
        var run = Evaluate(shard);
        var e = run.Evidence;
        var errors = e.Errors.ToList();
        // weight diagnostics concern the models, not the items: shard 1 measures them once
        var diagnostics = shard.Index == 1 && run.Stop is null && _config.Diagnostics is { } diagnose ? MeasureWeights(diagnose, e, errors) : null;
        var lawText = _config.Forgetting?.Law is { } lawPath ? Suites.Sandbox.StrictUtf8.ReadAllText(lawPath) : null;
        // where the corpus lies is not what it holds (its documents are in the identity): only the rules themselves
        var rules = run.Rules with { Forgetting = run.Rules.Forgetting is { } f ? f with { Corpus = "" } : null };
        var rulesJson = System.Text.Json.JsonSerializer.Serialize(new { Rules = rules, Law = lawText, _config.DType, _config.BatchSize }, ReportJson.Options);
        var part = new GatePart
        {
            GeneratedUtc = DateTimeOffset.UtcNow,
            DurationSeconds = clock.Elapsed.TotalSeconds,
            Shard = shard.Index,
            Shards = shard.Count,
            Identity = new GatePartIdentity(LawProvenance.CurrentToolVersion, CachedEvaluation.Sha256(rulesJson), e.Base.ContentHash, e.Tuned.ContentHash,
                run.Suites, run.Corpus),
            Rules = run.Rules,
            Law = lawText,
            Base = e.Base,
            Tuned = e.Tuned,
            Suites = e.BaseResults.Select((b, i) => new SuitePart(b.Suite, run.Suites[i].Items, run.Positions[i], b, i < e.TunedResults.Count ? e.TunedResults[i] : null)).ToList(),
            Forgetting = e.Forgetting,
            Errors = errors,
            Diagnostics = diagnostics,
            Frontier = shard.Index == 1 ? run.Frontier : null,
        };
        return (part, run.Stop);
    }

    /// <summary>The content cache of base results, L_f distributions and weight diagnostics (null: off).</summary>
    ContentCache? Cache => _cache ??= _config.UseCache ? new ContentCache(_config.Cache ?? ContentCache.DefaultFolder, m => _log($"warning: {m}")) : null;
    ContentCache? _cache;

    /// <summary>The config's compute settings, for every model this run loads.</summary>
    ComputeOptions Compute => new() { DType = _config.DType, BatchSize = _config.BatchSize, Threads = _config.Threads };

    /// <summary>
    /// What one run evaluated, with what deciding needs; for a shard, its items' positions in their suites. <c>Stop</c>:
    /// the exception that ended the run early and must reach the caller after the (partial) report is made.
    /// </summary>
    sealed record Evaluation(GateEvidence Evidence, GateRules Rules, ForgettingLaw? Law, Exception? Stop,
        IReadOnlyList<SuiteIdentity> Suites, IReadOnlyList<int[]> Positions, string? Corpus, FrontierReport? Frontier);

    Evaluation Evaluate(ShardSpec? shard)
    {
        Timings?.Mark("start-up: runtime, command line, gate config");
        var c = _config;
        var compute = Compute;
        var cache = Cache;

        // Everything that can be checked without a model is checked before any model runs.
        var suites = LoadSuites();
        var chatTemplate = ChatFormats.TemplateFor(suites, c.BaseRemote?.Tokenizer ?? c.Base, c.Tokenizer);
        var allItems = suites.Select(s => SuiteItemBuilder.Build(s, null, chatTemplate)).ToList();
        var identities = suites.Select((s, i) => SuiteIdentity.Of(s, allItems[i])).ToList();
        // a shard keeps its own items (by a hash of suite id and item id) and L_f scoring groups (by a hash of their texts)
        var positions = suites.Select((s, i) => shard?.Select(allItems[i], item => ShardSpec.ItemKey(s.Id, item.Id)) ?? Enumerable.Range(0, allItems[i].Count).ToArray()).ToList();
        var items = allItems.Select((all, i) => (IReadOnlyList<SuiteItem>)positions[i].Select(p => all[p]).ToList()).ToList();
        var allDocuments = c.Forgetting is { } corpusBlock ? CorpusReader.Read(corpusBlock.Corpus).Select(d => d.Text).ToArray() : null;
        int[]? documents = null; // the corpus documents this run measures (a shard's whole scoring groups, chosen once the base model can count their tokens)
        var law = c.Forgetting?.Law is { } lawPath ? LawFile.Load(lawPath) : null;
        (double P, double N)? scale = c.Forgetting is { } forgettingBlock ? ResolveScale(forgettingBlock) : null;
        var frontier = c.Forgetting?.Ledger is { } ledger ? FrontierReport.Of(ledger, LedgerFile.Load(ledger)) : null;
        if (c.TunedRemote is null)
        {
            CheckTuned(c.Tuned);
        }

        Timings?.Mark("suites, items, corpus, law, ledger");
        using var judges = SuiteJudges.Load(suites, null, compute, cache);
        var rules = new GateRules(c.Thresholds, c.Correction, c.Seed,
            c.Forgetting is { } fb ? new ForgettingRules(fb.Corpus, fb.Budget, fb.Tolerance, scale!.Value.P, scale.Value.N) : null);

        Exception? stop = null;
        var errors = new List<string>();
        var baseResults = new List<SuiteResult>();
        var baseFromCache = new List<bool>();
        BaseDistributions? reference = null;
        var baseRef = new ModelReference(c.Base, "");
        var tunedRef = new ModelReference(c.Tuned, "");
        var paired = new PairedEvaluation(suites, items, cache, (label, total, work) => WithProgress(label, total, work), _log, judges.For);
        try
        {
            using var baseModel = OpenBase(compute, cache);
            baseRef = new ModelReference(c.Base, baseModel.Description.ContentHash());
            Timings?.Mark("base · open, content hash");
            paired.EvaluateBase(baseModel, baseResults, baseFromCache);
            Timings?.Mark("base · suites");
            if (allDocuments is not null)
            {
                var options = new RollingOptions(c.Forgetting!.Truncate);
                var plan = ForgettingPlan.Of(baseModel, allDocuments, options);
                documents = shard?.SelectGroups(allDocuments, ForgettingGroups.DocumentPositions(plan.Windows, plan.Document, allDocuments.Length), c.BatchSize)
                    ?? Enumerable.Range(0, allDocuments.Length).ToArray();
                var corpus = documents.Select(d => allDocuments[d]).ToArray();
                var mine = documents.ToHashSet();
                bool hit = false;
                reference = WithProgress("base · L_f distributions", plan.Document.Count(mine.Contains),
                    p => BaseDistributionsCache.Compute(baseModel, corpus, options, null, cache, out hit, p));
                _log($"base · L_f distributions: {(hit ? "from cache" : "computed")}");
                Timings?.Mark("base · L_f distributions");
            }

            if (baseModel is TorchLanguageModel { Model.IsLoaded: false })
            {
                _log("base · weights not loaded: every base result came from the cache (the base checkpoint was identified by its content hash)");
            }
        }
        catch (Exception e)
        {
            // nothing can be compared without the base side: the run stops here, and its partial report says how far
            // the base side got (what finished is in the cache, so a rerun goes on from the stop)
            errors.Add(IsInputProblem(e) ? e.Message : $"internal error ({e.GetType().Name}): {e.Message}");
            errors.Add(BaseStopped(suites, baseFromCache, baseRef.ContentHash.Length > 0, allDocuments is not null, cache is not null));
            stop = e;
        }

        var tunedResults = new List<SuiteResult>();
        ForgettingSums? forgetting = null;
        try
        {
            if (stop is null)
            {
                using var tuned = OpenTuned(compute, cache);
                tunedRef = new ModelReference(c.Tuned, tuned.Description.ContentHash());
                Timings?.Mark("tuned · open, content hash");
                for (int i = 0; i < suites.Count; i++)
                {
                    tunedResults.Add(paired.EvaluateTuned(i, tuned));
                }
                Timings?.Mark("tuned · suites");
                if (reference is not null)
                {
                    var measured = WithProgress("tuned · L_f", reference.Windows.Count, p => tuned.CrossEntropyAgainst(reference, p));
                    forgetting = new ForgettingSums(allDocuments!.Length,
                        measured.PerDocument.Select(d => new DocumentSums(documents![d.Index], d.Positions, d.CrossEntropy, d.BaseEntropy, d.TopOneAgreements)).ToList())
                    {
                        Bounds = measured.Bounds,
                    };
                    Timings?.Mark("tuned · L_f");
                }
            }
        }
        catch (Exception e) when (IsInputProblem(e))
        {
            // keep what was evaluated (base results are cached; finished comparisons are reported)
            errors.Add(e.Message);
        }
        catch (Exception e)
        {
            // a bug: the report still carries what was computed before it; the caller gets the bug after that report
            errors.Add($"internal error ({e.GetType().Name}): {e.Message}");
            stop = e;
        }

        var evidence = new GateEvidence(baseRef, tunedRef, baseResults, tunedResults, forgetting, errors);
        var corpusHash = allDocuments is null ? null : CachedEvaluation.Sha256(System.Text.Json.JsonSerializer.Serialize(allDocuments));
        return new Evaluation(evidence, rules, law, stop, identities, positions, corpusHash, frontier);
    }

    /// <summary>The failures a user's input or environment causes (a bad file, a model that cannot do a task, a server that failed), as opposed to bugs.</summary>
    static bool IsInputProblem(Exception e) => e is Torch.Checkpoints.CheckpointException or Torch.Tokenization.TokenizerFormatException or SuiteDataException
        or InvalidDataException or FileNotFoundException or LawException or ArgumentException or ModelCapabilityException or RemoteModelException
        or SuiteValidationException;

    /// <summary>
    /// Where a run stopped on the base side, for its partial report: the base suites finished before the failure (each
    /// evaluated or from the cache), the one it stopped in, and what never ran; with a cache, what finished (base results,
    /// and every request a served model answered) is kept, so a rerun goes on from the stop.
    /// </summary>
    static string BaseStopped(IReadOnlyList<SuiteDefinition> suites, IReadOnlyList<bool> fromCache, bool opened, bool forgetting, bool cached)
    {
        int done = fromCache.Count;
        var finished = suites.Take(done).Select((s, i) => $"base · {s.Id} ({(fromCache[i] ? "from cache" : "evaluated")})").ToList();
        string stoppedIn = !opened ? "opening the base model"
            : done < suites.Count ? $"base · {suites[done].Id}"
            : "base · L_f distributions";
        var notRun = suites.Skip(opened ? done + 1 : 0).Select(s => $"base · {s.Id}").ToList();
        if (forgetting && stoppedIn != "base · L_f distributions")
        {
            notRun.Add("base · L_f distributions");
        }

        notRun.Add("every suite and L_f on the tuned model (nothing was compared)");
        string keep = cached
            ? "a rerun reads the finished base results from the cache and sends a served model only the requests it did not answer"
            : "the cache is off (cache: none or --no-cache), so a rerun starts from the beginning";
        return $"the run stopped on the base side, in {stoppedIn}; finished before it: {(finished.Count == 0 ? "nothing" : string.Join(", ", finished))}; not run: {string.Join(", ", notRun)}; {keep}";
    }

    /// <summary>
    /// Weight-space diagnostics of the tuned model (ΔW norms, stable rank, intruder dimensions; from the adapter's
    /// factors when the tuned model is an adapter). Read from the cache when it holds this pair's (<see cref="CachedDiagnostics"/>),
    /// else base and tuned weights are loaded once more, after the evaluation, so a problem here never costs a computed
    /// result: it is added to <paramref name="errors"/>.
    /// </summary>
    WeightDiagnosticsReport? MeasureWeights(DiagnoseOptions options, GateEvidence evidence, List<string> errors)
    {
        if (_config.BaseRemote is not null || _config.TunedRemote is not null)
        {
            errors.Add("weight diagnostics need both models' weights: base and tuned must be local folders (or an adapter), not served endpoints; remove 'diagnostics:' for a served model");
            return null;
        }

        try
        {
            // both content hashes are known once both models were opened; without them (a run stopped early) nothing is cached
            var key = evidence.Base.ContentHash.Length > 0 && evidence.Tuned.ContentHash.Length > 0
                ? CachedDiagnostics.KeyFor(evidence.Base.ContentHash, evidence.Tuned.ContentHash, Compute.DType, options)
                : null;
            var report = CachedDiagnostics.Get(Cache, key, () =>
            {
                var (baseModel, tuned) = WeightDiagnostics.LoadPair(_config.Base, _config.Tuned, _config.Tokenizer, Compute);
                using (baseModel)
                using (tuned)
                {
                    return WeightDiagnostics.Of(baseModel.Transformer, tuned.Transformer, options);
                }
            }, out bool hit);
            _log($"weight diagnostics: {report.Modules.Count} projections, ‖ΔW‖_F {report.TotalFrobenius:0.####}{(hit ? " (from cache)" : "")}");
            return report;
        }
        catch (Exception e) when (e is Torch.Checkpoints.CheckpointException or ArgumentException or InvalidDataException or IOException)
        {
            errors.Add($"weight diagnostics: {e.Message}");
            return null;
        }
    }

    ILanguageModel OpenBase(ComputeOptions compute, ContentCache? cache) => _config.BaseRemote is { } remote
        ? ServedModel.Open(remote, _log, cache)
        // opened, not loaded: the weights are read only if a base result is missing from the cache
        : new TorchLanguageModel(ModelLoader.Open(_config.Base, _config.Tokenizer, compute));

    ILanguageModel OpenTuned(ComputeOptions compute, ContentCache? cache) => _config.TunedRemote is { } remote
        ? ServedModel.Open(remote, _log, cache)
        // a local adapter on a served base finds its base through its adapter_config.json (Base is then endpoint#model)
        : new TorchLanguageModel(ModelLoader.LoadTuned(_config.Tuned, _config.BaseRemote is null ? _config.Base : null, _config.Tokenizer, compute));

    /// <summary>
    /// Opens what can be opened of the tuned model without loading it, so a bad tuned path fails before the base model
    /// runs: the path exists; an adapter folder's adapter_config.json and the header of its weights; a model folder's
    /// safetensors headers.
    /// </summary>
    /// <exception cref="Torch.Checkpoints.CheckpointException">The tuned model is missing or unreadable.</exception>
    static void CheckTuned(string tuned)
    {
        var full = Path.GetFullPath(tuned);
        if (!File.Exists(full) && !Directory.Exists(full))
        {
            throw new Torch.Checkpoints.CheckpointException($"tuned model not found: {full}");
        }

        if (Torch.Adapters.LoraAdapter.IsAdapterFolder(full))
        {
            Torch.Adapters.LoraAdapter.ReadConfig(full);
            var weights = Path.Combine(full, Torch.Adapters.LoraAdapter.WeightsFile);
            if (!File.Exists(weights))
            {
                throw new Torch.Checkpoints.CheckpointException($"{full}: the adapter has no {Torch.Adapters.LoraAdapter.WeightsFile}");
            }

            Torch.Checkpoints.SafetensorsFile.Open(weights).Dispose();
        }
        else if (Directory.Exists(full))
        {
            Torch.Checkpoints.SafetensorsSource.OpenFolder(full).Dispose();
        }
    }

    (double P, double N) ResolveScale(GateForgetting f)
    {
        if (f.P is long p && f.N is long n)
        {
            return (p, n);
        }

        if (_config.TunedRemote is not null)
        {
            throw new LawException($"{_config.File}: forgetting.p and forgetting.n are needed when the tuned model is served ({_config.Tuned}): P and N are read from a local checkpoint's metadata otherwise");
        }

        var fromCheckpoint = CheckpointScale.Read(_config.Tuned);
        return (f.P ?? fromCheckpoint.P, f.N ?? fromCheckpoint.N);
    }
}

/// <summary>
/// A gate run stopped part-way, by a bug or by a failure on the base side (without the base nothing can be compared):
/// <see cref="Partial"/> is the report of what was computed before it (outcome error; its errors say where it stopped),
/// to be written before the inner exception is reported (exit 2 for an input or server failure, 3 for a bug).
/// </summary>
public sealed class GateRunException(GateReport partial, Exception inner) : Exception($"the gate stopped: {inner.Message}", inner)
{
    public GateReport Partial { get; } = partial;
}
