using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using RegressionGuard.Caching;
using RegressionGuard.Forgetting;
using RegressionGuard.Modeling;
using RegressionGuard.Remote.Protocol;
using RegressionGuard.Torch.Forgetting;
using RegressionGuard.Torch.Tokenization;

namespace RegressionGuard.Remote;

/// <summary>
/// A model behind an OpenAI-compatible completions server as <see cref="ILanguageModel"/>. Multiple choice and rolling
/// log-likelihood: token-id prompts with <c>echo</c>, <c>logprobs: 1</c> and <c>max_tokens: 1</c>, summing the echoed
/// prompt's log-probs from the continuation on, as lm-evaluation-harness's <c>local-completions</c> model does
/// (EleutherAI/lm-evaluation-harness lm_eval/models/openai_completions.py @ 0064c3a03e5fe863a1ffde689bdb216c97d8c5f1,
/// <c>_create_payload</c>, <c>parse_logprobs</c>). Ids are made by the local tokenizer with the in-process rules, so a
/// request scores the same ids in and out of process. Generation: text prompts with <c>add_special_tokens</c>, greedy,
/// with stop sequences. L_f: exact through <c>regressionguard serve</c>'s extension; otherwise from
/// <c>prompt_logprobs</c> top-K, the tuned side as bounds (<see cref="TopKForgetting"/>). Prompts go <see cref="RemoteModelSpec.BatchSize"/> to a request
/// (<see cref="CompletionBatcher"/>; the choices of one multiple-choice item together), requests run
/// <see cref="RemoteModelSpec.Concurrency"/> at a time, and results are placed by prompt index, so they do not depend on
/// batch size, concurrency or arrival order.
/// </summary>
public sealed class RemoteLanguageModel : ILanguageModel
{
    /// <summary>The fixed probe whose log-probs fingerprint the served model (docs/scale-out.md).</summary>
    public const string FingerprintProbe = "RegressionGuard fingerprint probe: Once upon a time, a small cat sat by the river and counted 1, 2, 3.";

    readonly RemoteModelSpec _spec;
    readonly ITokenizer _tokenizer;
    readonly RemoteClient _client;
    readonly CompletionBatcher _batcher;
    readonly bool _extensions;
    readonly bool _scoreFrom; // the server scores echoed positions from a given one on (regressionguard_score_from)

    RemoteLanguageModel(RemoteModelSpec spec, ITokenizer tokenizer, RemoteClient client, ModelCard card, string fingerprint)
    {
        _spec = spec;
        _tokenizer = tokenizer;
        _client = client;
        _batcher = new CompletionBatcher(client, spec);
        _extensions = card.Regressionguard?.Extensions?.Contains("cross_entropy") == true && card.Regressionguard.Extensions.Contains("distributions");
        _scoreFrom = card.Regressionguard?.Extensions?.Contains("score_from") == true;
        Fingerprint = fingerprint;
        string identity = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"remote/1\n{spec.Model}\n{fingerprint}\n{tokenizer.ContentHash}")));
        Description = new ModelDescription(spec.Display, "remote (OpenAI-compatible completions)", card.Regressionguard?.VocabSize ?? 0,
            card.MaxModelLen ?? 2048, 0, "served", tokenizer.Name, () => identity, tokenizer.ContentHash);
    }

    public ModelDescription Description { get; }

    /// <summary>The served model's log-probs on <see cref="FingerprintProbe"/>, rounded to 3 decimals: part of the cache identity.</summary>
    public string Fingerprint { get; }

    public RemoteClient Client => _client;

    /// <summary>The local tokenizer's count, with the in-process rules (the ids a request sends).</summary>
    public int? CountPromptTokens(string text, bool addSpecialTokens) => _tokenizer.EncodePrompt(text, addSpecialTokens).Length;

    public ModelCapabilities Capabilities => _extensions ? ModelCapabilities.InProcess : new ModelCapabilities(true, true, _spec.TopK, false);

    /// <summary>
    /// Connects: the served model list must name the model; the probe prompt's echoed tokens must be the local
    /// tokenizer's (else the tokenizer does not match the served model); its log-probs are the fingerprint.
    /// </summary>
    /// <exception cref="RemoteModelException">Unreachable, not serving the model, or a tokenizer mismatch.</exception>
    public static RemoteLanguageModel Open(RemoteModelSpec spec, Action<string>? log = null, ContentCache? requestCache = null, TimeSpan? retryDelay = null, HttpMessageHandler? handler = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var folder = spec.Tokenizer ?? throw new RemoteModelException($"{spec.Display}: the completions API needs 'tokenizer' (a local folder with the served model's tokenizer.json): requests send token ids");
        var tokenizer = Directory.Exists(folder) ? TokenizerLoader.FindBeside(Path.Combine(folder, "config.json")) : TokenizerLoader.Load(folder);
        var client = new RemoteClient(spec, retryDelay, handler);
        try
        {
            var card = Card(client, spec);
            if (card.Regressionguard?.TokenizerSha256 is { } served256 && served256 != tokenizer.ContentHash)
            {
                throw new RemoteModelException($"{spec.Endpoint}#{spec.Model}: the local tokenizer {spec.Tokenizer} (sha256 {tokenizer.ContentHash[..12]}) is not the served model's (sha256 {served256[..Math.Min(12, served256.Length)]}); point 'tokenizer' at the served model's folder");
            }

            var fingerprint = Probe(spec, tokenizer, client);
            log?.Invoke($"{spec.Display}: fingerprint {fingerprint[..Math.Min(40, fingerprint.Length)]}…");
            var model = new RemoteLanguageModel(spec, tokenizer, client, card, fingerprint);
            if (requestCache is not null)
            {
                client.RequestCache = (requestCache, model.Description.ContentHash());
            }

            return model;
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    /// <summary>The served model's card from <c>GET {endpoint}/models</c>.</summary>
    /// <exception cref="RemoteModelException">Unreachable, or no model of that name is served (the message lists what is).</exception>
    internal static ModelCard Card(RemoteClient client, RemoteModelSpec spec)
    {
        var models = client.GetJsonAsync<ModelList>("models", CancellationToken.None).GetAwaiter().GetResult();
        var served = models.Data?.Select(m => m.Id).OfType<string>().ToList() ?? [];
        return models.Data?.FirstOrDefault(m => m.Id == spec.Model)
            ?? throw new RemoteModelException($"{spec.Endpoint}: no model named '{spec.Model}' is served; the server serves: {(served.Count == 0 ? "nothing" : string.Join(", ", served))}");
    }

    static string Probe(RemoteModelSpec spec, ITokenizer tokenizer, RemoteClient client)
    {
        var ids = tokenizer.EncodePrompt(FingerprintProbe);
        var response = client.PostJsonAsync<CompletionResponse>("completions", ScoringRequest(spec.Model, ids), CancellationToken.None).GetAwaiter().GetResult();
        var logprobs = LogProbsOf(client, CompletionBatcher.OnlyChoice(client, response), ids.Length);
        if (logprobs.Tokens is { Count: > 0 } tokens)
        {
            for (int i = 0; i < ids.Length && i < tokens.Count; i++)
            {
                if (tokenizer.Piece(ids[i]) is { } piece && piece != tokens[i] && tokenizer.Decode([ids[i]]) != tokens[i])
                {
                    throw new RemoteModelException($"{spec.Endpoint}#{spec.Model}: the local tokenizer {spec.Tokenizer} does not match the served model: probe token {i} is id {ids[i]} '{piece}' locally but '{tokens[i]}' on the server; point 'tokenizer' at the served model's folder");
                }
            }
        }

        return string.Join(',', logprobs.TokenLogprobs!.Skip(1).Take(ids.Length - 1).Select(v => (v ?? double.NaN).ToString("F3", CultureInfo.InvariantCulture)));
    }

    /// <param name="maxTokens">1, as lm-evaluation-harness sends it (vLLM generates a token after the echo); 0 where the
    /// server is `regressionguard serve`, which then skips the position after the prompt.</param>
    /// <param name="scoreFrom">the first position read, for a server with the <c>score_from</c> extension (null: every position).</param>
    static CompletionRequest ScoringRequest(string model, int[] ids, int maxTokens = 1, int? scoreFrom = null) => new()
    {
        Model = model,
        Prompt = ids,
        MaxTokens = maxTokens,
        Temperature = 0,
        Echo = true,
        Logprobs = 1,
        Seed = 1234,
        RegressionguardScoreFrom = scoreFrom,
    };

    /// <summary>The echoed log-probs of a choice, with at least one per prompt token.</summary>
    static CompletionLogProbs LogProbsOf(RemoteClient client, CompletionChoice choice, int promptLength)
    {
        var lp = choice.Logprobs ?? throw client.Malformed("completions", "no logprobs in the choice (does the server support echo with logprobs?)");
        if (lp.TokenLogprobs is null || lp.TokenLogprobs.Count < promptLength)
        {
            throw client.Malformed("completions", $"echo returned {lp.TokenLogprobs?.Count ?? 0} token log-probs for a prompt of {promptLength} tokens");
        }

        return lp;
    }

    /// <summary>Sum, greedy flag and count of the echoed log-probs of each prompt's ids[firstTarget..] (an output token, if any, is not read).</summary>
    (double Sum, bool Greedy, int Count)[] Score(IReadOnlyList<(int[] Ids, int FirstTarget)> prompts, IReadOnlyList<int>? groups, IProgress<int>? progress)
    {
        var choices = _batcher.Complete(prompts.Select(p => ScoringRequest(_spec.Model, p.Ids, _extensions ? 0 : 1, _scoreFrom ? p.FirstTarget : null)).ToArray(), groups, progress);
        return prompts.Select((p, i) =>
        {
            long start = System.Diagnostics.Stopwatch.GetTimestamp();
            var lp = LogProbsOf(_client, choices[i], p.Ids.Length);
            var (sum, greedy) = SumAndGreedy(lp, p.FirstTarget, p.Ids.Length, why => _client.Malformed("completions", why));
            RemoteMetrics.Client("parse", start);
            return (sum, greedy, p.Ids.Length - p.FirstTarget);
        }).ToArray();
    }

    /// <summary>
    /// Sum of token_logprobs[from..to) and whether each of those tokens was the top choice (its log-prob ≥ every
    /// top_logprobs value there), as lm-evaluation-harness's parse_logprobs reads an echoed completion.
    /// </summary>
    internal static (double Sum, bool Greedy) SumAndGreedy(CompletionLogProbs lp, int from, int to, Func<string, Exception> malformed)
    {
        double sum = 0;
        bool greedy = true;
        for (int p = from; p < to; p++)
        {
            double value = lp.TokenLogprobs![p] ?? throw malformed($"no log-prob for prompt token {p}");
            sum += value;
            if (lp.TopLogprobs?[p] is { Count: > 0 } top && value < top.Values.Max())
            {
                greedy = false;
            }
        }

        return (sum, greedy);
    }

    public int[] EncodeDocument(string text) => _tokenizer.EncodeDocument(text);

    public IReadOnlyList<LogLikelihoodResult> LogLikelihood(IReadOnlyList<LogLikelihoodRequest> requests, IProgress<int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(requests);
        var plans = requests.Select((r, i) =>
        {
            long start = System.Diagnostics.Stopwatch.GetTimestamp();
            var plan = ContinuationPlan.Of(_tokenizer, r, i, Description.ContextLength);
            RemoteMetrics.Client("encode", start);
            return plan;
        }).ToArray();
        // the choices of one item (the same context ids) go in one request, so a server can share their context pass
        var contexts = new Dictionary<string, int>(StringComparer.Ordinal);
        var groups = plans.Select(p => { var key = string.Join(',', p.Ids[..p.FirstTarget]); return contexts.TryGetValue(key, out int g) ? g : contexts[key] = contexts.Count; }).ToArray();
        return Score(plans.Select(p => (p.Ids, p.FirstTarget)).ToArray(), groups, progress)
            .Select(s => new LogLikelihoodResult(s.Sum, s.Greedy, s.Count)).ToArray();
    }

    public IReadOnlyList<RollingLogLikelihoodResult> RollingLogLikelihood(IReadOnlyList<string> documents, RollingOptions options, IProgress<int>? progress = null)
    {
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        var (windows, owner) = ForgettingPlan.Of(this, documents, options);
        RemoteMetrics.Client("encode", start);
        var scored = Score(windows.Select(w => (w.Ids, w.FirstTarget)).ToArray(), null, null);
        var sums = new double[documents.Count];
        var counts = new int[documents.Count];
        for (int w = 0; w < windows.Count; w++)
        {
            sums[owner[w]] += scored[w].Sum;
            counts[owner[w]] += scored[w].Count;
        }

        progress?.Report(documents.Count);
        return Enumerable.Range(0, documents.Count).Select(d => new RollingLogLikelihoodResult(sums[d], counts[d])).ToArray();
    }

    public IReadOnlyList<GenerationResult> Generate(IReadOnlyList<GenerationRequest> requests, IProgress<int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(requests);
        var bodies = requests.Select(r => new CompletionRequest
        {
            Model = _spec.Model,
            Prompt = r.Prompt,
            MaxTokens = r.MaxNewTokens,
            Temperature = 0,
            Stop = r.StopSequences is { Count: > 0 } s ? s : null,
            AddSpecialTokens = r.AddSpecialTokens,
            Seed = 1234,
        }).ToArray();
        return _batcher.Complete(bodies, null, progress).Select(choice =>
        {
            long start = System.Diagnostics.Stopwatch.GetTimestamp();
            var text = choice.Text ?? throw _client.Malformed("completions", "a choice without text");
            var ids = choice.TokenIds ?? _tokenizer.Encode(text, addSpecialTokens: false).ToArray();
            RemoteMetrics.Client("parse", start);
            return new GenerationResult(text, ids, Finish(choice));
        }).ToArray();
    }

    static FinishReason Finish(CompletionChoice choice) => choice.RegressionguardFinish switch
    {
        "length" => FinishReason.Length,
        "stop" => FinishReason.Stop,
        "end_of_sequence" => FinishReason.EndOfSequence,
        "context_full" => FinishReason.ContextFull,
        _ => choice.FinishReason == "length" ? FinishReason.Length
            : choice.StopReason is { ValueKind: System.Text.Json.JsonValueKind.String } ? FinishReason.Stop
            : FinishReason.EndOfSequence,
    };

    public BaseDistributions NextTokenDistributions(IReadOnlyList<string> documents, RollingOptions options, int? topK, IProgress<int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(documents);
        if (_extensions)
        {
            // not kept in the request cache: every caller that caches (gate, forgetting) keeps the result itself in
            // BaseDistributionsCache, and a second copy of a payload this size (V floats per position) costs a write
            // of it and the disk it takes
            var body = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(new DistributionsRequest { Model = _spec.Model, Documents = documents, Truncate = options.Truncate, Stride = options.Stride, TopK = topK }, ProtocolJson.Options);
            var exact = _client.PostUncachedAsync("regressionguard/distributions", body, bytes =>
            {
                try
                {
                    return BaseDistributionsCache.Read(bytes);
                }
                catch (InvalidDataException e)
                {
                    throw _client.Malformed("regressionguard/distributions", e.Message, e);
                }
            }, CancellationToken.None).GetAwaiter().GetResult();
            progress?.Report(exact.Windows.Count);
            return exact;
        }

        // vLLM: the top K of every prompt position (prompt_logprobs); the base entropy is unknown
        int k = Math.Min(topK ?? _spec.TopK, _spec.TopK);
        var (windows, owner) = ForgettingPlan.Of(this, documents, options);
        var top = PromptLogprobs(windows, k, progress);
        return TopKForgetting.Base(Math.Max(_tokenizer.VocabSize, Description.VocabSize), k, windows, owner, documents.Count, top, why => _client.Malformed("completions", why));
    }

    public ForgettingResult CrossEntropyAgainst(BaseDistributions reference, IProgress<int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(reference);
        if (_extensions)
        {
            using var payload = new MemoryStream();
            BaseDistributionsCache.Write(reference, payload);
            var exact = _client.PostCachedAsync($"regressionguard/cross_entropy?model={Uri.EscapeDataString(_spec.Model)}", payload.ToArray(), "application/octet-stream",
                bytes => System.Text.Json.JsonSerializer.Deserialize<ForgettingResult>(bytes, ProtocolJson.Options) ?? throw _client.Malformed("regressionguard/cross_entropy", "null"),
                CancellationToken.None).GetAwaiter().GetResult();
            progress?.Report(reference.Windows.Count);
            return exact;
        }

        var top = PromptLogprobs(reference.Windows, _spec.TopK, progress);
        return TopKForgetting.Bounds(reference, top, _spec.TopK, why => _client.Malformed("completions", why));
    }

    List<Dictionary<string, PromptLogprob>?>[] PromptLogprobs(IReadOnlyList<ScoredWindow> windows, int k, IProgress<int>? progress)
    {
        var bodies = windows.Select(w => new CompletionRequest { Model = _spec.Model, Prompt = w.Ids, MaxTokens = 1, Temperature = 0, PromptLogprobs = k, Seed = 1234 }).ToArray();
        return _batcher.Complete(bodies, null, progress)
            .Select(choice => choice.PromptLogprobs ?? throw _client.Malformed("completions", "no prompt_logprobs in the choice (vLLM serves them; is this server vLLM-compatible?)"))
            .ToArray();
    }

    public void Dispose() => _client.Dispose();
}
