using System.Diagnostics;
using System.Globalization;
using RegressionGuard.Caching;
using RegressionGuard.Comparison;
using RegressionGuard.Corpora;
using RegressionGuard.Forgetting;
using RegressionGuard.Law;
using RegressionGuard.Modeling;
using RegressionGuard.Remote;
using RegressionGuard.Reports;
using RegressionGuard.Suites;
using RegressionGuard.Suites.Evaluation;
using RegressionGuard.Suites.Items;
using RegressionGuard.Suites.Loading;
using RegressionGuard.Suites.Templates;
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
        var chatTemplate = ChatFormats.TemplateFor(suites, c.BaseRemote?.Tokenizer ?? c.Base, c.Tokenizer);
        var items = suites.Select(s => SuiteItemBuilder.Build(s, null, chatTemplate)).ToList();
        var corpus = c.Forgetting is { } corpusBlock ? CorpusReader.Read(corpusBlock.Corpus).Select(d => d.Text).ToArray() : null;
        var law = c.Forgetting?.Law is { } lawPath ? LawFile.Load(lawPath) : null;
        (double P, double N)? scale = c.Forgetting is { } forgettingBlock ? ResolveScale(forgettingBlock) : null;
        if (c.TunedRemote is null)
        {
            CheckTuned(c.Tuned);
        }

        Exception? bug = null;
        var errors = new List<string>();
        var baseResults = new List<SuiteResult>();
        BaseDistributions? reference = null;
        ModelReference baseRef, tunedRef;
        var paired = new PairedEvaluation(suites, items, cache, (label, total, work) => WithProgress(label, total, work), _log);
        using (var baseModel = OpenBase(compute, cache))
        {
            baseRef = new ModelReference(c.Base, baseModel.Description.ContentHash());
            paired.EvaluateBase(baseModel, baseResults);
            if (corpus is not null)
            {
                var options = new RollingOptions(c.Forgetting!.Truncate);
                bool hit = false;
                reference = WithProgress("base · L_f distributions", ForgettingPlan.Of(baseModel, corpus, options).Windows.Count,
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
            using (var tuned = OpenTuned(compute, cache))
            {
                tunedRef = new ModelReference(c.Tuned, tuned.Description.ContentHash());
                paired.EvaluateTuned(tuned, baseResults, c.Seed, tunedResults, comparisons);
                if (reference is not null)
                {
                    var measured = WithProgress("tuned · L_f", reference.Windows.Count, p => tuned.CrossEntropyAgainst(reference, p));
                    forgetting = ForgettingReportOf(measured, c.Forgetting!, law, scale!.Value);
                }
            }
        }
        catch (Exception e) when (e is Torch.Checkpoints.CheckpointException or SuiteDataException or InvalidDataException or FileNotFoundException or LawException or ArgumentException
                                   or ModelCapabilityException or RemoteModelException)
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
        if (c.Correction == "holm")
        {
            comparisons = SuiteComparer.AdjustHolm(comparisons).ToList();
        }

        var suiteReports = comparisons.Select(comparison => new SuiteReport(comparison.Suite, comparison.Version, comparison.Kind, comparison.Task, comparison.PairedItems,
            comparison.Metrics.Select(m => GatePolicy.Decide(m, c.Thresholds)).ToList(), comparison.Flips)).ToList();
        var reasons = suiteReports.SelectMany(s => s.Metrics.Where(m => m.Outcome == "fail").Select(m => $"{s.Suite}/{m.Comparison.Metric}: {m.Reason}")).ToList();
        reasons.AddRange(baseResults.Concat(tunedResults).Where(r => r.Errors > 0).Select(r =>
            $"{r.Suite} on {r.Model}: {r.Errors} item(s) could not be scored and count as wrong (first: {r.Items.First(i => i.Error is not null).Error})"));
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
            Errors = errors,
        };
        if (bug is not null)
        {
            throw new GateRunException(report, bug);
        }

        return report;
    }

    ILanguageModel OpenBase(ComputeOptions compute, ContentCache? cache) => _config.BaseRemote is { } remote
        ? RemoteLanguageModel.Open(remote, _log, cache)
        : new TorchLanguageModel(ModelLoader.Load(_config.Base, _config.Tokenizer, compute));

    ILanguageModel OpenTuned(ComputeOptions compute, ContentCache? cache) => _config.TunedRemote is { } remote
        ? RemoteLanguageModel.Open(remote, _log, cache)
        : new TorchLanguageModel(ModelLoader.LoadTuned(_config.Tuned, _config.Base, _config.Tokenizer, compute));

    /// <summary>
    /// The L_f section of the report. An exact L_f is judged by <see cref="ForgettingPolicy"/>; a bounded one (a server
    /// that cannot return the tuned log-probabilities L_f needs) fails only when its lower bound already fails, and
    /// otherwise is reported as not decided, never as a pass on an approximate number.
    /// </summary>
    static ForgettingReport ForgettingReportOf(ForgettingResult measured, GateForgetting block, ForgettingLaw? law, (double P, double N) scale)
    {
        ForgettingVerdict verdict;
        if (measured.Bounds is { } bounds)
        {
            var atLower = ForgettingPolicy.Decide(bounds.Lower, law, block.Budget, block.Tolerance, scale.P, scale.N);
            verdict = atLower.Outcome == ForgettingOutcome.Fail
                ? atLower with { Reason = $"{atLower.Reason} (at the lower bound {bounds.Lower.ToString("F4", CultureInfo.InvariantCulture)} of a bounded L_f)" }
                : atLower with
                {
                    Outcome = ForgettingOutcome.Fail,
                    Reason = string.Create(CultureInfo.InvariantCulture, $"L_f is only bounded, {bounds.Lower:F4} ≤ L_f ≤ {bounds.Upper:F4}: {bounds.Reason}; the gate cannot pass on a bound (serve the models with `regressionguard serve` for an exact L_f)"),
                };
        }
        else
        {
            verdict = ForgettingPolicy.Decide(measured.Lf, law, block.Budget, block.Tolerance, scale.P, scale.N);
        }

        return new ForgettingReport(block.Corpus, measured.Lf, measured.BaseEntropy, measured.Kl, measured.TopOneAgreement, measured.PredictedTokens,
            measured.Documents, verdict, law?.Form.ToString().ToLowerInvariant(), Curve(law, scale.P, scale.N))
        {
            LfLower = measured.Bounds?.Lower,
            LfUpper = measured.Bounds?.Upper,
            Bounds = measured.Bounds?.Reason,
        };
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

        if (_config.TunedRemote is not null)
        {
            throw new LawException($"{_config.File}: forgetting.p and forgetting.n are needed when the tuned model is served ({_config.Tuned}): P and N are read from a local checkpoint's metadata otherwise");
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
