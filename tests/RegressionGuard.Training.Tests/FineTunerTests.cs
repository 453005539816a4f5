using System.Text.Json;
using RegressionGuard.Testing;
using RegressionGuard.Torch.Checkpoints;
using RegressionGuard.Torch.Runtime;
using RegressionGuard.Training.Methods;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RegressionGuard.Training.Tests;

/// <summary>The fine-tuning engine on the real stories260K model and Shakespeare text (short runs).</summary>
public sealed class FineTunerTests
{
    static string Model => SharedData.Path("models/stories260K/stories260K.bin");
    static string Shakespeare => SharedData.Path("datasets/tinyshakespeare/input.txt");
    static string Stories => SharedData.Path("datasets/tinystories/TinyStories-valid.stories.jsonl");

    static FineTuneOptions Small(FineTuningMethod method) => new()
    {
        Method = method,
        Steps = 8,
        BatchSize = 4,
        SeqLen = 64,
        LearningRate = 3e-3,
        SaveEvery = 4,
        EvalEvery = 0,
        EvalBatches = 2,
        LoraRank = 4,
        LoraAlpha = 8,
        Seed = 7,
    };

    static readonly long[] Probe = { 1, 403, 407, 261, 378, 11, 70, 200, 300, 45 };

    static float[] Logits(Torch.Models.Shared.ICausalTransformer model)
    {
        using var scope = NewDisposeScope();
        using var mode = no_grad();
        model.Module.eval();
        var input = tensor(Probe, new long[] { 1, Probe.Length });
        return model.Forward(input, arange(Probe.Length).unsqueeze(0), null, null).data<float>().ToArray();
    }

    [Test]
    public void A_saved_lora_adapter_reloads_to_the_in_training_model_and_records_P_and_N()
    {
        using var dir = new TempFolder();
        float[]? inTraining = null;
        var tuner = new FineTuner(Small(FineTuningMethod.Lora)) { OnCheckpointInternals = (c, model, _) => { if (c.Step == 8) { inTraining = Logits(model); } } };
        var checkpoints = tuner.Run(Model, Shakespeare, dir.Path);
        Assert.That(checkpoints.Select(c => c.Step), Is.EqualTo(new[] { 4, 8 }));
        using var reloaded = ModelLoader.LoadTuned(checkpoints[^1].Path, Model);
        var logits = Logits(reloaded.Transformer);
        Assert.That(logits.Zip(inTraining!, (a, b) => Math.Abs(a - b)).Max(), Is.LessThanOrEqualTo(1e-5));
        using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(checkpoints[^1].Path, "adapter_config.json")));
        var meta = config.RootElement.GetProperty("regressionguard");
        Assert.That(meta.GetProperty("N").GetInt32(), Is.EqualTo(8));
        Assert.That(meta.GetProperty("P").GetInt64(), Is.EqualTo(checkpoints[^1].P).And.EqualTo(5 * 4 * (64 + 64 + 64 + 32)), "r·(in + out) for q and v in 5 layers");
        Assert.That(File.ReadAllLines(Path.Combine(dir.Path, FineTuner.LogFile)), Has.Length.EqualTo(8));
    }

    [Test]
    public void Training_loss_goes_down_on_the_fine_tuning_text()
    {
        using var dir = new TempFolder();
        var losses = new List<double>();
        var options = Small(FineTuningMethod.Full) with { Steps = 30, SaveEvery = 0, LearningRate = 1e-3 };
        new FineTuner(options, e => losses.Add(e.TrainLoss)).Run(Model, Shakespeare, dir.Path);
        Assert.That(losses.TakeLast(5).Average(), Is.LessThan(losses.Take(3).Average() - 0.3));
    }

    [Test]
    public void Hft_trains_exactly_its_selection_and_leaves_frozen_weights_bit_identical()
    {
        using var dir = new TempFolder();
        IReadOnlyList<Parameter>? trainable = null;
        var tuner = new FineTuner(Small(FineTuningMethod.Hft)) { OnCheckpointInternals = (_, _, t) => trainable = t };
        var last = tuner.Run(Model, Shakespeare, dir.Path)[^1];
        var selection = HalfFineTuningSelection.Load(Path.Combine(last.Path, "hft_selection.json"));
        Assert.That(trainable, Has.Count.EqualTo(selection.Trainable.Count), "the optimizer holds (and keeps state for) the selected weights only");

        using var original = ModelLoader.Load(Model);
        var before = original.Transformer.Module.state_dict();
        using var trained = SafetensorsFile.Open(Path.Combine(last.Path, "model.safetensors"));
        int frozenChecked = 0, trainedChanged = 0;
        foreach (var (name, tensorBefore) in before)
        {
            using var after = trained.Read(name);
            bool same = after.bytes.SequenceEqual(tensorBefore.contiguous().bytes);
            if (selection.IsTrainable(name))
            {
                trainedChanged += same ? 0 : 1;
            }
            else
            {
                Assert.That(same, Is.True, $"{name} is frozen and must be bit-identical");
                frozenChecked++;
            }
        }
        Assert.That(frozenChecked, Is.GreaterThan(10));
        Assert.That(trainedChanged, Is.EqualTo(selection.Trainable.Count));
    }

    [Test]
    public void Ilora_saves_the_slow_learner_which_differs_from_the_fast_one()
    {
        using var dir = new TempFolder();
        var fast = new List<float[]>();
        var options = Small(FineTuningMethod.ILora) with { ReplayData = Stories, EmaLambda = 0.5 };
        var tuner = new FineTuner(options) { OnCheckpointInternals = (c, _, t) => { if (c.Step == 8) { fast.AddRange(t.Select(p => p.data<float>().ToArray())); } } };
        var last = tuner.Run(Model, Shakespeare, dir.Path)[^1];
        using var saved = SafetensorsFile.Open(Path.Combine(last.Path, "adapter_model.safetensors"));
        var keys = saved.Entries.Keys.Order(StringComparer.Ordinal).ToList();
        Assert.That(keys, Has.Count.EqualTo(fast.Count));
        var savedB = keys.Where(k => k.Contains("lora_B", StringComparison.Ordinal)).Select(k => saved.Read(k).data<float>().ToArray()).ToList();
        Assert.That(savedB.All(b => b.Any(v => v != 0)), Is.True, "the slow learner moved towards the fast one");
        var fastFlat = fast.SelectMany(x => x).ToArray();
        var savedFlat = keys.SelectMany(k => saved.Read(k).data<float>().ToArray()).ToArray();
        Assert.That(savedFlat.OrderBy(v => v), Is.Not.EqualTo(fastFlat.OrderBy(v => v)), "what is saved is not the fast learner");
    }

    [Test]
    public void An_interrupted_run_resumed_from_its_checkpoint_ends_exactly_like_an_uninterrupted_one()
    {
        using var straight = new TempFolder();
        using var interrupted = new TempFolder();
        var options = Small(FineTuningMethod.Lora) with { LoraDropout = 0.1 };
        new FineTuner(options).Run(Model, Shakespeare, straight.Path);

        var crashing = new FineTuner(options) { OnCheckpoint = c => { if (c.Step == 4) { throw new OperationCanceledException("simulated kill after step 4"); } } };
        Assert.Throws<OperationCanceledException>(() => crashing.Run(Model, Shakespeare, interrupted.Path));
        new FineTuner(options).Run(Model, Shakespeare, interrupted.Path, resume: true);

        using var a = SafetensorsFile.Open(Path.Combine(straight.Path, "checkpoint-8", "adapter_model.safetensors"));
        using var b = SafetensorsFile.Open(Path.Combine(interrupted.Path, "checkpoint-8", "adapter_model.safetensors"));
        foreach (var key in a.Entries.Keys)
        {
            Assert.That(b.Read(key).data<float>().ToArray(), Is.EqualTo(a.Read(key).data<float>().ToArray()), key);
        }

        var logA = File.ReadAllLines(Path.Combine(straight.Path, FineTuner.LogFile)).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("train_loss").GetDouble());
        var logB = File.ReadAllLines(Path.Combine(interrupted.Path, FineTuner.LogFile)).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("train_loss").GetDouble());
        Assert.That(logB, Is.EqualTo(logA));
    }

    /// <summary>Trains to step 4 and stops there (as a kill after the step-4 state was saved would).</summary>
    static void TrainUntilKilledAfterStep4(FineTuneOptions options, string folder)
    {
        var crashing = new FineTuner(options) { OnCheckpoint = c => { if (c.Step == 4) { throw new OperationCanceledException("simulated kill after step 4"); } } };
        Assert.Throws<OperationCanceledException>(() => crashing.Run(Model, Shakespeare, folder));
    }

    static List<int> ResumeAndCountSteps(FineTuneOptions options, string folder, List<string> warnings)
    {
        var steps = new List<int>();
        new FineTuner(options, e => steps.Add(e.Step)) { OnWarning = warnings.Add }.Run(Model, Shakespeare, folder, resume: true);
        return steps;
    }

    [TestCase(".tmp", false, TestName = "A kill after the old trainer state was removed resumes from the finished replacement")]
    [TestCase(".old", true, TestName = "A kill while the replacement was half written resumes from the previous state")]
    public void A_kill_while_the_trainer_state_is_replaced_never_restarts_from_step_0(string suffix, bool halfWrittenReplacement)
    {
        // Given a run killed after step 4 while its trainer state was being replaced
        using var dir = new TempFolder();
        var options = Small(FineTuningMethod.Lora);
        TrainUntilKilledAfterStep4(options, dir.Path);
        var state = Path.Combine(dir.Path, FineTuner.StateFolder);
        Directory.Move(state, state + suffix);
        if (halfWrittenReplacement)
        {
            Directory.CreateDirectory(state + ".tmp");
            File.WriteAllText(Path.Combine(state + ".tmp", "optimizer.bin"), "half");
        }

        // When it is resumed
        var warnings = new List<string>();
        var steps = ResumeAndCountSteps(options, dir.Path, warnings);

        // Then it continues from step 5, says what it repaired, and leaves one clean state folder
        Assert.That(steps, Is.EqualTo(new[] { 5, 6, 7, 8 }));
        Assert.That(warnings, Has.One.Contains("resuming from the complete state in " + state + suffix));
        Assert.That(Directory.Exists(state + ".tmp") || Directory.Exists(state + ".old"), Is.False);
    }

    [Test]
    public void Resuming_a_run_whose_log_has_steps_but_no_trainer_state_fails_loudly()
    {
        using var dir = new TempFolder();
        var options = Small(FineTuningMethod.Lora);
        TrainUntilKilledAfterStep4(options, dir.Path);
        Directory.Delete(Path.Combine(dir.Path, FineTuner.StateFolder), recursive: true);
        var error = Assert.Throws<InvalidDataException>(() => new FineTuner(options).Run(Model, Shakespeare, dir.Path, resume: true))!;
        Assert.That(error.Message, Does.Contain("records training steps but there is no complete trainer_state to resume from"));
    }

    [Test]
    public void A_torn_last_line_in_the_training_log_is_dropped_on_resume()
    {
        // Given a run killed while it appended a log line
        using var dir = new TempFolder();
        var options = Small(FineTuningMethod.Lora);
        TrainUntilKilledAfterStep4(options, dir.Path);
        var log = Path.Combine(dir.Path, FineTuner.LogFile);
        File.AppendAllText(log, "{\"step\": 5, \"train_lo");

        // When it is resumed
        var warnings = new List<string>();
        var steps = ResumeAndCountSteps(options, dir.Path, warnings);

        // Then the torn line is dropped with a warning and the log holds steps 1 to 8 once each
        Assert.That(steps, Is.EqualTo(new[] { 5, 6, 7, 8 }));
        Assert.That(warnings, Has.One.Contains("the last line was cut off"));
        var logged = File.ReadAllLines(log).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("step").GetInt32());
        Assert.That(logged, Is.EqualTo(Enumerable.Range(1, 8)));
    }

    [Test]
    public void Invalid_options_are_reported_together()
    {
        var e = Assert.Throws<ArgumentException>(() => new FineTuner(new FineTuneOptions { Method = FineTuningMethod.ILora, Steps = 0, Schedule = "step" }))!;
        Assert.That(e.Message, Is.EqualTo("--steps must be at least 1, got 0; --schedule 'step' is not one of constant, cosine, linear; --method ilora needs --replay-data (text from the base model's own domain to replay)"));
    }

    [TestCase("constant", 4, 1.0)]
    [TestCase("cosine", 12, 0.5)]
    [TestCase("linear", 12, 0.5)]
    [TestCase("linear", 20, 0.0)]
    public void The_learning_rate_warms_up_then_follows_its_schedule(string schedule, int step, double fraction)
    {
        var tuner = new FineTuner(new FineTuneOptions { Steps = 20, WarmupSteps = 4, Schedule = schedule, LearningRate = 0.1 });
        Assert.That(tuner.LearningRate(step), Is.EqualTo(0.1 * fraction).Within(1e-12));
        Assert.That(tuner.LearningRate(2), Is.EqualTo(0.05).Within(1e-12), "halfway through warmup");
    }
}
