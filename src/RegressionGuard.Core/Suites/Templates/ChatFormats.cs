using RegressionGuard.Modeling;

namespace RegressionGuard.Suites.Templates;

/// <summary>
/// Wraps a user message (and optional system prompt) in a chat model's prompt format. <c>model</c> renders the
/// model's own chat template (<see cref="ModelChatTemplate"/>, with the generation prompt); the four named formats
/// are fallbacks for models without one. BOS is added by the model for the named formats, and by the template
/// itself for <c>model</c> (its requests are sent with <c>AddSpecialTokens = false</c>).
/// </summary>
public static class ChatFormats
{
    public const string Model = "model";

    /// <summary>The built-in formats: fallbacks for a model without a chat template.</summary>
    public static readonly string[] Named = { "plain", "llama2", "llama3", "chatml" };

    /// <summary>Every accepted <c>chat_format</c>.</summary>
    public static readonly string[] Names = Named.Append(Model).ToArray();

    public static bool IsModel(string format) => format == Model;

    /// <summary>Why <c>model</c> cannot be used without a template, with the fallbacks.</summary>
    public static string NoTemplateMessage(string where) =>
        $"chat_format 'model' needs the model's chat template, but {where} has none ({ModelChatTemplate.TemplateFile}, or 'chat_template' in {ModelChatTemplate.ConfigFile}); use one of the named formats instead: {string.Join(", ", Named)}";

    /// <summary>
    /// The chat template of the model at <paramref name="modelPath"/> when any of <paramref name="suites"/> uses
    /// <c>model</c> (null otherwise); a missing template is a <see cref="ChatTemplateException"/> naming the fallbacks.
    /// </summary>
    public static ModelChatTemplate? TemplateFor(IEnumerable<SuiteDefinition> suites, string modelPath, string? tokenizerPath = null) =>
        suites.Any(s => IsModel(s.ChatFormat)) ? TemplateOf(modelPath, tokenizerPath) : null;

    /// <summary>The model's chat template, or a <see cref="ChatTemplateException"/> naming where it was looked for and the fallbacks.</summary>
    public static ModelChatTemplate TemplateOf(string modelPath, string? tokenizerPath = null)
    {
        var template = ModelChatTemplate.Find(modelPath, tokenizerPath)
            ?? throw new ChatTemplateException(NoTemplateMessage(tokenizerPath is null ? modelPath : $"{modelPath} (tokenizer {tokenizerPath})"));
        template.Validate();
        return template;
    }

    public static string Apply(string format, string? system, string user, ModelChatTemplate? template = null) => format switch
    {
        "plain" => string.IsNullOrEmpty(system) ? user : $"{system}\n\n{user}",
        "llama2" => string.IsNullOrEmpty(system)
            ? $"[INST] {user} [/INST]"
            : $"[INST] <<SYS>>\n{system}\n<</SYS>>\n\n{user} [/INST]",
        "llama3" => (string.IsNullOrEmpty(system) ? "" : $"<|start_header_id|>system<|end_header_id|>\n\n{system}<|eot_id|>")
            + $"<|start_header_id|>user<|end_header_id|>\n\n{user}<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n",
        "chatml" => (string.IsNullOrEmpty(system) ? "" : $"<|im_start|>system\n{system}<|im_end|>\n")
            + $"<|im_start|>user\n{user}<|im_end|>\n<|im_start|>assistant\n",
        Model => template is null
            ? throw new ArgumentException(NoTemplateMessage("the model"))
            : template.Render(Conversation(system, user), addGenerationPrompt: true),
        _ => throw new ArgumentException($"unknown chat format '{format}'{Suites.DidYouMean.Hint(format, Names)}"),
    };

    /// <summary>The conversation a prompt becomes: the system prompt (when given) and one user turn.</summary>
    public static IReadOnlyList<ChatMessage> Conversation(string? system, string user) =>
        string.IsNullOrEmpty(system)
            ? new[] { new ChatMessage("user", user) }
            : new[] { new ChatMessage("system", system), new ChatMessage("user", user) };
}
