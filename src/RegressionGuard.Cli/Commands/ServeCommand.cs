using System.CommandLine;
using Microsoft.Extensions.Hosting;
using RegressionGuard.Modeling;
using RegressionGuard.Server;
using RegressionGuard.Torch.Runtime;

namespace RegressionGuard.Cli.Commands;

/// <summary><c>regressionguard serve</c>: a local model (or base + adapter) behind the OpenAI-compatible protocol (docs/scale-out.md).</summary>
public static class ServeCommand
{
    public static Command Create()
    {
        var model = new ModelOptions();
        var port = new Option<int>("--port") { Description = "TCP port (0: any free port, printed at start)", DefaultValueFactory = _ => 8000 };
        port.Validators.Add(r =>
        {
            // a value that does not parse is reported by the parser itself
            if (r.Tokens is [var token] && int.TryParse(token.Value, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out int value) && value is < 0 or > 65535)
            {
                r.AddError($"--port must be in 0..65535, got {value}");
            }
        });
        var host = new Option<string>("--host") { Description = "address to listen on (default 127.0.0.1: this machine only)", DefaultValueFactory = _ => "127.0.0.1" };
        host.Validators.Add(r =>
        {
            var value = r.GetValue(host) ?? "";
            if (value != "localhost" && !System.Net.IPAddress.TryParse(value, out _))
            {
                r.AddError($"--host must be an IP address to listen on (127.0.0.1, ::1, 0.0.0.0) or localhost, got '{value}'");
            }
        });
        var name = new Option<string?>("--served-model-name") { Description = "the name clients ask for (default: the model folder's name)" };
        name.Validators.Add(r =>
        {
            if (r.GetValue(name) is { } n && (n.Length == 0 || n.Any(char.IsWhiteSpace)))
            {
                r.AddError($"--served-model-name must be a non-empty name without spaces, got '{n}'");
            }
        });
        var command = new Command("serve", "Serve a model over the OpenAI-compatible completions protocol (echo/logprobs/prompt_logprobs, chat, and the exact L_f extension).");
        model.AddTo(command);
        command.Add(port);
        command.Add(host);
        command.Add(name);
        command.SetAction(parse =>
        {
            var path = parse.GetValue(model.Model)!;
            var compute = model.Compute(parse);
            // loaded on a thread that ends, so the model worker is the process's only OpenMP thread pool (TorchThreads)
            using var loaded = TorchThreads.OnOwnThread(() => new TorchLanguageModel(ModelLoader.LoadTuned(path, null, parse.GetValue(model.Tokenizer), compute)), "model load");
            var served = parse.GetValue(name) ?? Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(path)));
            var app = ServeApp.Build(loaded, served, parse.GetValue(host)!, parse.GetValue(port), ModelChatTemplate.Find(path, parse.GetValue(model.Tokenizer)));
            try
            {
                app.Start();
            }
            catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or InvalidOperationException)
            {
                throw new UsageException($"cannot listen on {parse.GetValue(host)}:{parse.GetValue(port)}: {e.Message}");
            }

            var output = parse.InvocationConfiguration.Output;
            foreach (var url in app.Urls)
            {
                output.WriteLine($"serving '{served}' at {url}/v1 (Ctrl+C stops)");
            }

            app.WaitForShutdown();
            return CliApp.ExitOk;
        });
        return command;
    }
}
