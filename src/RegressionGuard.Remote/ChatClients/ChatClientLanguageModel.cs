using Microsoft.Extensions.AI;
using RegressionGuard.Modeling;

namespace RegressionGuard.Remote.ChatClients;

/// <summary>
/// Any <see cref="IChatClient"/> (Microsoft.Extensions.AI: OpenAI, Azure, Ollama, a local model…) as a generation-only
/// backend: generate and refusal suites run on it, each prompt sent as one user message, greedy (temperature 0) with
/// the suite's stop sequences and token limit. It has no log-probabilities, so multiple-choice suites and L_f are
/// refused (<see cref="ModelCapabilities.GenerationOnly"/>).
/// </summary>
public sealed class ChatClientLanguageModel : ILanguageModel
{
    readonly IChatClient _client;
    readonly string _name;
    readonly int _concurrency;

    /// <param name="identity">what identifies the model behind the client in reports and cache keys (e.g. provider/model@version).</param>
    /// <param name="fingerprint">what the model answered to a probe, part of the cache identity beside <paramref name="identity"/> (null: none).</param>
    public ChatClientLanguageModel(IChatClient client, string identity, int concurrency = 4, string? fingerprint = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentException.ThrowIfNullOrWhiteSpace(identity);
        _client = client;
        _name = identity;
        _concurrency = Math.Max(1, concurrency);
        string hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(fingerprint is null ? $"chat-client/1\n{identity}" : $"chat-client/1\n{identity}\n{fingerprint}")));
        Description = new ModelDescription(identity, "chat client (Microsoft.Extensions.AI, generation only)", 0, 0, 0, "served", "none", () => hash);
    }

    public ModelDescription Description { get; }

    public ModelCapabilities Capabilities => ModelCapabilities.GenerationOnly;

    public IReadOnlyList<LogLikelihoodResult> LogLikelihood(IReadOnlyList<LogLikelihoodRequest> requests, IProgress<int>? progress = null) =>
        throw Refused("multiple-choice scoring");

    public IReadOnlyList<RollingLogLikelihoodResult> RollingLogLikelihood(IReadOnlyList<string> documents, RollingOptions options, IProgress<int>? progress = null) =>
        throw Refused("rolling log-likelihood");

    ModelCapabilityException Refused(string what) => new(
        $"{_name}: {what} needs the log-probabilities of given continuations, and a chat client (IChatClient) returns only generated text; run multiple-choice suites and L_f on a completions endpoint with logprobs ({{ endpoint, model, tokenizer }}: vLLM, SGLang, `regressionguard serve`) or in process, and keep generate and refusal suites on this backend");

    public IReadOnlyList<GenerationResult> Generate(IReadOnlyList<GenerationRequest> requests, IProgress<int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(requests);
        var results = new GenerationResult[requests.Count];
        var gate = new object();
        Parallel.ForEachAsync(Enumerable.Range(0, requests.Count), new ParallelOptions { MaxDegreeOfParallelism = _concurrency }, async (i, cancel) =>
        {
            var r = requests[i];
            var options = new ChatOptions { Temperature = 0, MaxOutputTokens = r.MaxNewTokens, StopSequences = r.StopSequences?.ToList() };
            var response = await _client.GetResponseAsync([new Microsoft.Extensions.AI.ChatMessage(ChatRole.User, r.Prompt)], options, cancel).ConfigureAwait(false);
            var text = response.Text;
            // a client may return the stop sequence or text after it: cut at the first, as the in-process model does
            var finish = response.FinishReason == ChatFinishReason.Length ? FinishReason.Length : FinishReason.EndOfSequence;
            foreach (var stop in r.StopSequences ?? [])
            {
                int at = stop.Length == 0 ? -1 : text.IndexOf(stop, StringComparison.Ordinal);
                if (at >= 0)
                {
                    text = text[..at];
                    finish = FinishReason.Stop;
                }
            }

            results[i] = new GenerationResult(text, [], finish);
            lock (gate)
            {
                progress?.Report(1);
            }
        }).GetAwaiter().GetResult();
        return results;
    }

    public void Dispose() => _client.Dispose();
}
