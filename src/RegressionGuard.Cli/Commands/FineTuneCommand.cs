using System.CommandLine;
using System.Globalization;
using RegressionGuard.Training;
using RegressionGuard.Training.Methods;

namespace RegressionGuard.Cli.Commands;

/// <summary><c>regressionguard finetune</c>: LoRA, full, HFT or I-LoRA fine-tuning with checkpoints carrying P and N.</summary>
public static class FineTuneCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model", "-m") { Description = "base model: HF folder or llama2.c .bin", Required = true };
        var data = new Option<string>("--data", "-d") { Description = "training data: .txt, or .jsonl with 'text' or 'prompt'/'completion'", Required = true };
        var method = new Option<string>("--method") { Description = "lora | full | hft | ilora", DefaultValueFactory = _ => "lora" };
        method.AcceptOnlyFromAmong("lora", "full", "hft", "ilora");
        var output = new Option<string>("--out", "-o") { Description = "output folder (checkpoints, train_log.jsonl, trainer state)", Required = true };
        var steps = new Option<int>("--steps") { Description = "optimizer steps N", DefaultValueFactory = _ => 100 };
        var batch = new Option<int>("--batch-size") { Description = "sequences per micro-batch", DefaultValueFactory = _ => 8 };
        var seqLen = new Option<int>("--seq-len") { Description = "tokens per training sequence", DefaultValueFactory = _ => 128 };
        var accum = new Option<int>("--grad-accum") { Description = "micro-batches per optimizer step", DefaultValueFactory = _ => 1 };
        var lr = new Option<double>("--lr") { Description = "peak learning rate (AdamW)", DefaultValueFactory = _ => 1e-3 };
        var warmup = new Option<int>("--warmup") { Description = "linear warmup steps", DefaultValueFactory = _ => 0 };
        var schedule = new Option<string>("--schedule") { Description = "constant | cosine | linear (after warmup)", DefaultValueFactory = _ => "constant" };
        var weightDecay = new Option<double>("--weight-decay") { DefaultValueFactory = _ => 0.0 };
        var clip = new Option<double>("--grad-clip") { Description = "max global gradient norm (0 = off)", DefaultValueFactory = _ => 1.0 };
        var seed = new Option<int>("--seed") { DefaultValueFactory = _ => 1234 };
        var dtype = new Option<string>("--dtype") { Description = "float32 | bfloat16", DefaultValueFactory = _ => "float32" };
        var saveEvery = new Option<int>("--save-every") { Description = "checkpoint every K steps (0: only at the end)", DefaultValueFactory = _ => 0 };
        var evalEvery = new Option<int>("--eval-every") { Description = "held-out loss L_ft every K steps", DefaultValueFactory = _ => 50 };
        var evalData = new Option<string?>("--eval-data") { Description = "held-out data for L_ft (default: a seeded fraction of --data)" };
        var evalFraction = new Option<double>("--eval-fraction") { DefaultValueFactory = _ => 0.05 };
        var resume = new Option<bool>("--resume") { Description = "continue from the last checkpoint in --out" };
        var loraR = new Option<int>("--lora-r") { DefaultValueFactory = _ => 8 };
        var loraAlpha = new Option<double>("--lora-alpha") { DefaultValueFactory = _ => 16 };
        var loraDropout = new Option<double>("--lora-dropout") { DefaultValueFactory = _ => 0.0 };
        var loraTargets = new Option<string[]>("--lora-targets") { Description = "modules to adapt, e.g. q_proj v_proj (GPT-2: c_attn c_proj c_fc)", DefaultValueFactory = _ => new[] { "q_proj", "v_proj" }, AllowMultipleArgumentsPerToken = true };
        var trainEmbeddings = new Option<bool>("--train-embeddings") { Description = "full/hft: also train embeddings and the LM head" };
        var replay = new Option<string?>("--replay-data") { Description = "ilora: replay corpus (text from the base model's own domain)" };
        var lambda = new Option<double>("--ema-lambda") { Description = "ilora: θ_slow ← λ·θ_slow + (1 − λ)·θ_fast", DefaultValueFactory = _ => 0.99 };
        var gamma = new Option<double>("--consistency-weight") { Description = "ilora: γ of the hidden-state consistency loss", DefaultValueFactory = _ => 1.0 };
        var buffer = new Option<int>("--replay-buffer") { Description = "ilora: reservoir size", DefaultValueFactory = _ => 500 };
        var layers = new Option<string>("--consistency-layers") { Description = "ilora: all | last", DefaultValueFactory = _ => "all" };
        layers.AcceptOnlyFromAmong("all", "last");
        var command = new Command("finetune", "Fine-tune a model (LoRA, full, Half Fine-Tuning, I-LoRA); checkpoints record P and N.");
        foreach (var o in new Option[] { model, data, method, output, steps, batch, seqLen, accum, lr, warmup, schedule, weightDecay, clip, seed, dtype, saveEvery, evalEvery, evalData, evalFraction, resume, loraR, loraAlpha, loraDropout, loraTargets, trainEmbeddings, replay, lambda, gamma, buffer, layers })
        {
            command.Add(o);
        }

        command.SetAction(parse =>
        {
            var options = new FineTuneOptions
            {
                Method = Enum.Parse<FineTuningMethod>(parse.GetValue(method)!, ignoreCase: true),
                Steps = parse.GetValue(steps),
                BatchSize = parse.GetValue(batch),
                SeqLen = parse.GetValue(seqLen),
                GradientAccumulation = parse.GetValue(accum),
                LearningRate = parse.GetValue(lr),
                WarmupSteps = parse.GetValue(warmup),
                Schedule = parse.GetValue(schedule)!,
                WeightDecay = parse.GetValue(weightDecay),
                GradClip = parse.GetValue(clip),
                Seed = parse.GetValue(seed),
                DType = parse.GetValue(dtype)!,
                SaveEvery = parse.GetValue(saveEvery),
                EvalEvery = parse.GetValue(evalEvery),
                EvalData = parse.GetValue(evalData),
                EvalFraction = parse.GetValue(evalFraction),
                LoraRank = parse.GetValue(loraR),
                LoraAlpha = parse.GetValue(loraAlpha),
                LoraDropout = parse.GetValue(loraDropout),
                LoraTargets = parse.GetValue(loraTargets)!,
                TrainEmbeddings = parse.GetValue(trainEmbeddings),
                ReplayData = parse.GetValue(replay),
                EmaLambda = parse.GetValue(lambda),
                ConsistencyWeight = parse.GetValue(gamma),
                ReplayBufferSize = parse.GetValue(buffer),
                ConsistencyLayers = parse.GetValue(layers)!,
            };
            var error = parse.InvocationConfiguration.Error;
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var last = TimeSpan.Zero;
            var tuner = new FineTuner(options, entry =>
            {
                if (entry.LFt is null && clock.Elapsed - last < TimeSpan.FromSeconds(Console.WorkProgress.Interactive ? 1 : 10) && entry.Step != options.Steps)
                {
                    return;
                }

                last = clock.Elapsed;
                double remaining = entry.Step == 0 ? 0 : entry.WallSeconds / entry.Step * (options.Steps - entry.Step);
                error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"step {entry.Step}/{options.Steps}  loss {entry.TrainLoss:F4}  lr {entry.LearningRate:E2}{(entry.LFt is double l ? $"  L_ft {l:F4}" : "")}  {entry.TokensSeen / Math.Max(entry.WallSeconds, 1e-9):F0} tok/s  ETA {remaining:F0} s"));
            });
            var checkpoints = tuner.Run(parse.GetValue(model)!, parse.GetValue(data)!, parse.GetValue(output)!, parse.GetValue(resume));
            foreach (var c in checkpoints)
            {
                parse.InvocationConfiguration.Output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"checkpoint {c.Path}: N = {c.Step}, P = {c.P:N0}, L_ft = {c.LFt:F4}"));
            }

            return CliApp.ExitOk;
        });
        return command;
    }
}
