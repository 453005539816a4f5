using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using RegressionGuard.Server;
using RegressionGuard.Testing;
using RegressionGuard.Torch.Runtime;

namespace RegressionGuard.Cli.Tests.Remote;

/// <summary>
/// A served base model that dies part-way through a gate: the gate exits 2 with an error naming the endpoint, leaves a
/// partial report saying which suites finished and where it stopped, and a rerun requests nothing already answered.
/// </summary>
[NonParallelizable]
public sealed class BaseSideFailureTests
{
    static string Organism(string relative) => RepositoryFiles.Path(Path.Combine("suites", "organism", relative));

    /// <summary>
    /// A loopback proxy in front of <c>serve</c> that forwards /v1/models and /v1/completions verbatim and records each
    /// completion body it answered; it stops itself (and drops the request) on the first body <c>dies</c> accepts.
    /// </summary>
    sealed class Proxy : IAsyncDisposable
    {
        readonly WebApplication _app;
        readonly HttpClient _forward = new();

        Proxy(WebApplication app) => _app = app;

        public ConcurrentQueue<string> Answered { get; } = new();

        public string Endpoint => $"{_app.Urls.First()}/v1";

        public static async Task<Proxy> Start(string target, Func<string, bool> dies)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            var proxy = new Proxy(builder.Build());
            proxy._app.MapGet("/v1/models", async (HttpContext http) =>
            {
                http.Response.ContentType = "application/json";
                await http.Response.WriteAsync(await proxy._forward.GetStringAsync($"{target}/v1/models"));
            });
            proxy._app.MapPost("/v1/completions", async (HttpContext http) =>
            {
                var body = await new StreamReader(http.Request.Body).ReadToEndAsync();
                if (dies(body))
                {
                    _ = proxy._app.StopAsync();
                    http.Abort();
                    return;
                }

                var answer = await proxy._forward.PostAsync($"{target}/v1/completions", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
                http.Response.StatusCode = (int)answer.StatusCode;
                http.Response.ContentType = "application/json";
                await http.Response.WriteAsync(await answer.Content.ReadAsStringAsync());
                proxy.Answered.Enqueue(body);
            });
            await proxy._app.StartAsync();
            return proxy;
        }

        public async ValueTask DisposeAsync()
        {
            _forward.Dispose();
            await _app.DisposeAsync();
        }
    }

    /// <summary>Generation requests send prompts as text (one, or a list); scoring requests (and the fingerprint probe) as token ids.</summary>
    static bool IsGeneration(string body) => body.Contains("\"prompt\":\"", StringComparison.Ordinal) || body.Contains("\"prompt\":[\"", StringComparison.Ordinal);

    /// <summary>The text prompts of a generation request body.</summary>
    static IEnumerable<string> PromptsOf(string body)
    {
        var prompt = JsonDocument.Parse(body).RootElement.GetProperty("prompt");
        return prompt.ValueKind == JsonValueKind.String ? [prompt.GetString()!] : prompt.EnumerateArray().Select(p => p.GetString()!).ToArray();
    }

    /// <summary>Knowledge (multiple choice), then reasoning (generate) on the served base; the tuned model is served where nothing listens.</summary>
    static string Config(TempFolder dir, string endpoint, int concurrency, int batchSize) => $"""
        schema: 1
        base: {"{"} endpoint: '{endpoint}', model: base, tokenizer: '{Organism("models/base")}', concurrency: {concurrency}, batch_size: {batchSize}, retries: 1, timeout_seconds: 30 {"}"}
        tuned: {"{"} endpoint: 'http://127.0.0.1:9/v1', model: mild, tokenizer: '{Organism("models/base")}', retries: 0 {"}"}
        suites:
          - '{Organism("knowledge.yaml")}'
          - '{Organism("reasoning.yaml")}'
        cache: '{dir.File("cache")}'
        output: '{dir.File("out")}'
        compute:
          dtype: float32
          batch_size: 32
        """;

    [Test]
    public async Task A_served_base_killed_mid_run_exits_2_with_a_partial_report_and_a_rerun_requests_only_what_was_not_answered()
    {
        // Given the organism base behind `serve`, reached through a proxy that dies at the 21st generation request (one
        // prompt per request, one request at a time): the gate's first suite (multiple choice) finishes on the base model,
        // its second (generate) stops after 20 answers
        using var dir = new TempFolder();
        using var baseModel = new TorchLanguageModel(ModelLoader.Load(Organism("models/base")));
        await using var server = ServeApp.Build(baseModel, "base", "127.0.0.1", 0);
        await server.StartAsync();
        int generations = 0;
        await using var dying = await Proxy.Start(server.Urls.First(), body => IsGeneration(body) && Interlocked.Increment(ref generations) > 20);
        var config = dir.File("gate.yaml");
        File.WriteAllText(config, Config(dir, dying.Endpoint, concurrency: 1, batchSize: 1));

        // When the gate runs
        var run = CliRun.Of("gate", "--config", config);

        // Then it exits 2 with an error naming the endpoint, and its partial report says what finished and where it stopped
        Assert.That(run.ExitCode, Is.EqualTo(2), run.Out + run.Error);
        Assert.That(run.Error, Does.Contain($"error: {dying.Endpoint}/completions: ").And.Contain("(after 2 attempts); is the server at").And.Not.Contain("   at "));
        Assert.That(run.Error, Does.Contain("reports (outcome error, partial): "));
        var report = JsonDocument.Parse(File.ReadAllText(dir.File("out/report.json"))).RootElement;
        Assert.That(report.GetProperty("outcome").GetString(), Is.EqualTo("error"));
        var errors = report.GetProperty("errors").EnumerateArray().Select(e => e.GetString()).ToList();
        Assert.That(errors, Has.Count.EqualTo(2));
        Assert.That(errors[0], Does.StartWith($"{dying.Endpoint}/completions: "));
        Assert.That(errors[1], Is.EqualTo("the run stopped on the base side, in base · organism_reasoning; finished before it: base · organism_knowledge (evaluated); " +
            "not run: every suite and L_f on the tuned model (nothing was compared); " +
            "a rerun reads the finished base results from the cache and sends a served model only the requests it did not answer"));
        Assert.That(File.ReadAllText(dir.File("out/report.md")), Does.Contain(@"finished before it: base · organism\_knowledge (evaluated)"));
        var answeredBefore = dying.Answered.Where(IsGeneration).SelectMany(PromptsOf).ToHashSet();
        Assert.That(answeredBefore, Has.Count.EqualTo(20));

        // And a rerun through a proxy that does not die (at concurrency 8, eight prompts per request: results do not
        // depend on either) requests none of the prompts answered before the failure: the finished suite comes from the
        // cache, the stopped one sends only its unanswered prompts (and the probe again); the base side finishes, and the
        // run goes on to the tuned model
        await using var live = await Proxy.Start(server.Urls.First(), _ => false);
        File.WriteAllText(config, Config(dir, live.Endpoint, concurrency: 8, batchSize: 8));
        var rerun = CliRun.Of("gate", "--config", config);
        Assert.That(rerun.Error, Does.Contain("base · organism_knowledge: from cache").And.Contain("base · organism_reasoning: evaluated"));
        Assert.That(rerun.Out, Does.Contain("error: http://127.0.0.1:9/v1/models: "), "the rerun reached the tuned model");
        var sent = live.Answered.ToList();
        var prompts = sent.Where(IsGeneration).SelectMany(PromptsOf).ToList();
        Assert.That(prompts.Where(answeredBefore.Contains), Is.Empty, "no generation answered before the failure is requested again");
        Assert.That(sent.Count(b => !IsGeneration(b)), Is.EqualTo(1), "only the fingerprint probe is scored again");
        int reasoningItems = File.ReadLines(Organism("data/reasoning.jsonl")).Count(l => l.Length > 0);
        Assert.That(prompts, Has.Count.EqualTo(reasoningItems - 20));
        Assert.That(sent.Where(IsGeneration).Select(b => PromptsOf(b).Count()), Has.All.InRange(1, 8), "eight prompts per request at most");
    }
}
