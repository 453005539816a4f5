using System.Text.Json.Serialization;

namespace RegressionGuard.Torch.Models.Gpt2;

/// <summary>The GPT-2 keys of a Hugging Face config.json, one property per key.</summary>
public sealed record Gpt2Config
{
    static readonly string[] Activations = { "gelu_new", "gelu", "gelu_pytorch_tanh" };

    [JsonPropertyName("architectures")] public string[]? ArchitectureNames { get; init; }
    [JsonPropertyName("vocab_size")] public int VocabSize { get; init; } = 50257;
    [JsonPropertyName("n_positions")] public int NPositions { get; init; } = 1024;
    [JsonPropertyName("n_embd")] public int NEmbd { get; init; } = 768;
    [JsonPropertyName("n_layer")] public int NLayer { get; init; } = 12;
    [JsonPropertyName("n_head")] public int NHead { get; init; } = 12;
    [JsonPropertyName("n_inner")] public int? NInner { get; init; }
    [JsonPropertyName("layer_norm_epsilon")] public double LayerNormEpsilon { get; init; } = 1e-5;
    [JsonPropertyName("activation_function")] public string ActivationFunction { get; init; } = "gelu_new";
    [JsonPropertyName("bos_token_id")] public int? BosTokenId { get; init; }
    [JsonPropertyName("eos_token_id")] public int? EosTokenId { get; init; }
    [JsonPropertyName("tie_word_embeddings")] public bool TieWordEmbeddings { get; init; } = true;

    [JsonIgnore] public int Inner => NInner ?? 4 * NEmbd;
    [JsonIgnore] public int HeadDim => NEmbd / NHead;

    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        void Positive(string key, int value) { if (value <= 0) { errors.Add($"'{key}' must be a positive integer, got {value}"); } }
        Positive("vocab_size", VocabSize);
        Positive("n_positions", NPositions);
        Positive("n_embd", NEmbd);
        Positive("n_layer", NLayer);
        Positive("n_head", NHead);
        if (NHead > 0 && NEmbd % NHead != 0)
        {
            errors.Add($"'n_embd' ({NEmbd}) must be divisible by 'n_head' ({NHead})");
        }

        if (!Activations.Contains(ActivationFunction))
        {
            errors.Add($"'activation_function' is '{ActivationFunction}'; supported: {string.Join(", ", Activations)}");
        }

        if (!TieWordEmbeddings)
        {
            errors.Add("'tie_word_embeddings' is false; GPT-2 checkpoints supported here tie the head to transformer.wte");
        }

        return errors;
    }
}
