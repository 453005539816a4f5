using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using RegressionGuard.Gate;
using RegressionGuard.Modeling;
using RegressionGuard.Server;
using RegressionGuard.Suites;
using RegressionGuard.Testing;
using RegressionGuard.Torch.Runtime;

namespace RegressionGuard.Cli.Tests.Remote;

/// <summary>
/// Any OpenAI-compatible chat endpoint as a generation-only backend from a config or the command line
/// (<c>{ endpoint, model, api: chat }</c>), tested against `regressionguard serve`'s /v1/chat/completions over loopback.
/// </summary>
[NonParallelizable]
public sealed class ChatEndpointTests
{
    static string Organism(string relative) => RepositoryFiles.Path(Path.Combine("suites", "organism", relative));

    /// <summary>The organism model behind `serve` with a chat template that passes the user's text through.</summary>
    static async Task<WebApplication> ServeChat(TorchLanguageModel model, string name, TempFolder dir)
    {
        var folder = dir.File($"template-{name}");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, ModelChatTemplate.TemplateFile), "{% for m in messages %}{{ m.content }}{% endfor %}");
        var app = ServeApp.Build(model, name, "127.0.0.1", 0, ModelChatTemplate.Load(folder));
        await app.StartAsync();
        return app;
    }

    static string Chat(WebApplication app, string name) => $"{{ endpoint: '{app.Urls.First()}/v1', model: {name}, api: chat, concurrency: 8 }}";

    [Test]
    public async Task A_gate_with_both_models_on_chat_endpoints_runs_its_generate_and_refusal_suites_through_IChatClient()
    {
        // Given base and mild behind `serve`, and a gate config naming them as chat endpoints, no tokenizer
        using var dir = new TempFolder();
        using var baseModel = new TorchLanguageModel(ModelLoader.Load(Organism("models/base")));
        using var tunedModel = new TorchLanguageModel(ModelLoader.LoadTuned(Organism("models/mild"), Organism("models/base")));
        await using var baseServer = await ServeChat(baseModel, "base", dir);
        await using var tunedServer = await ServeChat(tunedModel, "mild", dir);
        var config = dir.File("gate.yaml");
        File.WriteAllText(config, $"""
            schema: 1
            base: {Chat(baseServer, "base")}
            tuned: {Chat(tunedServer, "mild")}
            suites: ['{Organism("reasoning.yaml")}', '{Organism("refusal.yaml")}']
            cache: none
            output: '{dir.File("out")}'
            """);

        // When the gate runs
        var run = CliRun.Of("gate", "--config", config);

        // Then both suites are compared over every item, each prompt having been one chat request (plus each side's probe)
        Assert.That(run.ExitCode, Is.Not.EqualTo(2), run.Out + run.Error);
        Assert.That(run.Error, Does.Contain($"{baseServer.Urls.First()}/v1#base (chat): fingerprint "));
        var report = JsonDocument.Parse(File.ReadAllText(dir.File("out/report.json"))).RootElement;
        var suites = report.GetProperty("suites").EnumerateArray().Select(s => (s.GetProperty("suite").GetString(), s.GetProperty("paired_items").GetInt32())).ToList();
        int reasoning = File.ReadLines(Organism("data/reasoning.jsonl")).Count(l => l.Length > 0);
        int refusal = File.ReadLines(Organism("data/refusal.jsonl")).Count(l => l.Length > 0);
        Assert.That(suites, Is.EqualTo(new[] { ("organism_reasoning", reasoning), ("organism_refusal", refusal) }));
        Assert.That((ServeApp.RequestsServed(baseServer), ServeApp.RequestsServed(tunedServer)), Is.EqualTo((1 + reasoning + refusal, 1 + reasoning + refusal)));
        Assert.That(report.GetProperty("base").GetProperty("path").GetString(), Is.EqualTo($"{baseServer.Urls.First()}/v1#base (chat)"));
    }

    [Test]
    public async Task A_multiple_choice_suite_on_a_chat_endpoint_is_refused_with_why_log_likelihood_scoring_needs_log_probabilities()
    {
        // Given the tuned model as a chat endpoint
        using var dir = new TempFolder();
        using var tunedModel = new TorchLanguageModel(ModelLoader.LoadTuned(Organism("models/mild"), Organism("models/base")));
        await using var tunedServer = await ServeChat(tunedModel, "mild", dir);

        // When a multiple-choice suite is compared on it
        var run = CliRun.Of("compare", "--base", Organism("models/base"), "--tuned", Chat(tunedServer, "mild"), "--suite", Organism("knowledge.yaml"), "--limit", "2", "--no-cache");

        // Then exit 2 with the reason and what would work, before any scoring request reached the server (only the probe)
        Assert.That(run.ExitCode, Is.EqualTo(2), run.Out + run.Error);
        Assert.That(run.Error, Does.StartWith($"error: suite 'organism_knowledge' ({Organism("knowledge.yaml")}) is multiple choice, scored by the log-likelihood of each choice, and {tunedServer.Urls.First()}/v1#mild (chat) (chat client (Microsoft.Extensions.AI, generation only)) returns no log-probabilities; run it on a completions endpoint with logprobs"));
        Assert.That(ServeApp.RequestsServed(tunedServer), Is.EqualTo(1));
    }

    [Test]
    public void A_gate_config_with_L_f_on_a_chat_endpoint_is_refused_when_it_loads()
    {
        // Given a config whose tuned model is a chat endpoint and which measures L_f
        using var dir = new TempFolder();
        var text = $"""
            schema: 1
            base: '{Organism("models/base")}'
            tuned: {"{"} endpoint: 'http://127.0.0.1:8001/v1', model: mild, api: chat {"}"}
            suites: ['{Organism("refusal.yaml")}']
            forgetting:
              corpus: '{Organism("data/forgetting.jsonl")}'
              budget: 1
            """;

        // When it is read
        var e = Assert.Throws<SuiteValidationException>(() => GateConfig.Parse(text, dir.File("gate.yaml")))!;

        // Then the one problem says why and what to do instead
        Assert.That(e.Errors.Select(x => x.Message), Is.EqualTo(new[]
        {
            "'forgetting' needs the log-probabilities of both models, and 'tuned' is a chat endpoint (api: chat) that returns only text; remove 'forgetting:' or serve tuned through /v1/completions (api: completions, with its tokenizer)",
        }));
    }

    [Test]
    public void An_unknown_api_is_an_error_naming_the_two_that_exist()
    {
        // Given a served model with api: chatty
        // When it is parsed from the command line
        var e = Assert.Throws<SuiteValidationException>(() => RemoteModelSpec.Parse("{ endpoint: http://127.0.0.1:8000/v1, model: m, api: chatty }", "--tuned"))!;

        // Then the error names both APIs and what each serves
        Assert.That(e.Errors.Single().Message, Is.EqualTo(
            "'api' must be 'completions' (/v1/completions with logprobs: every suite and L_f) or 'chat' (/v1/chat/completions: generate and refusal suites only), got 'chatty'"));
    }
}
