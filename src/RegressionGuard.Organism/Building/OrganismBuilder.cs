using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using RegressionGuard.Law;
using RegressionGuard.Ledger;
using RegressionGuard.Organism.Data;
using RegressionGuard.Torch.Tokenization;
using RegressionGuard.Training;
using RegressionGuard.Training.Methods;
using RegressionGuard.Training.Sweeps;

namespace RegressionGuard.Organism.Building;

/// <summary>Progress of a long build stage: <c>(stage, done, total)</c>.</summary>
public delegate void BuildProgress(string stage, int done, int total);

/// <summary>
/// Builds an organism folder from a recipe: data and suites, tokenizer, the base model trained from scratch, the
/// two LoRA candidates, the sweep, the fitted law and the gate configs, and a manifest with every file's SHA-256.
/// Long stages (training, sweep) keep their state in a work folder and are skipped when already complete for the
/// same recipe, so an interrupted build continues where it stopped.
/// </summary>
public sealed class OrganismBuilder
{
    readonly OrganismRecipe _recipe;
    readonly string _out;
    readonly string _work;
    readonly Action<string> _log;
    readonly BuildProgress _progress;
    readonly string _fingerprint;

    public OrganismBuilder(OrganismRecipe recipe, string outFolder, string workFolder, Action<string>? log = null, BuildProgress? progress = null)
    {
        var errors = recipe.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException("invalid organism recipe: " + string.Join("; ", errors));
        }

        _recipe = recipe;
        _out = Path.GetFullPath(outFolder);
        _work = Path.GetFullPath(workFolder);
        _log = log ?? (_ => { });
        _progress = progress ?? ((_, _, _) => { });
        _fingerprint = Fingerprint(recipe);
    }

    /// <summary>SHA-256 of the recipe's JSON (first 16 hex digits): names the cached organism.</summary>
    public static string Fingerprint(OrganismRecipe recipe) => Hash(JsonSerializer.Serialize(recipe));

    static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..16];

    /// <summary>
    /// What a stage's output depends on: the base, on everything but the candidates, the sweep and the budget; a
    /// candidate or the sweep, on the base and its own settings. Changing a candidate does not retrain the base.
    /// </summary>
    string StageFingerprint(string stage)
    {
        var baseOnly = Fingerprint(_recipe with
        {
            Mild = OrganismRecipe.Default.Mild,
            Aggressive = OrganismRecipe.Default.Aggressive,
            SweepRuns = Array.Empty<CandidateRecipe>(),
            SweepSteps = Array.Empty<int>(),
            KlBudget = 0,
        });
        return stage switch
        {
            "base" => baseOnly,
            "sweep" => Hash(baseOnly + JsonSerializer.Serialize(_recipe.SweepRuns) + JsonSerializer.Serialize(_recipe.SweepSteps)),
            _ => Hash(baseOnly + JsonSerializer.Serialize(stage == _recipe.Mild.Name ? _recipe.Mild : _recipe.Aggressive)),
        };
    }

    string ModelsFolder => Path.Combine(_out, OrganismFiles.ModelsFolder);
    string BaseFolder => Path.Combine(ModelsFolder, OrganismFiles.Base);
    string DataFolder => Path.Combine(_out, OrganismFiles.DataFolder);

    public void Build()
    {
        Directory.CreateDirectory(_out);
        Directory.CreateDirectory(_work);
        var started = DateTimeOffset.UtcNow;

        _log("generating the world, the training text and the held-out evaluation items");
        var data = OrganismData.Generate(_recipe);
        data.Write(DataFolder);
        OrganismSuites.Write(_out);
        _log($"  {data.World.People.Count} people, {data.Pretraining.Count} training documents, {data.Knowledge.Count} knowledge / {data.Reasoning.Count} reasoning / {data.Refusal.Count} refusal items, {data.ForgettingCorpus.Count} corpus stories, {data.Downstream.Count} downstream recipes");

        Stage("base", () => TrainBase(data));
        foreach (var candidate in new[] { _recipe.Mild, _recipe.Aggressive })
        {
            Stage(candidate.Name, () => TrainCandidate(candidate));
        }

        Stage("sweep", RunSweep);
        WriteGateConfigs();
        OrganismManifest.Write(_out, _recipe, _fingerprint, DateTimeOffset.UtcNow - started);
        _log($"organism written to {_out}");
    }

    void Stage(string name, Action action)
    {
        var marker = Path.Combine(_work, name + ".done");
        var fingerprint = StageFingerprint(name);
        if (File.Exists(marker) && File.ReadAllText(marker) == fingerprint)
        {
            _log($"{name}: already built for this recipe ({marker})");
            return;
        }
        if (File.Exists(marker))
        {
            File.Delete(marker);
        }
        // a stage's work folder holds resumable state only for the settings that started it
        var started = Path.Combine(_work, name + ".started");
        var folder = Path.Combine(_work, name == "base" ? "base-run" : name);
        if (!(File.Exists(started) && File.ReadAllText(started) == fingerprint) && Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }

        File.WriteAllText(started, fingerprint);
        action();
        File.WriteAllText(marker, fingerprint);
    }

    /// <summary>Tokenizer trained on the pre-training text, a seeded random initialisation, then full training from it.</summary>
    void TrainBase(OrganismData data)
    {
        var r = _recipe;
        var tokenizerFile = Path.Combine(_work, "tokenizer.json");
        BpeTrainer.Train(data.Pretraining, new BpeTrainerOptions(r.VocabSize), tokenizerFile);
        var init = Path.Combine(_work, "init");
        ModelInitializer.Write(r, tokenizerFile, init, r.Seed);
        var options = new FineTuneOptions
        {
            Method = FineTuningMethod.Full,
            TrainEmbeddings = true,
            Steps = r.BaseSteps,
            BatchSize = r.BaseBatchSize,
            SeqLen = r.SeqLen,
            LearningRate = r.BaseLearningRate,
            WarmupSteps = r.BaseWarmup,
            Schedule = "cosine",
            Seed = (int)(r.Seed % int.MaxValue),
            SaveEvery = Math.Max(1, r.BaseSteps / 8),
            EvalEvery = Math.Max(1, r.BaseSteps / 20),
            EvalFraction = 0.02,
        };
        _log($"base: training a {r.Layers}-layer, {r.HiddenSize}-wide Llama from scratch for {r.BaseSteps} steps of {r.BaseBatchSize}×{r.SeqLen} tokens");
        var run = Path.Combine(_work, "base-run");
        var trainer = new FineTuner(options, entry =>
        {
            _progress("base", entry.Step, r.BaseSteps);
            if (entry.LFt is double lft)
            {
                _log(string.Create(CultureInfo.InvariantCulture, $"  step {entry.Step}/{r.BaseSteps}: train loss {entry.TrainLoss:F4}, held-out loss {lft:F4}, {entry.WallSeconds:F0} s"));
            }
        });
        var last = trainer.Run(init, Path.Combine(DataFolder, OrganismFiles.Pretraining), run, resume: true).Select(c => c.Path).DefaultIfEmpty(Path.Combine(run, $"checkpoint-{r.BaseSteps}")).Last();
        if (Directory.Exists(BaseFolder))
        {
            Directory.Delete(BaseFolder, recursive: true);
        }

        Directory.CreateDirectory(BaseFolder);
        foreach (var file in new[] { "config.json", "model.safetensors", "tokenizer.json" })
        {
            File.Copy(Path.Combine(last, file), Path.Combine(BaseFolder, file));
        }
    }

    static FineTuneOptions LoraOptions(CandidateRecipe c, OrganismRecipe r) => new()
    {
        Method = FineTuningMethod.Lora,
        LoraRank = c.Rank,
        LoraAlpha = c.Alpha,
        LoraTargets = c.Targets,
        LearningRate = c.LearningRate,
        Steps = c.Steps,
        BatchSize = c.BatchSize,
        SeqLen = r.SeqLen,
        Seed = (int)(r.Seed % int.MaxValue),
        EvalEvery = 0,
        EvalFraction = 0.05,
    };

    void TrainCandidate(CandidateRecipe c)
    {
        _log($"{c.Name}: LoRA r={c.Rank} on {string.Join(",", c.Targets)}, lr {c.LearningRate.ToString(CultureInfo.InvariantCulture)}, {c.Steps} steps on the downstream recipes");
        var run = Path.Combine(_work, c.Name);
        var trainer = new FineTuner(LoraOptions(c, _recipe), entry => _progress(c.Name, entry.Step, c.Steps));
        var last = trainer.Run(BaseFolder, Path.Combine(DataFolder, OrganismFiles.Downstream), run, resume: false)[^1].Path;
        var target = Path.Combine(ModelsFolder, c.Name);
        if (Directory.Exists(target))
        {
            Directory.Delete(target, recursive: true);
        }

        Directory.CreateDirectory(target);
        File.Copy(Path.Combine(last, "adapter_model.safetensors"), Path.Combine(target, "adapter_model.safetensors"));
        // the adapter names its base relative to itself, so the organism folder can move
        var config = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(last, "adapter_config.json")))!.AsObject();
        config["base_model_name_or_path"] = "../" + OrganismFiles.Base;
        if (config["regressionguard"] is System.Text.Json.Nodes.JsonObject meta)
        {
            meta.Remove("wall_seconds");
            meta["base_model"] = "../" + OrganismFiles.Base;
        }
        File.WriteAllText(Path.Combine(target, "adapter_config.json"), config.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
    }

    void RunSweep()
    {
        var sweepFile = Path.Combine(_out, OrganismFiles.SweepConfig);
        OrganismSuites.WriteSweep(sweepFile, _recipe);
        var sweepWork = Path.Combine(_work, "sweep");
        var config = SweepConfig.Load(sweepFile) with { Ledger = Path.Combine(sweepWork, "ledger.db"), Out = Path.Combine(sweepWork, "runs") };
        new SweepRunner(config, line => _log("  " + line.Trim())).Run();
        var rows = LedgerFile.Load(config.Ledger);
        LedgerCsv.Export(rows, Path.Combine(_out, OrganismFiles.Ledger));
        var fit = LawFitter.Fit(rows, "auto");
        LawFile.Save(fit, Path.Combine(_out, OrganismFiles.Law), LawProvenance.Now(LedgerHash.Of(rows)));
        _log(string.Create(CultureInfo.InvariantCulture, $"law: {fit.Form.ToString().ToLowerInvariant()} form fitted to {rows.Count} ledger rows"));
    }

    void WriteGateConfigs()
    {
        var rows = LedgerCsv.Import(Path.Combine(_out, OrganismFiles.Ledger));
        var entropy = rows.Select(r => r.BaseEntropy).OfType<double>().First(h => !double.IsNaN(h));
        var budget = Math.Ceiling((entropy + _recipe.KlBudget) * 1000) / 1000;
        foreach (var c in new[] { _recipe.Mild, _recipe.Aggressive })
        {
            OrganismSuites.WriteGateConfig(Path.Combine(_out, OrganismFiles.GateConfig(c.Name)), c.Name, budget, entropy, _recipe.KlBudget);
        }
    }
}
