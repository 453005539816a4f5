namespace RegressionGuard.Remote;

/// <summary>
/// A served model could not answer: the endpoint is unreachable after its retries, answered with an error or with
/// something that is not the protocol, does not serve the model, or serves a model the local tokenizer does not
/// match. The message names the endpoint and what would fix it.
/// </summary>
public sealed class RemoteModelException(string message, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>The HTTP status the server answered with, when it answered with an error.</summary>
    public int? StatusCode { get; init; }
}
