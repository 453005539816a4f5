using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using RegressionGuard.Cli.Console;
using RegressionGuard.Corpora;
using RegressionGuard.Modeling;

namespace RegressionGuard.Cli.Commands;

/// <summary><c>regressionguard score</c>: mean negative log-likelihood per predicted token over a corpus.</summary>
public static class ScoreCommand
{
    public static Command Create()
    {
        var model = new ModelOptions();
        var data = new Option<string>("--data", "-d") { Description = "corpus: .jsonl (one document per line) or .txt", Required = true };
        var field = new Option<string>("--field") { Description = "JSONL field holding the text", DefaultValueFactory = _ => "text" };
        var split = new Option<string>("--split") { Description = "how .txt files split into documents: endoftext (lines '<|endoftext|>') or blank (blank lines)", DefaultValueFactory = _ => "endoftext" };
        split.AcceptOnlyFromAmong("endoftext", "blank");
        var truncate = new Option<bool>("--truncate") { Description = "cut documents at the context length instead of windowing them" };
        var stride = new Option<int?>("--stride") { Description = "window stride in tokens for long documents (default: half the context)" }.AtLeast(1);
        var json = new Option<bool>("--json") { Description = "print {\"mean_nll\", \"perplexity\", \"predicted_tokens\", \"documents\"} as JSON" };
        var command = new Command("score", "Mean negative log-likelihood per predicted token of a corpus.");
        model.AddTo(command);
        command.Add(data);
        command.Add(field);
        command.Add(split);
        command.Add(truncate);
        command.Add(stride);
        command.Add(json);
        command.SetAction(parse =>
        {
            var documents = CorpusReader.Read(parse.GetValue(data)!, parse.GetValue(field)!, parse.GetValue(split) == "blank" ? TextSplit.Blank : TextSplit.EndOfText);
            using var lm = model.Load(parse);
            var options = new RollingOptions(parse.GetValue(truncate), parse.GetValue(stride));
            var texts = documents.Select(d => d.Text).ToArray();
            var results = WorkProgress.Run("scoring", texts.Length, parse.InvocationConfiguration.Error,
                progress => lm.RollingLogLikelihood(texts, options, progress));
            long tokens = results.Sum(r => (long)r.PredictedTokens);
            double nll = tokens == 0 ? double.NaN : -results.Sum(r => r.LogLikelihood) / tokens;
            var output = parse.InvocationConfiguration.Output;
            if (parse.GetValue(json))
            {
                output.WriteLine(JsonSerializer.Serialize(new { mean_nll = nll, perplexity = Math.Exp(nll), predicted_tokens = tokens, documents = documents.Count }));
            }
            else
            {
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"mean NLL {nll:F4} nats/token, perplexity {Math.Exp(nll):F3}, {tokens:N0} predicted tokens in {documents.Count:N0} documents"));
            }
            return CliApp.ExitOk;
        });
        return command;
    }
}
