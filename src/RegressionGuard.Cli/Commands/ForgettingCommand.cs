using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using RegressionGuard.Cli.Console;
using RegressionGuard.Corpora;
using RegressionGuard.Forgetting;
using RegressionGuard.Gate;
using RegressionGuard.Modeling;
using RegressionGuard.Torch.Forgetting;
using RegressionGuard.Torch.Runtime;

namespace RegressionGuard.Cli.Commands;

/// <summary><c>regressionguard forgetting</c>: L_f of a tuned model against its base on a corpus.</summary>
public static class ForgettingCommand
{
    public static Command Create()
    {
        var basePath = new Option<string>("--base") { Description = "base model: HF folder or llama2.c .bin", Required = true };
        var tuned = new Option<string>("--tuned") { Description = "fine-tuned model: HF folder, or a PEFT LoRA adapter folder (applied to --base)", Required = true };
        var tokenizer = new Option<string?>("--tokenizer") { Description = "tokenizer file (default: found beside the base model)" };
        var data = new Option<string>("--data", "-d") { Description = "evaluation corpus: .jsonl (field 'text') or .txt", Required = true };
        var field = new Option<string>("--field") { Description = "JSONL field holding the text", DefaultValueFactory = _ => "text" };
        var split = new Option<string>("--split") { Description = "how .txt files split into documents: endoftext or blank", DefaultValueFactory = _ => "endoftext" };
        split.AcceptOnlyFromAmong("endoftext", "blank");
        var truncate = new Option<bool>("--truncate") { Description = "cut documents at the context length instead of windowing them" };
        var stride = new Option<int?>("--stride") { Description = "window stride in tokens for long documents (default: half the context)" }.AtLeast(1);
        var topK = new Option<int?>("--top-k") { Description = $"keep the base model's top K ids per position (default: all ids when the vocabulary has ≤ {ForgettingMeter.ExactVocabularyLimit}, else {ForgettingMeter.DefaultTopK})" }.AtLeast(1);
        var dtype = new Option<string>("--dtype") { Description = "compute dtype of both models: float32 or bfloat16 (L_f itself is always reduced in fp32)", DefaultValueFactory = _ => "float32" };
        var batch = new Option<int>("--batch-size") { Description = "sequences per forward pass", DefaultValueFactory = _ => 16 };
        var json = new Option<bool>("--json") { Description = "print {\"lf\", \"base_entropy\", \"kl\", \"top1_agreement\", \"predicted_tokens\", \"documents\"}" };
        var perDocument = new Option<bool>("--per-document") { Description = "with --json, add per-document values" };
        var cacheDir = CompareCommand.CacheDirOption();
        var noCache = CompareCommand.NoCacheOption();
        var command = new Command("forgetting", "L_f: cross-entropy of the tuned model against the base model's next-token distributions on a corpus.");
        foreach (var option in new Option[] { basePath, tuned, tokenizer, data, field, split, truncate, stride, topK, dtype, batch, json, perDocument, cacheDir, noCache })
        {
            command.Add(option);
        }

        command.SetAction(parse =>
        {
            var documents = CorpusReader.Read(parse.GetValue(data)!, parse.GetValue(field)!, parse.GetValue(split) == "blank" ? TextSplit.Blank : TextSplit.EndOfText)
                .Select(d => d.Text).ToArray();
            var compute = new ComputeOptions { DType = parse.GetValue(dtype)!, BatchSize = parse.GetValue(batch) };
            var options = new RollingOptions(parse.GetValue(truncate), parse.GetValue(stride));
            var cache = CompareCommand.OpenCache(parse, cacheDir, noCache);
            using var baseModel = ModelOpener.OpenBase(parse.GetValue(basePath)!, parse.GetValue(tokenizer), compute, cache);
            using var tunedModel = ModelOpener.OpenTuned(parse.GetValue(tuned)!, parse.GetValue(basePath), parse.GetValue(tokenizer), compute, cache);
            if (baseModel is TorchLanguageModel a && tunedModel is TorchLanguageModel b)
            {
                ForgettingMeter.CheckCompatible(a, b);
            }
            else
            {
                ForgettingCompatibility.Check(baseModel, tunedModel);
            }

            var error = parse.InvocationConfiguration.Error;
            var reference = WorkProgress.Run("base distributions", ForgettingPlan.Of(baseModel, documents, options).Windows.Count, error,
                progress => BaseDistributionsCache.Compute(baseModel, documents, options, parse.GetValue(topK), cache, out _, progress));
            var result = WorkProgress.Run("tuned model", reference.Windows.Count, error, progress => tunedModel.CrossEntropyAgainst(reference, progress));
            var output = parse.InvocationConfiguration.Output;
            if (parse.GetValue(json))
            {
                object payload = parse.GetValue(perDocument)
                    ? new
                    {
                        lf = result.Lf,
                        base_entropy = result.BaseEntropy,
                        kl = result.Kl,
                        top1_agreement = result.TopOneAgreement,
                        predicted_tokens = result.PredictedTokens,
                        documents = result.Documents,
                        per_document = result.PerDocument.Select(d => new { index = d.Index, positions = d.Positions, lf = d.Lf, kl = d.Kl })
                    }
                    : new { lf = result.Lf, base_entropy = result.BaseEntropy, kl = result.Kl, top1_agreement = result.TopOneAgreement, predicted_tokens = result.PredictedTokens, documents = result.Documents };
                output.WriteLine(JsonSerializer.Serialize(payload));
            }
            else
            {
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"L_f {result.Lf:F4} nats/token = H {result.BaseEntropy:F4} + KL {result.Kl:F4}; top-1 agreement {result.TopOneAgreement:P1}; {result.PredictedTokens:N0} positions in {result.Documents:N0} documents"));
            }
            return CliApp.ExitOk;
        });
        return command;
    }
}
