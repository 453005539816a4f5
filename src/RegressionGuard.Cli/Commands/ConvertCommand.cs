using System.CommandLine;
using RegressionGuard.Torch.Checkpoints;

namespace RegressionGuard.Cli.Commands;

/// <summary><c>regressionguard convert</c>: llama2.c checkpoint → standard Hugging Face Llama folder.</summary>
public static class ConvertCommand
{
    public static Command Create()
    {
        var from = new Option<string>("--from") { Description = "llama2.c checkpoint (.bin)", Required = true };
        var tokenizer = new Option<string?>("--tokenizer") { Description = "SentencePiece tokenizer (.model); default: tok*.model or tokenizer.model beside the checkpoint" };
        var to = new Option<string>("--to") { Description = "output folder (created)", Required = true };
        var command = new Command("convert", "Convert a llama2.c checkpoint to a Hugging Face Llama folder (config.json, model.safetensors, tokenizer.model).");
        command.Add(from);
        command.Add(tokenizer);
        command.Add(to);
        command.SetAction(parse =>
        {
            var written = CheckpointConverter.Llama2cToHf(parse.GetValue(from)!, parse.GetValue(tokenizer), parse.GetValue(to)!);
            parse.InvocationConfiguration.Output.WriteLine($"wrote {string.Join(", ", written.Select(Path.GetFileName))} to {Path.GetFullPath(parse.GetValue(to)!)}");
            return CliApp.ExitOk;
        });
        return command;
    }
}
