using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace RegressionGuard.Remote.ChatClients;

/// <summary>
/// An <see cref="IChatClient"/> that answers whole responses (greedy generation, no token stream): streaming yields the
/// whole response's updates once it is complete, and <see cref="GetService"/> offers the client and its
/// <see cref="ChatClientMetadata"/>.
/// </summary>
public abstract class WholeResponseChatClient : IChatClient
{
    /// <summary>What <see cref="GetService"/> returns for <see cref="ChatClientMetadata"/>.</summary>
    protected abstract ChatClientMetadata Metadata { get; }

    public abstract Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default);

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var response = await GetResponseAsync(messages, options, cancellationToken).ConfigureAwait(false);
        foreach (var update in response.ToChatResponseUpdates())
        {
            yield return update;
        }
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is null && serviceType?.IsInstanceOfType(this) == true ? this
        : serviceType == typeof(ChatClientMetadata) ? Metadata
        : null;

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected abstract void Dispose(bool disposing);
}
