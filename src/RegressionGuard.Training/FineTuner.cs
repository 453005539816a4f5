using System.Diagnostics;
using System.Text.Json;
using RegressionGuard.Torch.Adapters;
using RegressionGuard.Torch.Checkpoints;
using RegressionGuard.Torch.Runtime;
using RegressionGuard.Training.Data;
using RegressionGuard.Training.Methods;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RegressionGuard.Training;

/// <summary>One line of <c>train_log.jsonl</c>.</summary>
public sealed record TrainLogEntry(int Step, double TrainLoss, double LearningRate, double? LFt, long TokensSeen, double WallSeconds);

/// <summary>A checkpoint written by a run: its folder, P (trainable non-embedding parameters) and N (optimizer steps).</summary>
public sealed record TrainedCheckpoint(string Path, int Step, long P, double? LFt, double WallSeconds);

/// <summary>
/// Fine-tunes a model with one of <see cref="FineTuningMethod"/> and writes checkpoints that the forgetting and
/// compare commands load: PEFT adapter folders (LoRA, I-LoRA: the slow learner) or HF folders (full, HFT), each with
/// P and N in its metadata. AdamW, warmup then constant/cosine/linear decay, gradient clipping and accumulation.
/// Every random choice of step s (batch rows, replay rows, dropout) derives from (seed, s), so <c>resume</c> from
/// the last checkpoint continues exactly as an uninterrupted run.
/// </summary>
public sealed class FineTuner
{
    public const string LogFile = "train_log.jsonl";
    public const string StateFolder = "trainer_state";
    public const string MetadataFile = "regressionguard.json";

    readonly FineTuneOptions _options;
    readonly Action<TrainLogEntry>? _onStep;

    /// <summary>Called after each checkpoint (and the trainer state with it) is on disk.</summary>
    public Action<TrainedCheckpoint>? OnCheckpoint { get; init; }

    /// <summary>For tests: the in-training model and its trainable parameters at each checkpoint.</summary>
    internal Action<TrainedCheckpoint, Torch.Models.Shared.ICausalTransformer, IReadOnlyList<Parameter>>? OnCheckpointInternals { get; init; }

    /// <summary>Where repairs made on resume are reported (a torn log line, a trainer state recovered after a kill).</summary>
    public Action<string> OnWarning { get; init; } = message => Console.Error.WriteLine($"warning: {message}");

    public FineTuner(FineTuneOptions options, Action<TrainLogEntry>? onStep = null)
    {
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join("; ", errors));
        }

        _options = options;
        _onStep = onStep;
    }

    public IReadOnlyList<TrainedCheckpoint> Run(string modelPath, string dataPath, string outDir, bool resume = false)
    {
        var o = _options;
        Directory.CreateDirectory(outDir);
        using var model = ModelLoader.Load(modelPath, null, new ComputeOptions { DType = o.DType, BatchSize = o.BatchSize });
        var all = TrainingData.Load(dataPath, model.Tokenizer, o.SeqLen);
        var (train, eval) = o.EvalData is null
            ? TrainingData.Split(all, o.EvalFraction, o.Seed)
            : (all, TrainingData.Load(o.EvalData, model.Tokenizer, o.SeqLen));
        if (train.Count == 0)
        {
            throw new InvalidDataException($"{dataPath}: too little text for one training sequence of {o.SeqLen + 1} tokens");
        }

        var replay = o.ReplayData is null ? null : TrainingData.Load(o.ReplayData, model.Tokenizer, o.SeqLen);

        var setup = Setup(model);
        foreach (var p in model.Transformer.Module.parameters())
        {
            p.requires_grad = false;
        }

        foreach (var p in setup.Trainable)
        {
            p.requires_grad = true;
        }

        using var optimizer = optim.AdamW(setup.Trainable, o.LearningRate, o.Beta1, o.Beta2, 1e-8, o.WeightDecay);

        int startStep = 0;
        double previousWall = 0;
        var stateDir = Path.Combine(outDir, StateFolder);
        var logPath = Path.Combine(outDir, LogFile);
        if (resume && RecoverState(stateDir, OnWarning))
        {
            (startStep, previousWall) = Restore(setup, optimizer, stateDir, logPath);
        }
        else if (resume && File.Exists(logPath) && new FileInfo(logPath).Length > 0)
        {
            // A log without any complete trainer state: never silently start again from step 0.
            throw new InvalidDataException(
                $"{outDir}: {LogFile} records training steps but there is no complete {StateFolder} to resume from; move the folder away (or delete it) to train from step 0");
        }
        else if (File.Exists(logPath))
        {
            File.Delete(logPath);
        }

        var checkpoints = new List<TrainedCheckpoint>();
        var clock = Stopwatch.StartNew();
        long tokensPerStep = (long)o.BatchSize * o.GradientAccumulation * o.SeqLen;
        for (int step = startStep + 1; step <= o.Steps; step++)
        {
            double lr = LearningRate(step);
            foreach (var group in optimizer.ParamGroups)
            {
                group.LearningRate = lr;
            }

            model.Transformer.Module.train();
            setup.Adapter?.SetTraining(true);
            double loss = 0;
            for (int micro = 0; micro < o.GradientAccumulation; micro++)
            {
                loss += MicroStep(model, setup, train, replay, step, micro) / o.GradientAccumulation;
            }

            // a scope around the update: TorchSharp's gradient accessors inside clip/step/zero_grad return tensor
            // wrappers nobody disposes (one per trainable parameter per step; found by TensorLeakTests)
            using (NewDisposeScope())
            {
                if (o.GradClip > 0)
                {
                    nn.utils.clip_grad_norm_(setup.Trainable, o.GradClip);
                }

                optimizer.step();
                optimizer.zero_grad();
                setup.AfterStep?.Invoke();
            }

            bool save = step == o.Steps || (o.SaveEvery > 0 && step % o.SaveEvery == 0) || o.SaveSteps.Contains(step);
            double? lft = save || (o.EvalEvery > 0 && step % o.EvalEvery == 0) ? EvalLoss(model, setup, eval) : null;
            double wall = previousWall + clock.Elapsed.TotalSeconds;
            var entry = new TrainLogEntry(step, loss, lr, lft, step * tokensPerStep, wall);
            File.AppendAllText(logPath, JsonSerializer.Serialize(entry, LogJson) + "\n");
            _onStep?.Invoke(entry);
            if (save)
            {
                var folder = Path.Combine(outDir, $"checkpoint-{step}");
                SaveCheckpoint(model, setup, folder, step, lft, wall, modelPath);
                SaveState(setup, optimizer, stateDir, step, wall);
                var checkpoint = new TrainedCheckpoint(folder, step, setup.P, lft, wall);
                checkpoints.Add(checkpoint);
                OnCheckpointInternals?.Invoke(checkpoint, model.Transformer, setup.Trainable);
                OnCheckpoint?.Invoke(checkpoint);
            }
        }
        return checkpoints;
    }

    static readonly JsonSerializerOptions LogJson = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>Warmup (linear from lr/warmup to lr), then constant, cosine to 0 or linear to 0 by the last step.</summary>
    public double LearningRate(int step)
    {
        var o = _options;
        if (o.WarmupSteps > 0 && step <= o.WarmupSteps)
        {
            return o.LearningRate * step / o.WarmupSteps;
        }

        double progress = o.Steps == o.WarmupSteps ? 1 : (double)(step - o.WarmupSteps) / (o.Steps - o.WarmupSteps);
        return o.Schedule switch
        {
            "cosine" => o.LearningRate * 0.5 * (1 + Math.Cos(Math.PI * progress)),
            "linear" => o.LearningRate * (1 - progress),
            _ => o.LearningRate,
        };
    }

    // ------------------------------------------------------------------ methods

    sealed class MethodSetup
    {
        public required List<Parameter> Trainable { get; init; }
        public required long P { get; init; }
        public LoraAdapter? Adapter { get; init; }
        public HalfFineTuningSelection? Selection { get; init; }
        /// <summary>I-LoRA: the slow learner's copy of every adapter weight, in adapter order.</summary>
        public List<Tensor>? Slow { get; init; }
        public Action? AfterStep { get; set; }
    }

    MethodSetup Setup(LoadedModel model)
    {
        var o = _options;
        var family = model.Transformer.Family;
        bool IsEmbedding(string name) => family.IsEmbedding(name);
        var named = model.Transformer.Module.named_parameters().ToList();
        switch (o.Method)
        {
            case FineTuningMethod.Full:
                {
                    var trainable = named.Where(p => o.TrainEmbeddings || !IsEmbedding(p.name)).ToList();
                    return new MethodSetup { Trainable = trainable.Select(p => p.parameter).ToList(), P = trainable.Where(p => !IsEmbedding(p.name)).Sum(p => p.parameter.NumberOfElements) };
                }
            case FineTuningMethod.Hft:
                {
                    var selection = HalfFineTuningSelection.Choose(named.Select(p => p.name).ToList(), o.Seed, new HalfFineTuningOptions { TrainEmbeddings = o.TrainEmbeddings }, family.HalfFineTuning);
                    var chosen = selection.Trainable.ToHashSet(StringComparer.Ordinal);
                    var trainable = named.Where(p => chosen.Contains(p.name)).ToList();
                    return new MethodSetup { Trainable = trainable.Select(p => p.parameter).ToList(), P = trainable.Where(p => !IsEmbedding(p.name)).Sum(p => p.parameter.NumberOfElements), Selection = selection };
                }
            default:
                {
                    var config = new LoraConfig
                    {
                        R = o.LoraRank,
                        LoraAlpha = o.LoraAlpha,
                        LoraDropout = o.LoraDropout,
                        TargetModules = JsonSerializer.SerializeToElement(o.LoraTargets),
                        BaseModelNameOrPath = model.Path,
                    };
                    var adapter = LoraAdapter.Create(model.Transformer, config, o.Seed);
                    var setup = new MethodSetup
                    {
                        Trainable = adapter.Parameters().ToList(),
                        P = adapter.TrainableParameters,
                        Adapter = adapter,
                        Slow = o.Method == FineTuningMethod.ILora ? adapter.Parameters().Select(p => p.detach().clone()).ToList() : null,
                    };
                    if (setup.Slow is { } slow)
                    {
                        setup.AfterStep = () => Ema.Update(slow.Zip(setup.Trainable, (s, f) => (s, (Tensor)f)), o.EmaLambda);
                    }

                    return setup;
                }
        }
    }

    /// <summary>Runs <paramref name="action"/> with the slow learner's weights in the adapter (I-LoRA), restoring the fast ones after.</summary>
    static T WithSlowWeights<T>(MethodSetup setup, Func<T> action)
    {
        if (setup.Slow is null)
        {
            return action();
        }

        // the detached views are disposed here: outside a dispose scope (evaluation, saving) they would outlive the call
        var fast = setup.Trainable.Select(p =>
        {
            using var view = p.detach();
            return view.clone();
        }).ToList();
        using (no_grad())
        {
            for (int i = 0; i < fast.Count; i++)
            {
                setup.Trainable[i].copy_(setup.Slow[i]);
            }
        }

        try
        {
            return action();
        }
        finally
        {
            using (no_grad())
            {
                for (int i = 0; i < fast.Count; i++)
                {
                    setup.Trainable[i].copy_(fast[i]);
                }
            }

            foreach (var t in fast)
            {
                t.Dispose();
            }
        }
    }

    // ------------------------------------------------------------------ steps

    (Tensor Input, Tensor Target, Tensor Mask) Batch(IReadOnlyList<TrainingSequence> source, IEnumerable<int> rows, Device device)
    {
        var picked = rows.Select(r => source[r]).ToList();
        int b = picked.Count, t = _options.SeqLen;
        var input = new long[b * t];
        var target = new long[b * t];
        var mask = new float[b * t];
        for (int i = 0; i < b; i++)
        {
            for (int j = 0; j < t; j++)
            {
                input[i * t + j] = picked[i].Input[j];
                target[i * t + j] = picked[i].Target[j];
                mask[i * t + j] = picked[i].Mask[j] ? 1 : 0;
            }
        }

        return (tensor(input, new long[] { b, t }, device: device), tensor(target, new long[] { b, t }, device: device), tensor(mask, new long[] { b, t }, device: device));
    }

    /// <summary>Mean cross-entropy over masked targets, reduced in fp32. logits (B, T, V), target and mask (B, T).</summary>
    public static Tensor MaskedCrossEntropy(Tensor logits, Tensor target, Tensor mask)
    {
        var logProbs = logits.log_softmax(-1, ScalarType.Float32);                   // (B, T, V)
        var picked = logProbs.gather(-1, target.unsqueeze(-1)).squeeze(-1);         // (B, T)
        return -(picked * mask).sum() / mask.sum().clamp_min(1);
    }

    double MicroStep(LoadedModel model, MethodSetup setup, IReadOnlyList<TrainingSequence> train, IReadOnlyList<TrainingSequence>? replay, int step, int micro)
    {
        using var scope = NewDisposeScope();
        var o = _options;
        manual_seed(unchecked((long)StepRandom.Hash(o.Seed, step, micro + 1_000_000)));
        var rows = Enumerable.Range(0, o.BatchSize).Select(j => StepRandom.Index(o.Seed, step, (long)micro * o.BatchSize + j, train.Count));
        var (input, target, mask) = Batch(train, rows, model.Device);
        int t = o.SeqLen;
        var positions = arange(t, device: model.Device).unsqueeze(0);
        if (replay is null || setup.Slow is null)
        {
            var logits = model.Transformer.Forward(input, positions.expand(input.shape[0], t), null, null);  // (B, T, V)
            var loss = MaskedCrossEntropy(logits, target, mask);
            loss.backward();
            return loss.item<float>();
        }

        // I-LoRA: current batch + an equal number of replayed sequences from the reservoir, consistency on the replayed part.
        var replayRows = ReplayRows(replay.Count, step, micro);
        var (rInput, rTarget, rMask) = Batch(replay, replayRows, model.Device);
        var allInput = cat(new[] { input, rInput }, 0);                                        // (2B, T)
        var allTarget = cat(new[] { target, rTarget }, 0);
        var allMask = cat(new[] { mask, rMask }, 0);
        // The slow learner's hidden states come first: swapping its weights in after the fast forward would modify
        // tensors autograd saved for the backward pass.
        var slowLayers = WithSlowWeights(setup, () =>
        {
            using var noGrad = no_grad();
            var recorded = new List<Tensor>();
            model.Transformer.LayerOutputs = recorded;
            try { model.Transformer.ForwardHidden(rInput, positions.expand(rInput.shape[0], t), null, null); }
            finally { model.Transformer.LayerOutputs = null; }
            return recorded;
        });
        var fastLayers = new List<Tensor>();
        model.Transformer.LayerOutputs = fastLayers;
        Tensor hidden;
        try { hidden = model.Transformer.ForwardHidden(allInput, positions.expand(allInput.shape[0], t), null, null); }
        finally { model.Transformer.LayerOutputs = null; }
        var ce = MaskedCrossEntropy(model.Transformer.Head(hidden), allTarget, allMask);
        long b = input.shape[0];
        var fastReplay = fastLayers.Select(h => h.narrow(0, b, rInput.shape[0])).ToList();
        if (o.ConsistencyLayers == "last")
        {
            fastReplay = fastReplay.TakeLast(1).ToList();
            slowLayers = slowLayers.TakeLast(1).ToList();
        }
        var consistency = Ema.ConsistencyLoss(fastReplay, slowLayers, onlyWhereSlowExceedsFast: true);
        var total = ce + consistency * o.ConsistencyWeight;
        total.backward();
        return total.item<float>();
    }

    /// <summary>
    /// Replay rows for step s: a reservoir (Algorithm R, capacity = replay buffer size) fed with batch-size replay
    /// sequences per step in corpus order; rebuilt from its seed on resume, so it is a pure function of (seed, step).
    /// </summary>
    List<int> ReplayRows(int replayCount, int step, int micro)
    {
        var o = _options;
        var buffer = new ReplayBuffer<int>(o.ReplayBufferSize, o.Seed);
        long fed = (long)(step - 1) * o.GradientAccumulation * o.BatchSize + (long)micro * o.BatchSize + o.BatchSize;
        for (long i = 0; i < fed; i++)
        {
            buffer.Add((int)(i % replayCount));
        }
        // Sample without replacement with a (seed, step, micro)-derived stream: a different draw every step.
        var kept = buffer.Items.ToList();
        var rows = new List<int>(o.BatchSize);
        for (int j = 0; j < o.BatchSize && kept.Count > 0; j++)
        {
            int at = StepRandom.Index(o.Seed ^ 0x2F1E, step, (long)micro * o.BatchSize + j, kept.Count);
            rows.Add(kept[at]);
            kept.RemoveAt(at);
        }
        return rows;
    }

    double EvalLoss(LoadedModel model, MethodSetup setup, IReadOnlyList<TrainingSequence> eval)
    {
        if (eval.Count == 0)
        {
            return double.NaN;
        }

        model.Transformer.Module.eval();
        setup.Adapter?.SetTraining(false);
        return WithSlowWeights(setup, () =>
        {
            using var noGrad = no_grad();
            double sum = 0, count = 0;
            int batches = Math.Min(_options.EvalBatches, (eval.Count + _options.BatchSize - 1) / _options.BatchSize);
            for (int k = 0; k < batches; k++)
            {
                using var scope = NewDisposeScope();
                var rows = Enumerable.Range(k * _options.BatchSize, _options.BatchSize).Where(r => r < eval.Count).ToList();
                var (input, target, mask) = Batch(eval, rows, model.Device);
                var logits = model.Transformer.Forward(input, arange(_options.SeqLen, device: model.Device).unsqueeze(0).expand(input.shape[0], _options.SeqLen), null, null);
                double n = mask.sum().item<float>();
                sum += MaskedCrossEntropy(logits, target, mask).item<float>() * n;
                count += n;
            }
            return sum / count;
        });
    }

    // ------------------------------------------------------------------ checkpoints

    /// <summary>Writes the checkpoint into a temporary folder and renames it, so a folder named checkpoint-N is always complete.</summary>
    void SaveCheckpoint(LoadedModel model, MethodSetup setup, string folder, int step, double? lft, double wall, string modelPath)
    {
        var tmp = folder + ".tmp";
        if (Directory.Exists(tmp))
        {
            Directory.Delete(tmp, recursive: true);
        }

        WriteCheckpoint(model, setup, tmp, step, lft, wall, modelPath);
        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }

        Directory.Move(tmp, folder);
    }

    void WriteCheckpoint(LoadedModel model, MethodSetup setup, string folder, int step, double? lft, double wall, string modelPath)
    {
        var metadata = new Dictionary<string, object>
        {
            ["method"] = _options.Method.ToString().ToLowerInvariant(),
            ["P"] = setup.P,
            ["N"] = step,
            ["l_ft"] = lft ?? double.NaN,
            ["wall_seconds"] = wall,
            ["base_model"] = Path.GetFullPath(modelPath),
            ["seed"] = _options.Seed,
        };
        if (setup.Adapter is { } adapter)
        {
            WithSlowWeights(setup, () =>
            {
                adapter.Save(folder, metadata);
                return 0;
            });
        }
        else
        {
            HfFolderWriter.Write(model, folder, new Dictionary<string, string> { ["regressionguard_P"] = setup.P.ToString(System.Globalization.CultureInfo.InvariantCulture), ["regressionguard_N"] = step.ToString(System.Globalization.CultureInfo.InvariantCulture) });
            File.WriteAllText(Path.Combine(folder, MetadataFile), JsonSerializer.Serialize(metadata, new JsonSerializerOptions { WriteIndented = true, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals }) + "\n");
            setup.Selection?.Save(Path.Combine(folder, "hft_selection.json"));
        }
    }

    void SaveState(MethodSetup setup, OptimizerHelper optimizer, string stateDir, int step, double wall)
    {
        var tmp = stateDir + ".tmp";
        if (Directory.Exists(tmp))
        {
            Directory.Delete(tmp, recursive: true);
        }

        Directory.CreateDirectory(tmp);
        optimizer.save_state_dict(Path.Combine(tmp, "optimizer.bin"));
        var tensors = setup.Trainable.Select((p, i) => new KeyValuePair<string, Tensor>($"trainable.{i:D5}", p)).ToList();
        if (setup.Slow is not null)
        {
            tensors.AddRange(setup.Slow.Select((p, i) => new KeyValuePair<string, Tensor>($"slow.{i:D5}", p)));
        }

        SafetensorsFile.Write(Path.Combine(tmp, "weights.safetensors"), tensors);
        // state.json is written last: a folder holding it is complete.
        File.WriteAllText(Path.Combine(tmp, "state.json"), JsonSerializer.Serialize(new { step, wall_seconds = wall, method = _options.Method.ToString() }));

        // Replace without a window in which no complete state exists: the previous state is moved aside (not deleted)
        // before the new one is renamed into place, and removed only after. A kill at any point leaves a complete state
        // in trainer_state, trainer_state.tmp or trainer_state.old, which RecoverState finds.
        var previous = stateDir + ".old";
        if (Directory.Exists(previous))
        {
            Directory.Delete(previous, recursive: true);
        }

        if (Directory.Exists(stateDir))
        {
            Directory.Move(stateDir, previous);
        }

        Directory.Move(tmp, stateDir);
        if (Directory.Exists(previous))
        {
            Directory.Delete(previous, recursive: true);
        }
    }

    /// <summary>
    /// Puts the newest complete trainer state (one holding state.json) into <paramref name="stateDir"/> after a kill
    /// during <see cref="SaveState"/>: the state itself, else a finished replacement (<c>.tmp</c>), else the previous
    /// state (<c>.old</c>). Half-written folders are removed. False when no complete state exists.
    /// </summary>
    static bool RecoverState(string stateDir, Action<string> warn)
    {
        static bool Complete(string folder) => File.Exists(Path.Combine(folder, "state.json"));
        string tmp = stateDir + ".tmp", previous = stateDir + ".old";
        if (!Complete(stateDir))
        {
            foreach (var candidate in new[] { tmp, previous })
            {
                if (Complete(candidate))
                {
                    if (Directory.Exists(stateDir))
                    {
                        Directory.Delete(stateDir, recursive: true);
                    }

                    Directory.Move(candidate, stateDir);
                    warn($"{stateDir} was being replaced when training stopped; resuming from the complete state in {candidate}");
                    break;
                }
            }
        }

        foreach (var leftover in new[] { tmp, previous })
        {
            if (Directory.Exists(leftover))
            {
                Directory.Delete(leftover, recursive: true);
            }
        }

        return Complete(stateDir);
    }

    (int Step, double Wall) Restore(MethodSetup setup, OptimizerHelper optimizer, string stateDir, string logPath)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(stateDir, "state.json")));
        int step = doc.RootElement.GetProperty("step").GetInt32();
        double wall = doc.RootElement.GetProperty("wall_seconds").GetDouble();
        using (var file = SafetensorsFile.Open(Path.Combine(stateDir, "weights.safetensors")))
        using (no_grad())
        {
            for (int i = 0; i < setup.Trainable.Count; i++)
            {
                using var stored = file.Read($"trainable.{i:D5}");
                setup.Trainable[i].copy_(stored);
            }
            if (setup.Slow is not null)
            {
                for (int i = 0; i < setup.Slow.Count; i++)
                {
                    using var stored = file.Read($"slow.{i:D5}");
                    setup.Slow[i].copy_(stored);
                }
            }
        }
        optimizer.load_state_dict(Path.Combine(stateDir, "optimizer.bin"));
        if (File.Exists(logPath))
        {
            File.WriteAllLines(logPath, ReadLogSteps(logPath, OnWarning).Where(l => l.Step <= step).Select(l => l.Line));
        }
        return (step, wall);
    }

    /// <summary>
    /// The lines of train_log.jsonl with their steps. A kill while a line is appended leaves a torn last line: it is
    /// dropped with a warning. A bad line anywhere else means the file was damaged otherwise and is an error.
    /// </summary>
    internal static List<(string Line, int Step)> ReadLogSteps(string logPath, Action<string> warn)
    {
        var lines = File.ReadAllLines(logPath);
        var parsed = new List<(string, int)>(lines.Length);
        for (int i = 0; i < lines.Length; i++)
        {
            try
            {
                using var doc = JsonDocument.Parse(lines[i]);
                parsed.Add((lines[i], doc.RootElement.GetProperty("step").GetInt32()));
            }
            catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
            {
                if (i < lines.Length - 1)
                {
                    throw new InvalidDataException($"{logPath}:{i + 1}: not a training log line ({e.Message}); only a torn last line is repaired");
                }

                warn($"{logPath}:{i + 1}: the last line was cut off when training stopped; it is dropped");
            }
        }

        return parsed;
    }
}
