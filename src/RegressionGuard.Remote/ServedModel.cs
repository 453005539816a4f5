using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.AI;
using RegressionGuard.Caching;
using RegressionGuard.Modeling;
using RegressionGuard.Remote.ChatClients;

namespace RegressionGuard.Remote;

/// <summary>
/// Opens a served model by the API its spec names: <c>api: completions</c> (default) is a full
/// <see cref="RemoteLanguageModel"/>; <c>api: chat</c> is a generation-only <see cref="ChatClientLanguageModel"/> over an
/// <see cref="OpenAiCompatibleChatClient"/>, so any OpenAI-compatible chat endpoint is a backend from a config or the
/// command line, without C#.
/// </summary>
public static class ServedModel
{
    /// <summary>The fixed chat probe whose greedy answer fingerprints a chat endpoint's model (docs/scale-out.md).</summary>
    public const string ChatProbe = "RegressionGuard fingerprint probe: continue the count 1, 2, 3.";

    /// <exception cref="RemoteModelException">Unreachable, not serving the model, or (completions) a tokenizer mismatch.</exception>
    public static ILanguageModel Open(RemoteModelSpec spec, Action<string>? log = null, ContentCache? requestCache = null, TimeSpan? retryDelay = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.Api == RemoteApi.Completions)
        {
            return RemoteLanguageModel.Open(spec, log, requestCache, retryDelay);
        }

        var client = new RemoteClient(spec, retryDelay);
        var chat = new OpenAiCompatibleChatClient(client, spec);
        try
        {
            RemoteLanguageModel.Card(client, spec);
            // identity: the served name and its greedy answer to a fixed probe, so another model under the same name
            // is a cache miss (as the completions fingerprint does with log-probs, which a chat endpoint does not give)
            var probe = chat.GetResponseAsync([new Microsoft.Extensions.AI.ChatMessage(ChatRole.User, ChatProbe)], new ChatOptions { Temperature = 0, MaxOutputTokens = 16 })
                .GetAwaiter().GetResult().Text;
            var fingerprint = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(probe)));
            log?.Invoke($"{spec.Display}: fingerprint {fingerprint[..16]}… (greedy answer to the chat probe)");
            var model = new ChatClientLanguageModel(chat, spec.Display, spec.Concurrency, fingerprint);
            if (requestCache is not null)
            {
                client.RequestCache = (requestCache, model.Description.ContentHash());
            }

            return model;
        }
        catch
        {
            chat.Dispose();
            throw;
        }
    }
}
