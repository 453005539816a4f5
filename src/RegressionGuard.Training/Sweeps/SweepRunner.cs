using System.Text.Json;
using RegressionGuard.Comparison;
using RegressionGuard.Corpora;
using RegressionGuard.Diagnostics;
using RegressionGuard.Forgetting;
using RegressionGuard.Ledger;
using RegressionGuard.Modeling;
using RegressionGuard.Suites.Evaluation;
using RegressionGuard.Suites.Items;
using RegressionGuard.Suites.Loading;
using RegressionGuard.Torch.Diagnostics;
using RegressionGuard.Torch.Forgetting;
using RegressionGuard.Torch.Runtime;

namespace RegressionGuard.Training.Sweeps;

/// <summary>
/// Runs a sweep into the ledger. For every run and every N of the grid the ledger gets one row (cell
/// "run@N=n"): P, N, L_ft (held-out fine-tuning loss at that checkpoint), L_f, H and KL on the corpus, timing and
/// optional suite metrics, and the cheap forgetting signals: KL(base ‖ tuned) on the fine-tuning data (<c>kl_train</c>,
/// on <see cref="KlTrainPassages"/> passages of at most <see cref="KlTrainPassageChars"/> characters, each cut to the
/// context) and the weight-space diagnostics of <see cref="WeightDiagnostics"/> (‖ΔW‖_F, mean stable rank, intruders
/// at ε 0.5 among the top 10 directions). Resumable: cells already in the ledger are skipped, complete checkpoints that lack a row
/// are measured first, and training resumes from the run's last saved state — so killing the process and running
/// it again completes the grid with no duplicate and no missing row. Rows are appended one transaction each.
/// </summary>
public sealed class SweepRunner
{
    readonly SweepConfig _config;
    readonly Action<string> _log;

    public SweepRunner(SweepConfig config, Action<string>? log = null)
    {
        _config = config;
        _log = log ?? (_ => { });
    }

    public static string Cell(string run, int n) => LedgerRow.DefaultCell(run, n);

    /// <summary>How many passages of the fine-tuning data <c>kl_train</c> is measured on.</summary>
    public const int KlTrainPassages = 64;

    /// <summary>The longest passage (characters) of the fine-tuning data that <c>kl_train</c> uses.</summary>
    public const int KlTrainPassageChars = 2000;

    /// <summary>The diagnostics recorded per checkpoint: intruders among the top 10 directions at ε 0.5.</summary>
    public static DiagnoseOptions Diagnostics { get; } = new(TopK: 10, Epsilons: [0.5]);

    /// <summary>The first <see cref="KlTrainPassages"/> passages of the documents, each document cut into pieces of at most <see cref="KlTrainPassageChars"/> characters.</summary>
    public static IReadOnlyList<string> Passages(IEnumerable<string> documents) =>
        documents.SelectMany(d => d.Chunk(KlTrainPassageChars).Select(c => new string(c))).Where(p => p.Trim().Length > 0).Take(KlTrainPassages).ToList();

    public void Run()
    {
        var c = _config;
        using var ledger = LedgerStore.Open(c.Ledger);
        var pending = c.Runs.Where(r => c.Steps.Any(n => !ledger.Contains(Cell(r.Name, n)))).ToList();
        _log($"sweep {Path.GetFileName(c.File)}: {c.Runs.Count} runs × {c.Steps.Count} steps; {c.Runs.Count - pending.Count} runs already complete in {c.Ledger}");
        if (pending.Count == 0)
        {
            return;
        }

        var documents = CorpusReader.Read(c.Corpus).Select(d => d.Text).ToArray();
        var options = new RollingOptions(c.Truncate);
        using var baseModel = TorchLanguageModel.Load(c.Model);
        ILanguageModel reader = baseModel;
        var reference = reader.NextTokenDistributions(documents, options, null);
        var trainReference = reader.NextTokenDistributions(Passages(CorpusReader.Read(c.KlTrainData ?? c.Data).Select(d => d.Text)), new RollingOptions(Truncate: true), null);
        var corpusHash = CachedEvaluation.Sha256(string.Join('\u0000', documents));
        var suites = c.Suites.Select(s => SuiteLoader.Load(s)).Select(s => (Suite: s, Items: SuiteItemBuilder.Build(s))).ToList();
        // the suites' too-long policies against the model before any training (checkpoints share its tokenizer and
        // context): truncate: error stops here, naming every row of every suite
        var tooLong = suites.SelectMany(s => Suites.Lengths.PromptLengths.ForModel(s.Suite, s.Items, baseModel)?.Errors ?? []).ToList();
        if (tooLong.Count > 0)
        {
            throw new Suites.SuiteValidationException(tooLong);
        }

        foreach (var run in pending)
        {
            var runDir = Path.Combine(c.Out, run.Name);
            // checkpoints written before an interruption but not yet measured
            foreach (var n in c.Steps.Where(n => !ledger.Contains(Cell(run.Name, n))))
            {
                var folder = Path.Combine(runDir, $"checkpoint-{n}");
                if (Directory.Exists(folder) && ReadCheckpoint(folder) is { } saved)
                {
                    Record(ledger, run, saved, reference, trainReference, baseModel, suites, corpusHash);
                }
            }
            if (c.Steps.All(n => ledger.Contains(Cell(run.Name, n))))
            {
                continue;
            }

            _log($"run {run.Name} ({run.Options.Method.ToString().ToLowerInvariant()}): training to N = {run.Options.Steps}");
            var tuner = new FineTuner(run.Options)
            {
                OnCheckpoint = checkpoint =>
                {
                    if (!ledger.Contains(Cell(run.Name, checkpoint.Step)))
                    {
                        Record(ledger, run, checkpoint, reference, trainReference, baseModel, suites, corpusHash);
                    }
                },
            };
            tuner.Run(c.Model, c.Data, runDir, resume: true);
        }
    }

    /// <summary>P, N, L_ft and wall time of a finished checkpoint, from its RegressionGuard metadata.</summary>
    static TrainedCheckpoint? ReadCheckpoint(string folder)
    {
        var meta = Path.Combine(folder, FineTuner.MetadataFile);
        JsonElement root;
        if (File.Exists(meta))
        {
            root = JsonDocument.Parse(File.ReadAllText(meta)).RootElement;
        }
        else if (File.Exists(Path.Combine(folder, "adapter_config.json"))
                 && JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "adapter_config.json"))).RootElement.TryGetProperty("regressionguard", out var rg))
        {
            root = rg;
        }
        else
        {
            return null;
        }

        double lft = root.GetProperty("l_ft").ValueKind == JsonValueKind.Number ? root.GetProperty("l_ft").GetDouble() : double.NaN;
        return new TrainedCheckpoint(folder, root.GetProperty("N").GetInt32(), root.GetProperty("P").GetInt64(), lft, root.GetProperty("wall_seconds").GetDouble());
    }

    void Record(LedgerStore ledger, SweepRun run, TrainedCheckpoint checkpoint, BaseDistributions reference, BaseDistributions trainReference,
        TorchLanguageModel baseModel, IReadOnlyList<(Suites.SuiteDefinition Suite, IReadOnlyList<SuiteItem> Items)> suites, string corpusHash)
    {
        // An adapter is loaded unmerged so its factors can be diagnosed, then merged exactly as LoadTuned merges it.
        using var tuned = new TorchLanguageModel(ModelLoader.LoadTuned(checkpoint.Path, _config.Model, merge: false));
        var diagnostics = WeightDiagnostics.Of(baseModel.Model.Transformer, tuned.Model.Transformer, Diagnostics);
        WeightDiagnostics.MergeBranches(tuned.Model.Transformer);

        ILanguageModel model = tuned;
        var forgetting = model.CrossEntropyAgainst(reference);
        var onTrainData = model.CrossEntropyAgainst(trainReference);
        var metrics = new Dictionary<string, double>();
        var paired = new PairedEvaluation(suites.Select(s => s.Suite).ToList(), suites.Select(s => s.Items).ToList(), cache: null);
        for (int i = 0; i < suites.Count; i++)
        {
            foreach (var (name, value) in paired.EvaluateTuned(i, model).Metrics)
            {
                metrics[$"{suites[i].Suite.Id}/{name}"] = value.Value;
            }
        }

        var row = new LedgerRow
        {
            Run = run.Name,
            Cell = Cell(run.Name, checkpoint.Step),
            Method = run.Options.Method.ToString().ToLowerInvariant(),
            P = checkpoint.P,
            N = checkpoint.Step,
            LFt = checkpoint.LFt ?? double.NaN,
            Lf = forgetting.Lf,
            BaseEntropy = forgetting.BaseEntropy,
            Kl = forgetting.Kl,
            Seconds = checkpoint.WallSeconds,
            SecondsPerStep = checkpoint.WallSeconds / checkpoint.Step,
            TrainTokens = (long)checkpoint.Step * run.Options.BatchSize * run.Options.GradientAccumulation * run.Options.SeqLen,
            KlTrain = onTrainData.Kl,
            DeltaFrobenius = diagnostics.TotalFrobenius,
            DeltaStableRank = diagnostics.MeanStableRank,
            Intruders = diagnostics.TotalIntruders[0],
            Metrics = metrics,
            Config = JsonSerializer.Serialize(run.Options, new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower }),
            Corpus = corpusHash,
            Model = baseModel.Description.ContentHash(),
            CreatedUtc = DateTimeOffset.UtcNow,
        };
        ledger.Append(row);
        _log(FormattableString.Invariant($"  {row.Cell}: P {row.P:N0}, L_ft {row.LFt:F4}, L_f {row.Lf:F4} (KL {row.Kl:F4}), KL on the fine-tuning data {row.KlTrain:F4}, ‖ΔW‖_F {row.DeltaFrobenius:F3}, {row.Intruders} intruders, {row.SecondsPerStep * 1000:F0} ms/step"));
    }
}
