using Microsoft.Extensions.AI;
using RegressionGuard.Modeling;

namespace RegressionGuard.Remote.ChatClients;

/// <summary>
/// A RegressionGuard model (in process or served) as a Microsoft.Extensions.AI <see cref="IChatClient"/>, so .NET apps
/// and Microsoft.Extensions.AI.Evaluation can use it: messages are rendered with the model's own chat template, then
/// generated greedily (the model's only decoding) up to <see cref="ChatOptions.MaxOutputTokens"/> (default 256) and
/// the stop sequences. Calls are serialised: a model is not used from two threads.
/// </summary>
public sealed class LanguageModelChatClient : WholeResponseChatClient
{
    readonly ILanguageModel _model;
    readonly ModelChatTemplate _template;
    readonly SemaphoreSlim _one = new(1, 1);

    public LanguageModelChatClient(ILanguageModel model, ModelChatTemplate template)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(template);
        _model = model;
        _template = template;
    }

    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<Microsoft.Extensions.AI.ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        if (options?.Temperature is float t && t != 0)
        {
            throw new ArgumentException($"only greedy decoding is available (Temperature 0 or unset), got {t}", nameof(options));
        }

        var chat = messages.Select(m => new Modeling.ChatMessage(m.Role.Value, m.Text)).ToList();
        var prompt = _template.Render(chat, addGenerationPrompt: true);
        var request = new GenerationRequest(prompt, options?.MaxOutputTokens ?? 256, options?.StopSequences?.ToList(), AddSpecialTokens: false);
        await _one.WaitAsync(cancellationToken).ConfigureAwait(false);
        GenerationResult result;
        try
        {
            result = await Task.Run(() => _model.Generate([request])[0], cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _one.Release();
        }

        return new ChatResponse(new Microsoft.Extensions.AI.ChatMessage(ChatRole.Assistant, result.Text))
        {
            ModelId = _model.Description.Path,
            FinishReason = result.FinishReason is FinishReason.Length or FinishReason.ContextFull ? ChatFinishReason.Length : ChatFinishReason.Stop,
        };
    }

    protected override ChatClientMetadata Metadata => new("RegressionGuard", null, _model.Description.Path);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _one.Dispose();
        }
    }
}
