using TorchSharp;
using static TorchSharp.torch;

namespace RegressionGuard.Torch.Models.Shared;

/// <summary>
/// A decoder-only transformer as the runtime sees it: token ids in, next-token logits out, with an optional KV cache.
/// Families (Llama, GPT-2) implement this; nothing here knows about suites or corpora.
/// </summary>
public interface ICausalTransformer : IDisposable
{
    /// <summary>Architecture name as in config.json, e.g. "LlamaForCausalLM".</summary>
    string Architecture { get; }

    /// <summary>The family (config keys, checkpoint keys, LoRA targets, HFT groups, embeddings) this model belongs to.</summary>
    ModelFamily Family { get; }

    int VocabSize { get; }

    /// <summary>Longest sequence the model was trained for (max_position_embeddings / n_positions / seq_len).</summary>
    int ContextLength { get; }

    int NumLayers { get; }

    int NumKeyValueHeads { get; }

    int HeadDim { get; }

    /// <summary>The module tree, whose state_dict keys are the Hugging Face checkpoint keys.</summary>
    nn.Module Module { get; }

    /// <summary>
    /// Logits for every input position. <paramref name="inputIds"/> and <paramref name="positions"/> are (B, T) int64.
    /// <paramref name="attentionMask"/> is (B, 1, T, S) bool with true = may attend, where S = cache length after this
    /// call (or T without a cache); null means plain causal attention from position 0 (no padding on the left).
    /// With a cache, keys/values of these T positions are appended to it.
    /// Returns (B, T, V) in the compute dtype.
    /// </summary>
    Tensor Forward(Tensor inputIds, Tensor positions, Tensor? attentionMask, KvCache? cache);

    /// <summary>As <see cref="Forward"/> but stops before the LM head: final-normed hidden states (B, T, D).</summary>
    Tensor ForwardHidden(Tensor inputIds, Tensor positions, Tensor? attentionMask, KvCache? cache);

    /// <summary>The LM head: hidden states (…, D) → logits (…, V). Lets callers apply it to the positions they need only.</summary>
    Tensor Head(Tensor hidden);

    /// <summary>
    /// When set, each decoder layer's output (B, T, D) is appended here during the next forward passes (moved to the
    /// caller's dispose scope); used by I-LoRA's consistency loss. Null (the default) records nothing.
    /// </summary>
    List<Tensor>? LayerOutputs { get; set; }
}
