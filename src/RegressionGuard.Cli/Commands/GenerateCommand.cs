using System.CommandLine;
using System.Text.Json;
using RegressionGuard.Modeling;

namespace RegressionGuard.Cli.Commands;

/// <summary><c>regressionguard generate</c>: greedy continuation of one prompt.</summary>
public static class GenerateCommand
{
    public static Command Create()
    {
        var model = new ModelOptions();
        var prompt = new Option<string>("--prompt", "-p") { Description = "prompt text (empty: start from BOS alone)", DefaultValueFactory = _ => "" };
        var maxNew = new Option<int>("--max-new-tokens", "-n") { Description = "tokens to generate", DefaultValueFactory = _ => 128 };
        var stop = new Option<string[]>("--stop") { Description = "stop sequence (repeatable)", AllowMultipleArgumentsPerToken = false };
        var json = new Option<bool>("--json") { Description = "print {\"text\", \"token_ids\"} as JSON" };
        var command = new Command("generate", "Greedy generation from a prompt.");
        model.AddTo(command);
        command.Add(prompt);
        command.Add(maxNew);
        command.Add(stop);
        command.Add(json);
        command.SetAction(parse =>
        {
            int n = parse.GetValue(maxNew);
            if (n < 0)
            {
                throw new UsageException($"--max-new-tokens must be 0 or more, got {n}");
            }

            using var lm = model.Load(parse);
            var result = lm.Generate(new[] { new GenerationRequest(parse.GetValue(prompt) ?? "", n, parse.GetValue(stop)) })[0];
            var output = parse.InvocationConfiguration.Output;
            if (parse.GetValue(json))
            {
                output.WriteLine(JsonSerializer.Serialize(new { text = result.Text, token_ids = result.TokenIds, finish_reason = result.FinishReason.ToString().ToLowerInvariant() }));
            }
            else
            {
                output.WriteLine(result.Text);
            }

            return CliApp.ExitOk;
        });
        return command;
    }
}
