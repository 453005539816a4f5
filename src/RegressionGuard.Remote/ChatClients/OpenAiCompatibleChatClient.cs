using System.Text.Json;
using Microsoft.Extensions.AI;
using RegressionGuard.Modeling;
using RegressionGuard.Remote.Protocol;

namespace RegressionGuard.Remote.ChatClients;

/// <summary>
/// An OpenAI-compatible <c>/v1/chat/completions</c> endpoint (vLLM, SGLang, Ollama, llama.cpp's server,
/// <c>regressionguard serve</c>, OpenAI itself) as an <see cref="IChatClient"/>, through <see cref="RemoteClient"/>: the
/// same Polly timeouts and retries, and the same request cache (a rerun asks only for what was not answered). The body
/// is the protocol's core — <c>model</c>, <c>messages</c> (role, text), <c>temperature</c>, <c>max_tokens</c>, <c>stop</c>,
/// <c>seed</c> — so any such server accepts it. Opened from a config by <see cref="ServedModel.Open"/>
/// (<c>{ endpoint, model, api: chat }</c>).
/// </summary>
public sealed class OpenAiCompatibleChatClient : WholeResponseChatClient
{
    readonly RemoteClient _client;
    readonly RemoteModelSpec _spec;

    public OpenAiCompatibleChatClient(RemoteClient client, RemoteModelSpec spec)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(spec);
        _client = client;
        _spec = spec;
    }

    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<Microsoft.Extensions.AI.ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var body = new ChatCompletionRequest
        {
            Model = _spec.Model,
            Messages = messages.Select(m => new ChatCompletionMessage(m.Role.Value, m.Text)).ToList(),
            Temperature = options?.Temperature ?? 0,
            MaxTokens = options?.MaxOutputTokens,
            Stop = options?.StopSequences is { Count: > 0 } stop ? stop.ToList() : null,
            Seed = options?.Seed ?? 1234,
        };
        var response = await _client.PostCachedAsync("chat/completions", body, Parse, cancellationToken).ConfigureAwait(false);
        var choice = response.Choices is [var only] ? only : throw _client.Malformed("chat/completions", $"expected one choice, got {response.Choices?.Count ?? 0}");
        var text = choice.Message?.Content ?? throw _client.Malformed("chat/completions", "a choice without message.content");
        return new ChatResponse(new Microsoft.Extensions.AI.ChatMessage(ChatRole.Assistant, text))
        {
            ModelId = response.Model ?? _spec.Model,
            ResponseId = response.Id,
            FinishReason = choice.FinishReason switch
            {
                "length" => ChatFinishReason.Length,
                "content_filter" => ChatFinishReason.ContentFilter,
                "tool_calls" => ChatFinishReason.ToolCalls,
                _ => ChatFinishReason.Stop,
            },
        };
    }

    ChatCompletionResponse Parse(byte[] bytes)
    {
        try
        {
            return JsonSerializer.Deserialize<ChatCompletionResponse>(bytes, ProtocolJson.Options) ?? throw new JsonException("the body is null");
        }
        catch (JsonException e)
        {
            throw _client.Malformed("chat/completions", e.Message, e);
        }
    }

    protected override ChatClientMetadata Metadata => new("openai-compatible", _spec.Endpoint, _spec.Model);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _client.Dispose();
        }
    }
}
