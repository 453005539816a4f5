using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using RegressionGuard.Caching;
using RegressionGuard.Modeling;
using RegressionGuard.Testing;

namespace RegressionGuard.Remote.Tests.Faults;

/// <summary>Every way a server can fail ends in a clear error naming the endpoint, after retries where a retry can help.</summary>
[NonParallelizable]
public sealed class RemoteFaultTests
{
    static readonly TimeSpan FastRetry = TimeSpan.FromMilliseconds(10);

    /// <summary>A server whose /v1/models serves 'm' with the organism's tokenizer and whose /v1/completions answers as told.</summary>
    static async Task<WebApplication> Faulty(Func<int, HttpContext, Task> completions)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        int calls = 0;
        app.MapGet("/v1/models", () => Results.Json(new { data = new[] { new { id = "m", max_model_len = 128 } } }));
        app.MapPost("/v1/completions", (HttpContext http) => completions(Interlocked.Increment(ref calls), http));
        await app.StartAsync();
        return app;
    }

    static RemoteModelSpec Spec(WebApplication app, string model = "m", int retries = 2, double timeout = 30) =>
        new(new Uri($"{app.Urls.First()}/v1"), model, Organism.BaseFolder, 2, timeout, retries);

    [Test]
    public async Task HTTP_500_is_retried_then_reported_with_the_endpoint_and_the_attempts()
    {
        // Given a server that always answers 500
        await using var app = await Faulty((_, http) => Results.Json(new { error = new { message = "engine dead" } }, statusCode: 500).ExecuteAsync(http));

        // When the model is opened
        var e = Assert.Throws<RemoteModelException>(() => RemoteLanguageModel.Open(Spec(app), retryDelay: FastRetry))!;

        // Then the error names the endpoint, the status, the server's message and that it retried
        Assert.That(e.Message, Does.Contain($"{app.Urls.First()}/v1/completions").And.Contain("HTTP 500").And.Contain("engine dead").And.Contain("after 3 attempts"));
    }

    [Test]
    public async Task HTTP_429_twice_then_an_answer_succeeds_after_the_retries()
    {
        // Given a server that throttles the first two requests, then serves the organism base through a real server
        await using var real = await Organism.Serve(Organism.Base, "base");
        using var forward = new HttpClient();
        await using var app = await Faulty(async (call, http) =>
        {
            if (call <= 2)
            {
                await Results.StatusCode(429).ExecuteAsync(http);
                return;
            }

            var text = (await new StreamReader(http.Request.Body).ReadToEndAsync()).Replace("\"model\":\"m\"", "\"model\":\"base\"", StringComparison.Ordinal);
            var answer = await forward.PostAsync($"{real.Urls.First()}/v1/completions", new StringContent(text, System.Text.Encoding.UTF8, "application/json"));
            http.Response.ContentType = "application/json";
            await http.Response.WriteAsync(await answer.Content.ReadAsStringAsync());
        });

        // When the model is opened (its fingerprint probe is the first request)
        using var model = RemoteLanguageModel.Open(Spec(app, retries: 3), retryDelay: FastRetry);

        // Then it connected: three attempts were sent for the probe
        Assert.That(model.Client.RequestsSent, Is.EqualTo(4));
    }

    [Test]
    public async Task A_server_that_refuses_prompt_lists_is_an_error_that_says_to_set_batch_size_1()
    {
        // Given a server that answers one-prompt requests (through the organism base) and refuses a list of prompts
        // with 400, as a server without vLLM's list prompts would
        await using var real = await Organism.Serve(Organism.Base, "base");
        using var forward = new HttpClient();
        await using var app = await Faulty(async (_, http) =>
        {
            var text = (await new StreamReader(http.Request.Body).ReadToEndAsync()).Replace("\"model\":\"m\"", "\"model\":\"base\"", StringComparison.Ordinal);
            if (text.Contains("\"prompt\":[[", StringComparison.Ordinal))
            {
                await Results.Json(new { error = new { message = "prompt must be a list of integers" } }, statusCode: 400).ExecuteAsync(http);
                return;
            }

            var answer = await forward.PostAsync($"{real.Urls.First()}/v1/completions", new StringContent(text, System.Text.Encoding.UTF8, "application/json"));
            http.Response.ContentType = "application/json";
            await http.Response.WriteAsync(await answer.Content.ReadAsStringAsync());
        });
        var requests = Enumerable.Range(0, 3).Select(i => new LogLikelihoodRequest($"Question {i}:", $" answer {i}")).ToArray();

        // When three requests are scored at batch size 2, then at batch size 1
        using var batched = RemoteLanguageModel.Open(Spec(app) with { BatchSize = 2 }, retryDelay: FastRetry);
        var e = Assert.Throws<RemoteModelException>(() => batched.LogLikelihood(requests))!;
        using var single = RemoteLanguageModel.Open(Spec(app) with { BatchSize = 1 }, retryDelay: FastRetry);

        // Then the first is an error with the server's message that says how many prompts the request carried and to
        // set batch_size: 1; the second scores every request
        Assert.That(e.Message, Does.Contain("HTTP 400").And.Contain("prompt must be a list of integers")
            .And.Contain($"the request carried 2 prompts as a list; for a server that takes one prompt per request, set batch_size: 1 on {app.Urls.First()}/v1#m"));
        Assert.That(single.LogLikelihood(requests), Has.Count.EqualTo(3));
    }

    [Test]
    public async Task Malformed_JSON_is_a_clear_error_naming_the_endpoint()
    {
        // Given a server that answers with broken JSON
        await using var app = await Faulty((_, http) => http.Response.WriteAsync("{\"choices\": [ {\"text\": "));

        // When the model is opened
        var e = Assert.Throws<RemoteModelException>(() => RemoteLanguageModel.Open(Spec(app), retryDelay: FastRetry))!;

        // Then the error says the answer is not the protocol, at which URL
        Assert.That(e.Message, Does.StartWith($"{app.Urls.First()}/v1/completions: malformed answer, not the OpenAI-compatible protocol"));
    }

    [Test]
    public async Task A_hang_past_the_timeout_is_retried_then_reported()
    {
        // Given a server that never answers
        await using var app = await Faulty(async (_, http) => await Task.Delay(Timeout.Infinite, http.RequestAborted));

        // When the model is opened with a 0.5 s timeout and one retry
        var e = Assert.Throws<RemoteModelException>(() => RemoteLanguageModel.Open(Spec(app, retries: 1, timeout: 0.5), retryDelay: FastRetry))!;

        // Then the error names the timeout, the attempts and the endpoint
        Assert.That(e.Message, Does.Contain("no answer within 0.5 s (after 2 attempts)").And.Contain(app.Urls.First()));
    }

    [Test]
    public async Task A_model_name_the_server_does_not_serve_is_an_error_listing_what_it_serves()
    {
        // Given the organism base served as 'base'
        await using var app = await Organism.Serve(Organism.Base, "base");

        // When a client asks for 'tuned'
        var e = Assert.Throws<RemoteModelException>(() => RemoteLanguageModel.Open(Organism.Spec(app, "tuned")))!;

        // Then the error lists the served names
        Assert.That(e.Message, Is.EqualTo($"{app.Urls.First()}/v1: no model named 'tuned' is served; the server serves: base"));
    }

    [Test]
    public async Task A_local_tokenizer_that_does_not_match_the_served_model_is_detected()
    {
        // Given the organism base served, and a local tokenizer that differs from it in one vocabulary entry
        await using var app = await Organism.Serve(Organism.Base, "base");
        using var dir = new TempFolder();
        var json = File.ReadAllText(Path.Combine(Organism.BaseFolder, "tokenizer.json"));
        File.WriteAllText(Path.Combine(dir.Path, "tokenizer.json"), json.Replace("\"unk_token\": null", "\"unk_token\": null ", StringComparison.Ordinal) + "\n");

        // When a client opens it with that tokenizer
        var e = Assert.Throws<RemoteModelException>(() => RemoteLanguageModel.Open(Organism.Spec(app, "base", tokenizer: dir.Path)))!;

        // Then the error says the tokenizer is not the served model's
        Assert.That(e.Message, Does.Contain("is not the served model's").And.Contain(dir.Path));
    }

    [Test]
    public async Task A_server_killed_mid_run_fails_clearly_and_a_rerun_requests_only_what_was_not_answered()
    {
        // Given the organism base behind a server that dies after its 4th completion request (the probe, then three
        // requests of two prompts each), and a request cache
        using var dir = new TempFolder();
        var cache = new ContentCache(dir.Path);
        var requests = Enumerable.Range(0, 12).Select(i => new LogLikelihoodRequest($"Question {i}: who lives in the town?", $" answer {i}")).ToArray();
        await using var real = await Organism.Serve(Organism.Base, "base");
        int answered = 0;
        using var forward = new HttpClient();
        WebApplication? dying = null;
        dying = await Faulty(async (call, http) =>
        {
            if (Interlocked.Increment(ref answered) > 4)
            {
                _ = dying!.StopAsync();
                http.Abort();
                return;
            }

            var text = (await new StreamReader(http.Request.Body).ReadToEndAsync()).Replace("\"model\":\"m\"", "\"model\":\"base\"", StringComparison.Ordinal);
            var answer = await forward.PostAsync($"{real.Urls.First()}/v1/completions", new StringContent(text, System.Text.Encoding.UTF8, "application/json"));
            http.Response.ContentType = "application/json";
            await http.Response.WriteAsync((await answer.Content.ReadAsStringAsync()).Replace("\"model\":\"base\"", "\"model\":\"m\"", StringComparison.Ordinal));
        });
        var spec = Spec(dying, retries: 2) with { Concurrency = 1, BatchSize = 2 };

        // When the run meets the dead server
        using (var model = RemoteLanguageModel.Open(spec, requestCache: cache, retryDelay: FastRetry))
        {
            var e = Assert.Throws<RemoteModelException>(() => model.LogLikelihood(requests))!;

            // Then the error names the endpoint after the retries
            Assert.That(e.Message, Does.Contain(spec.Endpoint.ToString().TrimEnd('/')).And.Contain("attempt"));
        }

        await dying.DisposeAsync();

        // And a rerun against a live server (same model, same fingerprint) at another batch size sends only the 6
        // unanswered prompts, in two requests of at most 4 (+ its probe): each prompt's answer was cached on its own
        // (served without the extensions, as the dying server's card was: the same request bodies)
        await using var again = await Organism.Serve(Organism.Base, "m", extensions: false);
        using var rerun = RemoteLanguageModel.Open(Organism.Spec(again, "m", concurrency: 1) with { BatchSize = 4 }, requestCache: cache, retryDelay: FastRetry);
        var results = rerun.LogLikelihood(requests);
        Assert.That(results, Has.Count.EqualTo(12));
        Assert.That(rerun.Client.RequestsSent, Is.EqualTo(2 + 2), "GET /models, the probe, then only the prompts not answered before");
    }
}
