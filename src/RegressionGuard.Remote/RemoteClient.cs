using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Polly;
using Polly.Retry;
using Polly.Timeout;
using RegressionGuard.Caching;
using RegressionGuard.Modeling;
using RegressionGuard.Remote.Protocol;

namespace RegressionGuard.Remote;

/// <summary>
/// HTTP to one endpoint: each request through a Polly pipeline (a timeout per attempt; retries with exponential
/// backoff on connection failures, timeouts, 429 and 5xx), then through the request cache: a response that parsed is
/// stored under the model's identity and the request body, so a rerun after a failure asks the server for nothing it
/// already answered.
/// </summary>
public sealed class RemoteClient : IDisposable
{
    readonly HttpClient _http;
    readonly ResiliencePipeline<HttpResponseMessage> _pipeline;
    readonly RemoteModelSpec _spec;

    public RemoteClient(RemoteModelSpec spec, TimeSpan? retryDelay = null, HttpMessageHandler? handler = null)
    {
        _spec = spec;
        _http = handler is null ? new HttpClient() : new HttpClient(handler);
        _http.Timeout = Timeout.InfiniteTimeSpan; // the pipeline's timeout applies per attempt
        _pipeline = new ResiliencePipelineBuilder<HttpResponseMessage>()
            .AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                MaxRetryAttempts = Math.Max(1, spec.Retries),
                BackoffType = DelayBackoffType.Exponential,
                Delay = retryDelay ?? TimeSpan.FromMilliseconds(500),
                UseJitter = false,
                ShouldHandle = new PredicateBuilder<HttpResponseMessage>()
                    .Handle<HttpRequestException>()
                    .Handle<TimeoutRejectedException>()
                    .HandleResult(r => r.StatusCode == HttpStatusCode.TooManyRequests || (int)r.StatusCode >= 500),
            })
            .AddTimeout(TimeSpan.FromSeconds(spec.TimeoutSeconds))
            .Build();
        if (spec.Retries == 0)
        {
            _pipeline = new ResiliencePipelineBuilder<HttpResponseMessage>().AddTimeout(TimeSpan.FromSeconds(spec.TimeoutSeconds)).Build();
        }
    }

    /// <summary>The identity responses are cached under (set once the model's fingerprint is known); null: no request cache.</summary>
    public (ContentCache Cache, string ModelHash)? RequestCache { get; set; }

    /// <summary>Requests actually sent to the server (not answered from the request cache), for tests and benchmarks.</summary>
    public int RequestsSent => _sent;
    int _sent;

    Uri Url(string path) => new($"{_spec.Endpoint.ToString().TrimEnd('/')}/{path}");

    public async Task<T> GetJsonAsync<T>(string path, CancellationToken cancel) where T : class
    {
        var bytes = await SendAsync(path, () => new HttpRequestMessage(HttpMethod.Get, Url(path)), cancel).ConfigureAwait(false);
        return Parse<T>(path, bytes);
    }

    public async Task<T> PostJsonAsync<T>(string path, object body, CancellationToken cancel) where T : class
    {
        var bytes = await PostAsync(path, JsonSerializer.SerializeToUtf8Bytes(body, ProtocolJson.Options), "application/json", cancel).ConfigureAwait(false);
        return Parse<T>(path, bytes);
    }

    /// <summary>A POST whose parsed answer is kept in the request cache (when set) and read from it on a rerun.</summary>
    public async Task<T> PostCachedAsync<T>(string path, object body, Func<byte[], T> parse, CancellationToken cancel)
    {
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        var payload = JsonSerializer.SerializeToUtf8Bytes(body, ProtocolJson.Options);
        RemoteMetrics.Client("serialize", start);
        return await PostCachedAsync(path, payload, "application/json", parse, cancel).ConfigureAwait(false);
    }

    public async Task<T> PostCachedAsync<T>(string path, byte[] payload, string contentType, Func<byte[], T> parse, CancellationToken cancel)
    {
        if (TryGetCached(path, payload, out var cached, out var key))
        {
            return Parse(parse, cached);
        }

        var bytes = await PostAsync(path, payload, contentType, cancel).ConfigureAwait(false);
        var result = Parse(parse, bytes);
        if (key is not null)
        {
            Store(key, bytes);
        }

        return result;
    }

    /// <summary>
    /// The request cache's answer to <paramref name="payload"/> at <paramref name="path"/>; <paramref name="key"/> is
    /// where an answer is to be stored (null: no request cache).
    /// </summary>
    internal bool TryGetCached(string path, byte[] payload, out byte[] bytes, out CacheKey? key)
    {
        bytes = [];
        key = null;
        if (RequestCache is not { } rc)
        {
            return false;
        }

        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        key = CacheKey.Create("remote-request", ("format", "remote-request/1"), ("model", rc.ModelHash), ("path", path),
            ("body-sha256", Convert.ToHexStringLower(SHA256.HashData(payload))));
        bool hit = rc.Cache.TryGet(key, out var found);
        RemoteMetrics.Client("cache", start);
        if (hit)
        {
            bytes = found!;
        }

        return hit;
    }

    /// <summary>
    /// Stores an answer that parsed under the key <see cref="TryGetCached"/> gave; not flushed to disk one by one (a
    /// killed run keeps it; a power loss may tear it, and a torn entry fails its check and is asked for again), and
    /// without a description file: one per prompt would double the files a served gate writes.
    /// </summary>
    internal void Store(CacheKey key, byte[] bytes)
    {
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        RequestCache!.Value.Cache.Put(key, bytes, flushToDisk: false, describe: false);
        RemoteMetrics.Client("cache", start);
    }

    /// <summary>A POST whose answer the caller caches itself (several prompts in one request, each cached on its own).</summary>
    internal async Task<T> PostUncachedAsync<T>(string path, byte[] payload, Func<byte[], T> parse, CancellationToken cancel)
    {
        var bytes = await PostAsync(path, payload, "application/json", cancel).ConfigureAwait(false);
        return Parse(parse, bytes);
    }

    static T Parse<T>(Func<byte[], T> parse, byte[] bytes)
    {
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        var result = parse(bytes);
        RemoteMetrics.Client("parse", start);
        return result;
    }

    Task<byte[]> PostAsync(string path, byte[] payload, string contentType, CancellationToken cancel) =>
        SendAsync(path, () => new HttpRequestMessage(HttpMethod.Post, Url(path))
        {
            Content = new ByteArrayContent(payload) { Headers = { ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(contentType) } },
        }, cancel);

    async Task<byte[]> SendAsync(string path, Func<HttpRequestMessage> request, CancellationToken cancel)
    {
        int attempts = 0;
        HttpResponseMessage response;
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            response = await _pipeline.ExecuteAsync(async token =>
            {
                attempts++;
                Interlocked.Increment(ref _sent);
                using var message = request();
                return await _http.SendAsync(message, HttpCompletionOption.ResponseContentRead, token).ConfigureAwait(false);
            }, cancel).ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpRequestException or TimeoutRejectedException)
        {
            string why = e is TimeoutRejectedException ? $"no answer within {_spec.TimeoutSeconds:0.###} s" : e.Message;
            throw new RemoteModelException($"{Url(path)}: {why} (after {attempts} attempt{(attempts == 1 ? "" : "s")}); is the server at {_spec.Endpoint} running?", e);
        }

        using (response)
        {
            var bytes = await response.Content.ReadAsByteArrayAsync(cancel).ConfigureAwait(false);
            RemoteMetrics.Http(start);
            if (!response.IsSuccessStatusCode)
            {
                string detail = ErrorMessage(bytes);
                string retried = response.StatusCode == HttpStatusCode.TooManyRequests || (int)response.StatusCode >= 500 ? $" (after {attempts} attempts)" : "";
                throw new RemoteModelException($"{Url(path)}: HTTP {(int)response.StatusCode} {response.ReasonPhrase}{retried}: {detail}") { StatusCode = (int)response.StatusCode };
            }

            return bytes;
        }
    }

    static string ErrorMessage(byte[] body)
    {
        try
        {
            if (JsonSerializer.Deserialize<ErrorResponse>(body, ProtocolJson.Options)?.Error?.Message is { } m)
            {
                return m;
            }
        }
        catch (JsonException)
        {
        }

        var text = Encoding.UTF8.GetString(body);
        return text.Length > 300 ? text[..300] + "…" : text;
    }

    /// <summary>The JSON answer from <paramref name="path"/> as <typeparamref name="T"/>; anything else is a malformed-answer error naming the URL.</summary>
    internal T Parse<T>(string path, byte[] bytes) where T : class
    {
        try
        {
            return JsonSerializer.Deserialize<T>(bytes, ProtocolJson.Options) ?? throw new JsonException("the body is null");
        }
        catch (JsonException e)
        {
            throw Malformed(path, e.Message, e);
        }
    }

    public RemoteModelException Malformed(string path, string why, Exception? inner = null) =>
        new($"{Url(path)}: malformed answer, not the OpenAI-compatible protocol: {why}", inner);

    public void Dispose() => _http.Dispose();
}
