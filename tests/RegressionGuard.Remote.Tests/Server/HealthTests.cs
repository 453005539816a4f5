using System.Text.Json;
using RegressionGuard.Remote.Protocol;

namespace RegressionGuard.Remote.Tests.Server;

[NonParallelizable]
public sealed class HealthTests
{
    [Test]
    public async Task Health_says_ok_and_counts_the_prompts_the_model_thread_has_run()
    {
        // Given a server that has answered one request of three echoed prompts
        await using var app = await Organism.Serve(Organism.Base, "base");
        using var client = new RemoteClient(Organism.Spec(app, "base"));
        using var http = new HttpClient();
        var ids = Organism.Base.EncodePrompt("Once upon a time");
        var before = JsonDocument.Parse(await http.GetStringAsync($"{app.Urls.First()}/health")).RootElement;
        await client.PostJsonAsync<CompletionResponse>("completions", new CompletionRequest { Model = "base", Prompt = new[] { ids, ids, ids }, MaxTokens = 1, Echo = true, Logprobs = 1 }, CancellationToken.None);

        // When its health is asked for
        var after = JsonDocument.Parse(await http.GetStringAsync($"{app.Urls.First()}/health")).RootElement;

        // Then it is ok, names the model, and its worker ran three more prompts, all scoring
        Assert.That((after.GetProperty("status").GetString(), after.GetProperty("model").GetString()), Is.EqualTo(("ok", "base")));
        var (w0, w1) = (before.GetProperty("worker"), after.GetProperty("worker"));
        Assert.That(w1.GetProperty("prompts").GetInt32() - w0.GetProperty("prompts").GetInt32(), Is.EqualTo(3));
        Assert.That(w1.GetProperty("scoring_seconds").GetDouble(), Is.GreaterThan(w0.GetProperty("scoring_seconds").GetDouble()));
        Assert.That(w1.GetProperty("generation_seconds").GetDouble(), Is.EqualTo(w0.GetProperty("generation_seconds").GetDouble()));
    }
}
