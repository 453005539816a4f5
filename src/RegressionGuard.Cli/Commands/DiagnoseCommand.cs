using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using RegressionGuard.Diagnostics;
using RegressionGuard.Torch.Adapters;
using RegressionGuard.Torch.Checkpoints;
using RegressionGuard.Torch.Diagnostics;
using RegressionGuard.Torch.Runtime;

namespace RegressionGuard.Cli.Commands;

/// <summary>
/// <c>regressionguard diagnose</c>: weight-space forgetting signals of a fine-tune without running it on data —
/// per projection ‖ΔW‖_F, spectral norm, stable rank and intruder dimensions; optionally a repaired checkpoint with
/// the intruder directions scaled down.
/// </summary>
public static class DiagnoseCommand
{
    public static Command Create()
    {
        var basePath = new Option<string>("--base") { Description = "base model: HF folder or llama2.c .bin", Required = true };
        var tuned = new Option<string>("--tuned") { Description = "fine-tuned model: HF folder, or a PEFT LoRA adapter folder (applied to --base)", Required = true };
        var tokenizer = new Option<string?>("--tokenizer") { Description = "tokenizer file (default: found beside the base model)" };
        var topK = new Option<int>("--top-k") { Description = "top singular vectors of each tuned weight checked for intruders", DefaultValueFactory = _ => 10 };
        var epsilon = new Option<double[]>("--epsilon") { Description = "cosine threshold(s) below which a top direction is an intruder (repeatable)", DefaultValueFactory = _ => DiagnoseOptions.DefaultEpsilons.ToArray(), AllowMultipleArgumentsPerToken = true };
        var json = new Option<bool>("--json") { Description = "print the diagnostics as JSON" };
        var scale = new Option<double?>("--scale-intruders") { Description = "write a repaired checkpoint (with --out) whose intruder singular values are multiplied by this factor (e.g. 0.5)" };
        var scaleEpsilon = new Option<double>("--scale-epsilon") { Description = "the ε that decides which directions --scale-intruders scales", DefaultValueFactory = _ => 0.5 };
        var output = new Option<string?>("--out") { Description = "folder for the repaired checkpoint (a full HF folder)" };
        var command = new Command("diagnose", "Weight-space forgetting diagnostics of a fine-tune: ΔW norms, stable rank, intruder dimensions (no data needed).");
        foreach (var option in new Option[] { basePath, tuned, tokenizer, topK, epsilon, json, scale, scaleEpsilon, output })
        {
            command.Add(option);
        }

        command.SetAction(parse =>
        {
            var options = new DiagnoseOptions(parse.GetValue(topK), parse.GetValue(epsilon));
            var problems = options.Validate().ToList();
            var factor = parse.GetValue(scale);
            var outFolder = parse.GetValue(output);
            if (factor is not null && outFolder is null)
            {
                problems.Add("--scale-intruders writes a repaired checkpoint: give --out <folder>");
            }

            if (factor is null && outFolder is not null)
            {
                problems.Add("--out is only used with --scale-intruders <factor>");
            }

            if (factor is double f && !(f >= 0 && f <= 1))
            {
                problems.Add($"--scale-intruders must lie in [0, 1] (a factor that shrinks the intruders), got {f.ToString(CultureInfo.InvariantCulture)}");
            }

            if (parse.GetValue(scaleEpsilon) is var se && !(se > 0 && se < 1))
            {
                problems.Add($"--scale-epsilon must lie strictly between 0 and 1, got {se.ToString(CultureInfo.InvariantCulture)}");
            }

            if (problems.Count > 0)
            {
                throw new UsageException(string.Join("; ", problems));
            }

            var compute = new ComputeOptions { DType = "float32" };
            var tunedPath = parse.GetValue(tuned)!;
            var (baseModel, tunedModel) = WeightDiagnostics.LoadPair(parse.GetValue(basePath)!, tunedPath, parse.GetValue(tokenizer), compute);
            using var baseDisposal = baseModel;
            using var tunedDisposal = tunedModel;
            var report = WeightDiagnostics.Of(baseModel.Transformer, tunedModel.Transformer, options);

            var stdout = parse.InvocationConfiguration.Output;
            if (parse.GetValue(json))
            {
                stdout.WriteLine(JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower }));
            }
            else
            {
                Print(report, stdout);
            }

            if (factor is double scaleFactor)
            {
                WeightDiagnostics.MergeBranches(tunedModel.Transformer);
                var scaled = WeightDiagnostics.ScaleIntruders(baseModel.Transformer, tunedModel.Transformer, options.TopK, parse.GetValue(scaleEpsilon), scaleFactor);
                HfFolderWriter.Write(tunedModel, outFolder!, new Dictionary<string, string>
                {
                    ["regressionguard_repaired_from"] = Path.GetFullPath(tunedPath),
                    ["regressionguard_intruder_scale"] = scaleFactor.ToString("R", CultureInfo.InvariantCulture),
                    ["regressionguard_intruder_epsilon"] = parse.GetValue(scaleEpsilon).ToString("R", CultureInfo.InvariantCulture),
                });
                (parse.GetValue(json) ? parse.InvocationConfiguration.Error : stdout).WriteLine(
                    $"repaired checkpoint: {scaled.Values.Sum()} intruder direction(s) in {scaled.Count(kv => kv.Value > 0)} of {scaled.Count} projections scaled by {scaleFactor.ToString(CultureInfo.InvariantCulture)} → {Path.GetFullPath(outFolder!)}");
            }
            return CliApp.ExitOk;
        });
        return command;
    }

    static void Print(WeightDiagnosticsReport report, TextWriter output)
    {
        var eps = report.Options.Thresholds;
        string Num(double v) => v.ToString("0.0000", CultureInfo.InvariantCulture);
        output.WriteLine($"update: {report.Update}; intruders = top-{report.Options.TopK} directions of the tuned weight whose best |cos| with a base direction < ε");
        output.WriteLine($"{"module",-44} {"‖ΔW‖_F",9} {"‖ΔW‖₂",9} {"stable r",9} {"‖ΔW‖/‖W‖",9}  {string.Join(" ", eps.Select(e => $"ε<{e.ToString("0.##", CultureInfo.InvariantCulture),-4}"))}");
        foreach (var m in report.Modules)
        {
            output.WriteLine($"{m.Module,-44} {Num(m.Frobenius),9} {Num(m.Spectral),9} {m.StableRank.ToString("0.00", CultureInfo.InvariantCulture),9} {Num(m.RelativeChange),9}  {string.Join(" ", m.Intruders.Select(i => $"{i,6}"))}");
        }
        output.WriteLine($"total ‖ΔW‖_F {Num(report.TotalFrobenius)}; mean stable rank {report.MeanStableRank.ToString("0.00", CultureInfo.InvariantCulture)}; intruder dimensions "
            + string.Join(", ", eps.Select((e, i) => $"{report.TotalIntruders[i]} at ε {e.ToString("0.##", CultureInfo.InvariantCulture)}")));
    }
}
