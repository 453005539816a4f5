using System.CommandLine;
using System.Text.Json;
using RegressionGuard.Suites.Templates;
using RegressionGuard.Torch.Tokenization;

namespace RegressionGuard.Cli.Commands;

/// <summary><c>regressionguard tokenize</c>: the ids and pieces a model receives for a text, and whether BOS/EOS were added.</summary>
public static class TokenizeCommand
{
    /// <summary>Pieces are shown as JSON strings, with non-ASCII text left readable.</summary>
    static readonly JsonSerializerOptions Readable = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static Command Create()
    {
        var model = new Option<string?>("--model", "-m") { Description = "model folder or checkpoint whose tokenizer to use (found beside it)" };
        var tokenizerFile = new Option<string?>("--tokenizer") { Description = "tokenizer file or folder (tokenizer.json, SentencePiece .model, llama2.c tokenizer.bin)" };
        var text = new Option<string?>("--text", "-t") { Description = "text to tokenize" };
        var data = new Option<string?>("--data") { Description = "UTF-8 file whose whole content is tokenized" };
        var noSpecial = new Option<bool>("--no-special-tokens") { Description = "encode the text exactly, without the BOS/EOS the tokenizer adds" };
        var chat = new Option<bool>("--chat") { Description = "treat the text as a user message: render it with the model's own chat template (generation prompt on) and tokenize the rendering as transformers does, without adding special tokens again" };
        var system = new Option<string?>("--system") { Description = "with --chat: a system prompt before the user message" };
        var json = new Option<bool>("--json") { Description = "print {tokenizer, ids, pieces, bos_added, eos_added, decoded} as JSON" };
        var command = new Command("tokenize", "Show the token ids and pieces a model receives for a text.");
        command.Add(model);
        command.Add(tokenizerFile);
        command.Add(text);
        command.Add(data);
        command.Add(noSpecial);
        command.Add(chat);
        command.Add(system);
        command.Add(json);
        command.SetAction(parse =>
        {
            var modelPath = parse.GetValue(model);
            var tokenizerPath = parse.GetValue(tokenizerFile);
            if ((modelPath is null) == (tokenizerPath is null))
            {
                throw new UsageException("give exactly one of --model <model> or --tokenizer <file>");
            }

            var textValue = parse.GetValue(text);
            var dataPath = parse.GetValue(data);
            if ((textValue is null) == (dataPath is null))
            {
                throw new UsageException("give exactly one of --text <text> or --data <file>");
            }

            var tokenizer = tokenizerPath is not null ? TokenizerLoader.Load(tokenizerPath) : TokenizerLoader.FindBeside(modelPath!);
            var input = textValue ?? ReadData(dataPath!);
            var addSpecial = !parse.GetValue(noSpecial);
            if (parse.GetValue(system) is not null && !parse.GetValue(chat))
            {
                throw new UsageException("--system is only used with --chat");
            }

            if (parse.GetValue(chat))
            {
                var template = ChatFormats.TemplateOf(modelPath ?? tokenizerPath!, tokenizerPath);
                input = template.Render(ChatFormats.Conversation(parse.GetValue(system), input), addGenerationPrompt: true);
                addSpecial = false;   // the rendering carries its own special tokens, as apply_chat_template(tokenize=True)
            }

            var ids = tokenizer.Encode(input, addSpecial);
            var bosAdded = addSpecial && tokenizer.AddsBos;
            var eosAdded = addSpecial && tokenizer.AddsEos;
            var pieces = ids.Select(id => tokenizer.Piece(id) ?? "").ToArray();
            var output = parse.InvocationConfiguration.Output;
            if (parse.GetValue(json))
            {
                output.WriteLine(JsonSerializer.Serialize(new
                {
                    tokenizer = tokenizer.Name,
                    text = input,
                    add_special_tokens = addSpecial,
                    bos_added = bosAdded,
                    eos_added = eosAdded,
                    bos_id = tokenizer.BosId,
                    eos_id = tokenizer.EosId,
                    ids,
                    pieces,
                    decoded = tokenizer.Decode(ids),
                }, Readable));
                return CliApp.ExitOk;
            }

            output.WriteLine($"tokenizer: {tokenizer.Name}");
            output.WriteLine($"BOS {Describe(tokenizer, tokenizer.BosId)}: {(bosAdded ? "added" : "not added")}; EOS {Describe(tokenizer, tokenizer.EosId)}: {(eosAdded ? "added" : "not added")}");
            output.WriteLine($"{ids.Count} token(s): [{string.Join(", ", ids)}]");
            var width = ids.Count == 0 ? 1 : ids.Max().ToString().Length;
            for (var i = 0; i < ids.Count; i++)
            {
                output.WriteLine($"{i,5}  {ids[i].ToString().PadLeft(width)}  {JsonSerializer.Serialize(pieces[i], Readable)}");
            }

            return CliApp.ExitOk;
        });
        return command;
    }

    static string ReadData(string path)
    {
        var full = Path.GetFullPath(path);
        if (!File.Exists(full))
        {
            throw new FileNotFoundException($"--data file '{full}' does not exist", full);
        }

        return File.ReadAllText(full);
    }

    static string Describe(ITokenizer tokenizer, int? id) => id is int value ? $"{JsonSerializer.Serialize(tokenizer.Piece(value) ?? "", Readable)} ({value})" : "(none)";
}
