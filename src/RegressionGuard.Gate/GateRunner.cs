using System.Diagnostics;
using System.Globalization;
using RegressionGuard.Caching;
using RegressionGuard.Comparison;
using RegressionGuard.Corpora;
using RegressionGuard.Diagnostics;
using RegressionGuard.Law;
using RegressionGuard.Ledger;
using RegressionGuard.Modeling;
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
/// it can: then the base model is never run), evaluates the tuned model, compares item by item (Holm across suites),
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

    public GateReport Run()
    {
        var clock = Stopwatch.StartNew();
        var c = _config;
        var compute = new ComputeOptions { DType = c.DType, BatchSize = c.BatchSize, Threads = c.Threads };
        var cache = c.UseCache ? new ContentCache(c.Cache ?? ContentCache.DefaultFolder, m => _log($"warning: {m}")) : null;

        // Everything that can be checked without a model is checked before any model runs.
        var suites = LoadSuites();
        var chatTemplate = ChatFormats.TemplateFor(suites, c.Base, c.Tokenizer);
        var items = suites.Select(s => SuiteItemBuilder.Build(s, null, chatTemplate)).ToList();
        var corpus = c.Forgetting is { } corpusBlock ? CorpusReader.Read(corpusBlock.Corpus).Select(d => d.Text).ToArray() : null;
        var law = c.Forgetting?.Law is { } lawPath ? LawFile.Load(lawPath) : null;
        (double P, double N)? scale = c.Forgetting is { } forgettingBlock ? ResolveScale(forgettingBlock) : null;
        var frontier = c.Forgetting?.Ledger is { } ledger ? FrontierReport.Of(ledger, LedgerFile.Load(ledger)) : null;
        CheckTuned(c.Tuned);
        using var judges = SuiteJudges.Load(suites, null, compute, cache);

        Exception? bug = null;
        var errors = new List<string>();
        var baseResults = new List<SuiteResult>();
        BaseDistributions? reference = null;
        ModelReference baseRef, tunedRef;
        using (var baseModel = new TorchLanguageModel(ModelLoader.Load(c.Base, c.Tokenizer, compute)))
        {
            baseRef = new ModelReference(c.Base, baseModel.Description.ContentHash());
            for (int i = 0; i < suites.Count; i++)
            {
                var (suite, suiteItems) = (suites[i], items[i]);
                bool hit = false;
                baseResults.Add(WithProgress($"base · {suite.Id}", SuiteEvaluator.RequestCount(suite, suiteItems),
                    p => CachedEvaluation.Evaluate(suite, suiteItems, baseModel, cache, out hit, p, judges.For(suite))));
                _log($"base · {suite.Id}: {(hit ? "from cache" : "evaluated")}");
            }
            if (corpus is not null)
            {
                var options = new RollingOptions(c.Forgetting!.Truncate);
                bool hit = false;
                reference = WithProgress("base · L_f distributions", ForgettingMeter.Plan(baseModel, corpus, options).Windows.Count,
                    p => BaseDistributionsCache.Compute(baseModel, corpus, options, null, cache, out hit, p));
                _log($"base · L_f distributions: {(hit ? "from cache" : "computed")}");
            }
        }

        var comparisons = new List<SuiteComparison>();
        var tunedResults = new List<SuiteResult>();
        ForgettingReport? forgetting = null;
        tunedRef = new ModelReference(c.Tuned, "");
        try
        {
            using (var tuned = new TorchLanguageModel(ModelLoader.LoadTuned(c.Tuned, c.Base, c.Tokenizer, compute)))
            {
                tunedRef = new ModelReference(c.Tuned, tuned.Description.ContentHash());
                for (int i = 0; i < suites.Count; i++)
                {
                    var (suite, suiteItems) = (suites[i], items[i]);
                    var result = WithProgress($"tuned · {suite.Id}", SuiteEvaluator.RequestCount(suite, suiteItems), p => SuiteEvaluator.Evaluate(suite, suiteItems, tuned, p, judges.For(suite)));
                    tunedResults.Add(result);
                    comparisons.Add(SuiteComparer.Compare(baseResults[i], result, c.Seed));
                }
                if (reference is not null)
                {
                    var measured = WithProgress("tuned · L_f", reference.Windows.Count, p => ForgettingMeter.Compare(reference, tuned, p));
                    var block = c.Forgetting!;
                    var verdict = ForgettingPolicy.Decide(measured.Lf, law, block.Budget, block.Tolerance, scale!.Value.P, scale.Value.N);
                    forgetting = new ForgettingReport(block.Corpus, measured.Lf, measured.BaseEntropy, measured.Kl, measured.TopOneAgreement, measured.PredictedTokens,
                        measured.Documents, verdict, law?.Form.ToString().ToLowerInvariant(), Curve(law, scale.Value.P, scale.Value.N));
                }
            }
        }
        catch (Exception e) when (e is Torch.Checkpoints.CheckpointException or SuiteDataException or InvalidDataException or FileNotFoundException or LawException or ArgumentException)
        {
            // keep what was evaluated (base results are cached; finished comparisons are reported)
            errors.Add(e.Message);
        }
        catch (Exception e)
        {
            // a bug: the report still carries what was computed before it; the caller gets the bug after that report
            errors.Add($"internal error ({e.GetType().Name}): {e.Message}");
            bug = e;
        }
        var diagnostics = bug is null && c.Diagnostics is { } diagnose ? MeasureWeights(diagnose, compute, errors) : null;
        if (c.Correction == "holm")
        {
            // the Holm family: every gated comparison, suites and groups alike
            comparisons = SuiteComparer.AdjustHolm(comparisons, m => GatePolicy.IsGated(m, c.Thresholds)).ToList();
        }

        var suiteReports = comparisons.Select(comparison => new SuiteReport(comparison.Suite, comparison.Version, comparison.Kind, comparison.Task, comparison.PairedItems,
            comparison.Metrics.Select(m => GatePolicy.Decide(m, c.Thresholds)).ToList(), comparison.Flips)).ToList();
        var reasons = suiteReports.SelectMany(s => s.Metrics.Where(m => m.Outcome == "fail").Select(m => $"{s.Suite}/{m.Comparison.QualifiedName()}: {m.Reason}")).ToList();
        reasons.AddRange(baseResults.Concat(tunedResults).Where(r => r.Errors > 0).Select(r =>
            $"{r.Suite} on {r.Model}: {r.Errors} item(s) could not be scored and count as wrong (first: {r.Items.First(i => i.Error is not null).Error})"));
        reasons.AddRange(baseResults.Concat(tunedResults).Where(r => r.JudgeUnparseable > 0).Select(r =>
            $"{r.Suite} on {r.Model}: {r.JudgeUnparseable} judge answer(s) were not exactly one label; the rules decided those items (first: '{r.Items.First(i => i.JudgeVerdict == "unparseable").JudgeAnswer}')"));
        if (forgetting?.Verdict is { } v && v.Outcome != ForgettingOutcome.Pass)
        {
            reasons.Add($"L_f: {v.Reason}");
        }

        bool failed = suiteReports.Any(s => s.Metrics.Any(m => m.Outcome == "fail")) || forgetting?.Verdict.Outcome == ForgettingOutcome.Fail;
        var report = new GateReport
        {
            ToolVersion = LawProvenance.CurrentToolVersion,
            GeneratedUtc = DateTimeOffset.UtcNow,
            DurationSeconds = clock.Elapsed.TotalSeconds,
            Outcome = errors.Count > 0 ? GateOutcome.Error : failed ? GateOutcome.Fail : GateOutcome.Pass,
            Reasons = reasons,
            Base = baseRef,
            Tuned = tunedRef,
            Suites = suiteReports,
            Forgetting = forgetting,
            Diagnostics = diagnostics,
            Frontier = frontier,
            Errors = errors,
        };
        if (bug is not null)
        {
            throw new GateRunException(report, bug);
        }

        return report;
    }

    /// <summary>
    /// Weight-space diagnostics of the tuned model (ΔW norms, stable rank, intruder dimensions; from the adapter's
    /// factors when the tuned model is an adapter). Loads base and tuned weights once more, after the evaluation, so a
    /// problem here never costs a computed result: it is added to <paramref name="errors"/>.
    /// </summary>
    WeightDiagnosticsReport? MeasureWeights(DiagnoseOptions options, ComputeOptions compute, List<string> errors)
    {
        try
        {
            var (baseModel, tuned) = WeightDiagnostics.LoadPair(_config.Base, _config.Tuned, _config.Tokenizer, compute);
            using (baseModel)
            using (tuned)
            {
                var report = WeightDiagnostics.Of(baseModel.Transformer, tuned.Transformer, options);
                _log($"weight diagnostics: {report.Modules.Count} projections, ‖ΔW‖_F {report.TotalFrobenius:0.####}");
                return report;
            }
        }
        catch (Exception e) when (e is Torch.Checkpoints.CheckpointException or ArgumentException or InvalidDataException or IOException)
        {
            errors.Add($"weight diagnostics: {e.Message}");
            return null;
        }
    }

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

        var fromCheckpoint = CheckpointScale.Read(_config.Tuned);
        return (f.P ?? fromCheckpoint.P, f.N ?? fromCheckpoint.N);
    }

    static IReadOnlyList<LawCurvePoint> Curve(ForgettingLaw? law, double p, double n)
    {
        if (law is null || law.Form == LawForm.Linear)
        {
            return Array.Empty<LawCurvePoint>();
        }

        var points = new List<LawCurvePoint>();
        double lo = Math.Log(Math.Max(1, n / 8)), hi = Math.Log(n * 4);
        for (int i = 0; i <= 40; i++)
        {
            double x = Math.Exp(lo + (hi - lo) * i / 40);
            var prediction = law.Predict(p, x);
            points.Add(new LawCurvePoint(Math.Round(x, 3), prediction.Value, prediction.Lower, prediction.Upper));
        }
        return points;
    }
}

/// <summary>
/// A gate run stopped by a bug (not by bad input): <see cref="Partial"/> is the report of what was computed before it
/// (outcome error), to be written before the bug is reported.
/// </summary>
public sealed class GateRunException(GateReport partial, Exception inner) : Exception($"the gate stopped: {inner.Message}", inner)
{
    public GateReport Partial { get; } = partial;
}
