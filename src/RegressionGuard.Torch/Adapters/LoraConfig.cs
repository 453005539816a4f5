using System.Text.Json;
using System.Text.Json.Serialization;
using RegressionGuard.Torch.Checkpoints;

namespace RegressionGuard.Torch.Adapters;

/// <summary>The keys of a PEFT <c>adapter_config.json</c> that RegressionGuard reads and writes (LoRA only).</summary>
public sealed record LoraConfig
{
    [JsonPropertyName("peft_type")] public string PeftType { get; init; } = "LORA";
    [JsonPropertyName("r")] public int R { get; init; } = 8;
    [JsonPropertyName("lora_alpha")] public double LoraAlpha { get; init; } = 16;
    [JsonPropertyName("lora_dropout")] public double LoraDropout { get; init; }
    [JsonPropertyName("target_modules")] public JsonElement? TargetModules { get; init; }
    [JsonPropertyName("fan_in_fan_out")] public bool FanInFanOut { get; init; }
    [JsonPropertyName("bias")] public string Bias { get; init; } = "none";
    [JsonPropertyName("use_rslora")] public bool UseRsLora { get; init; }
    [JsonPropertyName("use_dora")] public bool UseDora { get; init; }
    [JsonPropertyName("modules_to_save")] public JsonElement? ModulesToSave { get; init; }
    [JsonPropertyName("base_model_name_or_path")] public string? BaseModelNameOrPath { get; init; }
    [JsonPropertyName("task_type")] public string? TaskType { get; init; } = "CAUSAL_LM";
    [JsonPropertyName("inference_mode")] public bool InferenceMode { get; init; } = true;

    /// <summary>RegressionGuard's own metadata: trainable parameters P and optimizer steps N (for the scaling law).</summary>
    [JsonPropertyName("regressionguard")] public JsonElement? RegressionGuard { get; init; }

    /// <summary>Target module names, or a regex (PEFT accepts a string regex matched against full module paths).</summary>
    public (IReadOnlyList<string> Names, string? Regex) Targets(string file)
    {
        if (TargetModules is not { } t || t.ValueKind == JsonValueKind.Null)
        {
            throw new CheckpointException($"{file}: 'target_modules' is missing; list the adapted modules, e.g. [\"q_proj\", \"v_proj\"]");
        }

        if (t.ValueKind == JsonValueKind.String)
        {
            return (Array.Empty<string>(), t.GetString());
        }

        if (t.ValueKind == JsonValueKind.Array)
        {
            return (t.EnumerateArray().Select(e => e.GetString() ?? "").ToArray(), null);
        }

        throw new CheckpointException($"{file}: 'target_modules' must be a list of module names or a regex string, got {t.ValueKind}");
    }

    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (!string.Equals(PeftType, "LORA", StringComparison.OrdinalIgnoreCase))
        {
            errors.Add($"'peft_type' is '{PeftType}'; supported: LORA");
        }

        if (R < 1)
        {
            errors.Add($"'r' must be a positive integer, got {R}");
        }

        if (Bias != "none")
        {
            errors.Add($"'bias' is '{Bias}'; supported: none");
        }

        if (UseDora)
        {
            errors.Add("'use_dora' is true; DoRA adapters are not supported");
        }

        if (ModulesToSave is { ValueKind: JsonValueKind.Array } m && m.GetArrayLength() > 0)
        {
            errors.Add($"'modules_to_save' lists {m.GetRawText()}; adapters with fully trained extra modules are not supported");
        }

        return errors;
    }
}
