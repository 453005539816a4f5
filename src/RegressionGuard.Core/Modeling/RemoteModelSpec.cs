using RegressionGuard.Suites;
using RegressionGuard.Suites.Loading;
using YamlDotNet.RepresentationModel;

namespace RegressionGuard.Modeling;

/// <summary>Which OpenAI-compatible API a served model is used through (<c>api:</c>).</summary>
public enum RemoteApi
{
    /// <summary><c>/v1/completions</c> with token-id prompts, echo and logprobs: every suite and L_f.</summary>
    Completions,

    /// <summary><c>/v1/chat/completions</c> through an <c>IChatClient</c>: generation only (generate and refusal suites).</summary>
    Chat,
}

/// <summary>
/// A model served by an OpenAI-compatible completions server (vLLM, SGLang, <c>regressionguard serve</c>):
/// <c>{ endpoint: http://host:port/v1, model: &lt;served name&gt;, tokenizer: &lt;local folder&gt; }</c> in a gate config's
/// <c>base:</c>/<c>tuned:</c> or a command's <c>--model</c>. The local tokenizer turns text into the token ids the
/// requests send; the fingerprint (docs/scale-out.md) checks it matches the served model.
/// </summary>
/// <param name="Endpoint">the API root, ending in /v1 (requests go to {Endpoint}/completions, {Endpoint}/models).</param>
/// <param name="Model">the name the server serves the model under (vLLM: --served-model-name or a --lora-modules name).</param>
/// <param name="Tokenizer">the served model's tokenizer: a folder with tokenizer.json (or a tokenizer file); optional with
/// <c>api: chat</c>, where the server tokenizes (then it is only where a suite's <c>chat_format: model</c> finds a template).</param>
/// <param name="Concurrency">requests in flight at once.</param>
/// <param name="BatchSize">prompts per completions request (<c>prompt</c> as a list, as vLLM takes it and
/// lm-evaluation-harness's <c>local-completions</c> sends with <c>batch_size</c>); 1 for a server that takes one prompt
/// per request. Each prompt's answer is cached on its own, so results and reruns do not depend on it.</param>
/// <param name="TimeoutSeconds">per request; a request past it is retried, then the run fails naming the endpoint.</param>
/// <param name="Retries">retries of a failed request (connection refused, 429, 5xx, timeout), with exponential backoff.</param>
/// <param name="TopK">ids per position for the base side of L_f when the server has no exact extension (vLLM's --max-logprobs, default 20).</param>
public sealed record RemoteModelSpec(Uri Endpoint, string Model, string? Tokenizer, int Concurrency = 4, double TimeoutSeconds = 120, int Retries = 3, int TopK = 20, int BatchSize = RemoteModelSpec.DefaultBatchSize)
{
    public static readonly string[] Keys = ["endpoint", "model", "tokenizer", "api", "concurrency", "batch_size", "timeout_seconds", "retries", "top_k"];

    /// <summary>Prompts per completions request unless <c>batch_size</c> says otherwise.</summary>
    public const int DefaultBatchSize = 8;

    /// <summary>The API the model is used through: completions (default; every suite and L_f) or chat (generation only).</summary>
    public RemoteApi Api { get; init; } = RemoteApi.Completions;

    /// <summary>How it reads in reports and cache keys: endpoint#model (endpoint#model (chat) through the chat API).</summary>
    public string Display => $"{Endpoint.ToString().TrimEnd('/')}#{Model}{(Api == RemoteApi.Chat ? " (chat)" : "")}";

    /// <summary>Reads the mapping form; every problem goes to the map's error list (file:line:col, key, expected vs got). Relative tokenizer paths are relative to <paramref name="folder"/>.</summary>
    public static RemoteModelSpec? Read(YamlMap map, string folder)
    {
        ArgumentNullException.ThrowIfNull(map);
        int before = map.Errors.Count;
        map.RejectUnknown(Keys);
        map.Require("endpoint", "the server's API root, e.g. http://127.0.0.1:8000/v1");
        map.Require("model", "the served model name (GET {endpoint}/models lists them)");
        RemoteApi? api = RemoteApi.Completions;
        if (map.String("api") is { } apiName)
        {
            api = apiName switch { "completions" => RemoteApi.Completions, "chat" => RemoteApi.Chat, _ => null };
            if (api is null)
            {
                // which keys are needed depends on the API: only this problem is reported until it is fixed
                map.Error(map.Raw("api")!, $"'{map.Qualified("api")}' must be 'completions' (/v1/completions with logprobs: every suite and L_f) or 'chat' (/v1/chat/completions: generate and refusal suites only), got '{apiName}'");
            }
        }

        if (api == RemoteApi.Completions)
        {
            map.Require("tokenizer", "a local folder with the served model's tokenizer.json (not needed with api: chat)");
        }

        Uri? endpoint = null;
        if (map.String("endpoint") is { } e)
        {
            if (!Uri.TryCreate(e, UriKind.Absolute, out endpoint) || (endpoint.Scheme != Uri.UriSchemeHttp && endpoint.Scheme != Uri.UriSchemeHttps))
            {
                map.Error(map.Raw("endpoint")!, $"'{map.Qualified("endpoint")}' must be an http:// or https:// URL such as http://127.0.0.1:8000/v1, got '{e}'");
                endpoint = null;
            }
        }

        var model = map.String("model");
        if (model is { Length: 0 })
        {
            map.Error(map.Raw("model")!, $"'{map.Qualified("model")}' must not be empty");
        }

        var tokenizer = map.String("tokenizer") is { Length: > 0 } t ? Path.GetFullPath(t, folder) : null;
        int concurrency = map.Int("concurrency", 1, 256) ?? 4;
        int batchSize = map.Int("batch_size", 1, 1024) ?? DefaultBatchSize;
        double timeout = map.Double("timeout_seconds", 0.1, 86400) ?? 120;
        int retries = map.Int("retries", 0, 10) ?? 3;
        int topK = map.Int("top_k", 1, 100_000) ?? 20;
        if (map.Errors.Count > before || endpoint is null || model is null || api is null || (tokenizer is null && api == RemoteApi.Completions))
        {
            return null;
        }

        return new RemoteModelSpec(endpoint, model, tokenizer, concurrency, timeout, retries, topK, batchSize) { Api = api.Value };
    }

    /// <summary>Whether a command-line model argument is the mapping form (starts with '{').</summary>
    public static bool IsMapping(string argument) => argument.TrimStart().StartsWith('{');

    /// <summary>Parses the command-line form, a YAML flow mapping: <c>{ endpoint: http://127.0.0.1:8000/v1, model: tuned, tokenizer: ./base }</c>.</summary>
    /// <exception cref="SuiteValidationException">Every problem of the argument, positioned in it.</exception>
    public static RemoteModelSpec Parse(string argument, string option)
    {
        var errors = new List<SuiteError>();
        var root = SafeYaml.LoadMapping(argument, option, errors);
        RemoteModelSpec? spec = null;
        if (root is not null)
        {
            spec = Read(new YamlMap(root, option, errors), Directory.GetCurrentDirectory());
        }

        if (spec is null || errors.Count > 0)
        {
            if (errors.Count == 0)
            {
                errors.Add(new SuiteError(option, 1, 1, "expected { endpoint: http://host:port/v1, model: <served name>, tokenizer: <local folder> }, or { endpoint: …, model: …, api: chat } for a chat endpoint (generation only)"));
            }

            throw new SuiteValidationException(errors);
        }

        return spec;
    }
}
