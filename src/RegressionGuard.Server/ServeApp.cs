using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using RegressionGuard.Forgetting;
using RegressionGuard.Modeling;
using RegressionGuard.Remote.Protocol;
using RegressionGuard.Torch.Forgetting;
using RegressionGuard.Torch.Runtime;

namespace RegressionGuard.Server;

/// <summary>
/// <c>regressionguard serve</c>: one local model behind the OpenAI-compatible protocol as vLLM serves it
/// (vllm/entrypoints/openai/protocol.py, serving_completion.py): <c>GET /health</c>, <c>GET /v1/models</c>,
/// <c>POST /v1/completions</c> (text or token-id prompts, greedy, <c>echo</c>, <c>logprobs</c>, <c>prompt_logprobs</c>,
/// <c>stop</c>, <c>add_special_tokens</c>), <c>POST /v1/chat/completions</c> (the model's chat template), and the two
/// L_f operations of the model interface as an extension (<c>/v1/regressionguard/distributions</c>,
/// <c>/v1/regressionguard/cross_entropy</c>; docs/scale-out.md). Only greedy decoding (temperature 0) is served: the
/// gate measures deterministic behaviour.
/// </summary>
public static class ServeApp
{
    /// <param name="extensions">false: serve only the standard protocol, as vLLM does (tests and benchmarks of the top-K path).</param>
    public static WebApplication Build(TorchLanguageModel model, string name, string host, int port, ModelChatTemplate? chatTemplate = null, bool extensions = true)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://{host}:{port}");
        builder.Services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.PropertyNamingPolicy = ProtocolJson.Options.PropertyNamingPolicy;
            o.SerializerOptions.DefaultIgnoreCondition = ProtocolJson.Options.DefaultIgnoreCondition;
            o.SerializerOptions.NumberHandling = ProtocolJson.Options.NumberHandling;
        });
        var app = builder.Build();
        var worker = new ModelWorker(model);
        Workers.AddOrUpdate(app, worker);
        app.Lifetime.ApplicationStopped.Register(worker.Dispose);
        var card = new ModelCard
        {
            Id = name,
            MaxModelLen = model.Description.ContextLength,
            Regressionguard = new ServerExtensions { Extensions = extensions ? ["distributions", "cross_entropy", "score_from"] : [], TokenizerSha256 = model.Model.Tokenizer.ContentHash, VocabSize = model.Description.VocabSize },
        };

        app.MapGet("/health", () =>
        {
            var (scoring, generation) = worker.BusyTimeByKind;
            // extension: what the model thread has done, for benchmarks across processes
            return Results.Json(new
            {
                status = "ok",
                model = name,
                worker = new { prompts = worker.Requests, busy_seconds = worker.BusyTime.TotalSeconds, scoring_seconds = scoring.TotalSeconds, generation_seconds = generation.TotalSeconds },
            });
        });
        app.MapGet("/v1/models", () => Results.Json(new { @object = "list", data = new[] { card } }, ProtocolJson.Options));
        app.MapPost("/v1/completions", (HttpContext http) => Guarded(http, async body => await Completions.Handle(worker, name, body, http.RequestAborted).ConfigureAwait(false)));
        app.MapPost("/v1/chat/completions", (HttpContext http) => Guarded(http, async body => await Completions.Chat(worker, name, chatTemplate, body).ConfigureAwait(false)));
        if (!extensions)
        {
            return app;
        }

        app.MapPost("/v1/regressionguard/distributions", (HttpContext http) => Guarded(http, async body =>
        {
            var request = JsonSerializer.Deserialize<DistributionsRequest>(body, ProtocolJson.Options) ?? throw new BadRequest("empty body");
            CheckModel(name, request.Model);
            var result = await worker.Run(() => model.NextTokenDistributions(request.Documents, new RollingOptions(request.Truncate, request.Stride), request.TopK)).ConfigureAwait(false);
            using var stream = new MemoryStream();
            BaseDistributionsCache.Write(result, stream);
            return Results.Bytes(stream.ToArray(), "application/octet-stream");
        }));
        app.MapPost("/v1/regressionguard/cross_entropy", (HttpContext http) => Guarded(http, async body =>
        {
            CheckModel(name, http.Request.Query["model"].ToString());
            BaseDistributions reference;
            try
            {
                reference = BaseDistributionsCache.Read(body);
            }
            catch (Exception e) when (e is InvalidDataException or OutOfMemoryException)
            {
                throw new BadRequest($"the body is not base distributions in the base-distributions/2 format: {e.Message}");
            }

            var result = await worker.Run(() => model.CrossEntropyAgainst(reference)).ConfigureAwait(false);
            return Results.Json(result, ProtocolJson.Options);
        }));
        return app;
    }

    static readonly System.Runtime.CompilerServices.ConditionalWeakTable<WebApplication, ModelWorker> Workers = new();

    /// <summary>Requests the model worker of <paramref name="app"/> has answered (completions and extensions), for benchmarks.</summary>
    public static int RequestsServed(WebApplication app) => Workers.TryGetValue(app, out var w) ? w.Requests : 0;

    internal static void CheckModel(string served, string? asked)
    {
        if (asked != served)
        {
            throw new BadRequest($"The model `{asked}` does not exist. This server serves `{served}`.", StatusCodes.Status404NotFound);
        }
    }

    static async Task Guarded(HttpContext http, Func<byte[], Task<IResult>> handle)
    {
        using var memory = new MemoryStream();
        await http.Request.Body.CopyToAsync(memory, http.RequestAborted).ConfigureAwait(false);
        var result = await Answer(memory.ToArray(), handle).ConfigureAwait(false);
        await result.ExecuteAsync(http).ConfigureAwait(false);
    }

    static async Task<IResult> Answer(byte[] body, Func<byte[], Task<IResult>> handle)
    {
        try
        {
            return await handle(body).ConfigureAwait(false);
        }
        catch (BadRequest e)
        {
            return Error(e.Message, e.Status);
        }
        catch (JsonException e)
        {
            return Error($"malformed JSON: {e.Message}", StatusCodes.Status400BadRequest);
        }
        catch (ArgumentException e)
        {
            return Error(e.Message, StatusCodes.Status400BadRequest);
        }
    }

    static IResult Error(string message, int status) =>
        Results.Json(new ErrorResponse { Error = new ErrorInfo { Message = message, Type = status == 404 ? "NotFoundError" : "BadRequestError", Code = status } }, ProtocolJson.Options, statusCode: status);
}

/// <summary>A request the server refuses, with the OpenAI-style error it answers.</summary>
public sealed class BadRequest(string message, int status = StatusCodes.Status400BadRequest) : Exception(message)
{
    public int Status { get; } = status;
}
