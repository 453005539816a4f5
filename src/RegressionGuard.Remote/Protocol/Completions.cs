using System.Text.Json;
using System.Text.Json.Serialization;

namespace RegressionGuard.Remote.Protocol;

// The OpenAI-compatible completions protocol as vLLM serves it: vllm-project/vllm
// vllm/entrypoints/openai/protocol.py @ 0052bed36509c7a5a2d8e48265334e40cf2f5a0e (CompletionRequest, CompletionLogProbs,
// CompletionResponseChoice with prompt_logprobs: list of null | {token id: {logprob, rank, decoded_token}}, ModelCard).
// Our own types, written from that description; unknown fields are ignored (servers add their own).

/// <summary>POST {endpoint}/completions. <see cref="Prompt"/> is token ids (scoring) or text (generation).</summary>
public sealed record CompletionRequest
{
    public required string Model { get; init; }
    public required object Prompt { get; init; }
    public int MaxTokens { get; init; }
    public double Temperature { get; init; }
    public bool? Echo { get; init; }
    public int? Logprobs { get; init; }
    public int? PromptLogprobs { get; init; }
    public IReadOnlyList<string>? Stop { get; init; }
    public bool? AddSpecialTokens { get; init; }
    public int? Seed { get; init; }

    /// <summary>
    /// <c>regressionguard serve</c>'s extension (card: <c>score_from</c>): the first echoed position whose log-prob is
    /// read — one number, or with a prompt list one per prompt. Sent only to a server that advertises it.
    /// </summary>
    public object? RegressionguardScoreFrom { get; init; }
}

public sealed record CompletionResponse
{
    public string? Id { get; init; }
    public string? Model { get; init; }
    public List<CompletionChoice>? Choices { get; init; }
}

public sealed record CompletionChoice
{
    public int Index { get; init; }
    public string? Text { get; init; }
    public CompletionLogProbs? Logprobs { get; init; }
    public string? FinishReason { get; init; }

    /// <summary>vLLM: the stop string or stop token id that ended generation; null at EOS or length.</summary>
    public JsonElement? StopReason { get; init; }

    /// <summary>vLLM extension: per prompt position null (the first) or {token id: {logprob, rank, decoded_token}}.</summary>
    public List<Dictionary<string, PromptLogprob>?>? PromptLogprobs { get; init; }

    /// <summary>Extension (regressionguard serve; vLLM with return_token_ids): the generated token ids.</summary>
    public int[]? TokenIds { get; init; }

    /// <summary>Extension (regressionguard serve): length, stop, end_of_sequence or context_full, as the in-process model reports it.</summary>
    public string? RegressionguardFinish { get; init; }
}

/// <summary>Legacy OpenAI completions log-probs: per token of the echoed prompt and of the output.</summary>
public sealed record CompletionLogProbs
{
    public List<string>? Tokens { get; init; }
    public List<double?>? TokenLogprobs { get; init; }
    public List<Dictionary<string, double>?>? TopLogprobs { get; init; }
    public List<int>? TextOffset { get; init; }
}

public sealed record PromptLogprob
{
    public double Logprob { get; init; }
    public int? Rank { get; init; }
    public string? DecodedToken { get; init; }
}

public sealed record ModelList
{
    public List<ModelCard>? Data { get; init; }
}

public sealed record ModelCard
{
    public string? Id { get; init; }
    public int? MaxModelLen { get; init; }

    /// <summary>Extension (regressionguard serve): what the server adds to the protocol.</summary>
    public ServerExtensions? Regressionguard { get; init; }
}

/// <summary>
/// What <c>regressionguard serve</c> adds (docs/scale-out.md): <c>POST {endpoint}/regressionguard/distributions</c> and
/// <c>POST {endpoint}/regressionguard/cross_entropy</c>, the two L_f operations of the model interface, exact.
/// </summary>
public sealed record ServerExtensions
{
    public List<string>? Extensions { get; init; }
    public string? TokenizerSha256 { get; init; }
    public int? VocabSize { get; init; }
}

/// <summary>Body of <c>/regressionguard/distributions</c>: the corpus, the windowing options and K (null: the model's default).</summary>
public sealed record DistributionsRequest
{
    public required string Model { get; init; }
    public required IReadOnlyList<string> Documents { get; init; }
    public bool Truncate { get; init; }
    public int? Stride { get; init; }
    public int? TopK { get; init; }
}

/// <summary>
/// POST {endpoint}/chat/completions, the core every OpenAI-compatible server accepts (vllm/entrypoints/openai/protocol.py
/// ChatCompletionRequest: model, messages, temperature, max_tokens, stop, seed).
/// </summary>
public sealed record ChatCompletionRequest
{
    public required string Model { get; init; }
    public required IReadOnlyList<ChatCompletionMessage> Messages { get; init; }
    public double Temperature { get; init; }
    public int? MaxTokens { get; init; }
    public IReadOnlyList<string>? Stop { get; init; }
    public long? Seed { get; init; }
}

/// <summary>One chat message: role (system, user, assistant) and its text.</summary>
public sealed record ChatCompletionMessage(string Role, string? Content);

public sealed record ChatCompletionResponse
{
    public string? Id { get; init; }
    public string? Model { get; init; }
    public List<ChatCompletionChoice>? Choices { get; init; }
}

public sealed record ChatCompletionChoice
{
    public int Index { get; init; }
    public ChatCompletionMessage? Message { get; init; }
    public string? FinishReason { get; init; }
}

/// <summary>Error body: OpenAI's {"error": {"message", "type", "code"}}.</summary>
public sealed record ErrorResponse
{
    public ErrorInfo? Error { get; init; }
}

public sealed record ErrorInfo
{
    public string? Message { get; init; }
    public string? Type { get; init; }
    public int? Code { get; init; }
}

/// <summary>The serializer options of the protocol: snake_case, nulls left out.</summary>
public static class ProtocolJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };
}
