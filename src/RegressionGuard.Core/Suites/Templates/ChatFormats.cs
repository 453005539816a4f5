namespace RegressionGuard.Suites.Templates;

/// <summary>Wraps a user message (and optional system prompt) in a chat model's prompt format. BOS is added by the model, not here.</summary>
public static class ChatFormats
{
    public static readonly string[] Names = { "plain", "llama2", "llama3", "chatml" };

    public static string Apply(string format, string? system, string user) => format switch
    {
        "plain" => string.IsNullOrEmpty(system) ? user : $"{system}\n\n{user}",
        "llama2" => string.IsNullOrEmpty(system)
            ? $"[INST] {user} [/INST]"
            : $"[INST] <<SYS>>\n{system}\n<</SYS>>\n\n{user} [/INST]",
        "llama3" => (string.IsNullOrEmpty(system) ? "" : $"<|start_header_id|>system<|end_header_id|>\n\n{system}<|eot_id|>")
            + $"<|start_header_id|>user<|end_header_id|>\n\n{user}<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n",
        "chatml" => (string.IsNullOrEmpty(system) ? "" : $"<|im_start|>system\n{system}<|im_end|>\n")
            + $"<|im_start|>user\n{user}<|im_end|>\n<|im_start|>assistant\n",
        _ => throw new ArgumentException($"unknown chat format '{format}'{Suites.DidYouMean.Hint(format, Names)}"),
    };
}
