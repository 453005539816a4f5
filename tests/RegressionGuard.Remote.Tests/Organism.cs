using Microsoft.AspNetCore.Builder;
using RegressionGuard.Modeling;
using RegressionGuard.Server;
using RegressionGuard.Testing;
using RegressionGuard.Torch.Runtime;

namespace RegressionGuard.Remote.Tests;

/// <summary>The shipped organism's models, loaded once, and loopback servers over them.</summary>
internal static class Organism
{
    public static string Path(string relative) => RepositoryFiles.Path(System.IO.Path.Combine("suites", "organism", relative));

    public static string BaseFolder => Path("models/base");

    static readonly Lazy<TorchLanguageModel> LazyBase = new(() => new TorchLanguageModel(ModelLoader.Load(BaseFolder)));
    static readonly Lazy<TorchLanguageModel> LazyMild = new(() => new TorchLanguageModel(ModelLoader.LoadTuned(Path("models/mild"), BaseFolder)));

    public static TorchLanguageModel Base => LazyBase.Value;
    public static TorchLanguageModel Mild => LazyMild.Value;

    /// <summary>A started loopback server on a free port.</summary>
    public static async Task<WebApplication> Serve(TorchLanguageModel model, string name, bool extensions = true)
    {
        var app = ServeApp.Build(model, name, "127.0.0.1", 0, extensions: extensions);
        await app.StartAsync();
        return app;
    }

    public static RemoteModelSpec Spec(WebApplication app, string name, int concurrency = 4, int retries = 2, double timeout = 60, string? tokenizer = null) =>
        new(new Uri($"{app.Urls.First()}/v1"), name, tokenizer ?? BaseFolder, concurrency, timeout, retries);
}
