using System.CommandLine;
using System.Text.Json;
using RegressionGuard.Modeling;
using RegressionGuard.Suites.Templates;

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
        var chat = SuiteCommands.ChatFormatOption();
        chat.Description = "wrap the prompt as a user turn: model (the model's own chat template, with the generation prompt) | plain | llama2 | llama3 | chatml; default: the prompt as given";
        var system = new Option<string?>("--system") { Description = "system prompt (with --chat-format)" };
        var command = new Command("generate", "Greedy generation from a prompt.");
        model.AddTo(command);
        command.Add(prompt);
        command.Add(maxNew);
        command.Add(stop);
        command.Add(json);
        command.Add(chat);
        command.Add(system);
        command.SetAction(parse =>
        {
            int n = parse.GetValue(maxNew);
            if (n < 0)
            {
                throw new UsageException($"--max-new-tokens must be 0 or more, got {n}");
            }

            var text = parse.GetValue(prompt) ?? "";
            bool addSpecialTokens = true;
            if (parse.GetValue(chat) is { } format)
            {
                var template = ChatFormats.IsModel(format) ? ChatFormats.TemplateOf(parse.GetValue(model.Model)!, parse.GetValue(model.Tokenizer)) : null;
                text = ChatFormats.Apply(format, parse.GetValue(system), text, template);
                addSpecialTokens = template is null;
            }
            else if (parse.GetValue(system) is not null)
            {
                throw new UsageException("--system needs --chat-format");
            }

            using var lm = model.Load(parse);
            var result = lm.Generate(new[] { new GenerationRequest(text, n, parse.GetValue(stop), addSpecialTokens) })[0];
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
