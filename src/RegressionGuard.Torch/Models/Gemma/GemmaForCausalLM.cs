using RegressionGuard.Torch.Models.Shared;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

#pragma warning disable IDE1006 // module fields are named exactly like the Hugging Face checkpoint keys

namespace RegressionGuard.Torch.Models.Gemma;

/// <summary>
/// Gemma 2 and Gemma 3 text decoders (transformers' Gemma2ForCausalLM / Gemma3ForCausalLM). Against Llama they differ in:
/// embeddings × √hidden_size (the factor cast to the hidden dtype first); RMSNorm scaled by (1 + w) in fp32; a norm after
/// attention and after the feed-forward block as well as before each; GeGLU with the tanh GELU; attention scaled by
/// query_pre_attn_scalar^−½; sliding-window (local) and global layers; Gemma 2's tanh soft-capping of attention scores
/// and final logits; Gemma 3's per-head q/k RMSNorm and its own RoPE base for local layers. The head is tied to the
/// embeddings unless tie_word_embeddings is false. State-dict keys are the HF keys (model.layers.0.self_attn.q_norm.weight).
/// </summary>
public sealed class GemmaForCausalLM : nn.Module, ICausalTransformer
{
    readonly GemmaConfig _config;
    readonly Scalar? _finalCap;
    public readonly GemmaModel model;
    public readonly Projection? lm_head; // (V, D); null when tied to model.embed_tokens

    public GemmaForCausalLM(GemmaConfig config, Device? device = null) : base(nameof(GemmaForCausalLM))
    {
        _config = config;
        Family = config.IsGemma3 ? GemmaFamily.Gemma3 : GemmaFamily.Gemma2;
        _finalCap = config.FinalLogitSoftcapping?.ToScalar();
        model = new GemmaModel(config, device);
        lm_head = config.TieWordEmbeddings ? null : new Projection(config.HiddenSize, config.VocabSize, false);
        RegisterComponents();
    }

    public GemmaConfig Config => _config;
    public ModelFamily Family { get; }
    public string Architecture => _config.Architecture;
    public int VocabSize => _config.VocabSize;
    public int ContextLength => _config.MaxPositionEmbeddings;
    public int NumLayers => _config.NumHiddenLayers;
    public int NumKeyValueHeads => _config.KeyValueHeads;
    public int HeadDim => _config.HeadDim;
    public nn.Module Module => this;

    public List<Tensor>? LayerOutputs
    {
        get => model.LayerOutputs;
        set => model.LayerOutputs = value;
    }

    public Tensor Forward(Tensor inputIds, Tensor positions, Tensor? attentionMask, KvCache? cache)
    {
        using var scope = NewDisposeScope();
        var hidden = model.forward(inputIds, positions, attentionMask, cache); // (B, T, D)
        return Head(hidden).MoveToOuterDisposeScope();                      // (B, T, V)
    }

    public Tensor ForwardHidden(Tensor inputIds, Tensor positions, Tensor? attentionMask, KvCache? cache) =>
        model.forward(inputIds, positions, attentionMask, cache);

    /// <summary>hidden (…, D) → logits (…, V), soft-capped as cap·tanh(logits / cap) when final_logit_softcapping is set.</summary>
    public Tensor Head(Tensor hidden)
    {
        using var scope = NewDisposeScope();
        var logits = lm_head is null
            ? nn.functional.linear(hidden, model.embed_tokens.weight!) // (…, V), tied
            : lm_head.forward(hidden);
        if (_finalCap is not null)
        {
            logits = logits.div(_finalCap).tanh().mul(_finalCap); // out of place: autograd keeps tanh's output
        }

        return logits.MoveToOuterDisposeScope();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            model.DisposeRotary();
            _finalCap?.Dispose();
        }

        base.Dispose(disposing);
    }
}

public sealed class GemmaModel : nn.Module
{
    readonly long _hiddenSize;
    readonly int?[] _windows; // per layer: sliding_window for sliding layers, null for global ones
    readonly RotaryEmbedding _globalRotary;
    readonly RotaryEmbedding _localRotary; // the same object as _globalRotary when both layer types share base and scaling (Gemma 2)

    internal List<Tensor>? LayerOutputs { get; set; }

    public readonly Embedding embed_tokens; // (V, D)
    public readonly ModuleList<GemmaDecoderLayer> layers;
    public readonly GemmaRmsNorm norm; // (D)

    public GemmaModel(GemmaConfig config, Device? device) : base(nameof(GemmaModel))
    {
        _hiddenSize = config.HiddenSize;
        var layerTypes = config.LayerTypes();
        _windows = layerTypes.Select(t => t == GemmaLayerType.Sliding ? config.SlidingWindow : null).ToArray();
        embed_tokens = nn.Embedding(config.VocabSize, config.HiddenSize);
        layers = new ModuleList<GemmaDecoderLayer>(Enumerable.Range(0, config.NumHiddenLayers).Select(i => new GemmaDecoderLayer(config, i)).ToArray());
        norm = new GemmaRmsNorm("norm", config.HiddenSize, config.RmsNormEps);
        var (globalTheta, globalScaling) = config.Rope(GemmaLayerType.Global);
        var (localTheta, localScaling) = config.Rope(GemmaLayerType.Sliding);
        _globalRotary = new RotaryEmbedding(config.HeadDim, config.MaxPositionEmbeddings, globalTheta, globalScaling, device);
        _localRotary = layerTypes.Contains(GemmaLayerType.Sliding) && (localTheta != globalTheta || localScaling != globalScaling)
            ? new RotaryEmbedding(config.HeadDim, config.MaxPositionEmbeddings, localTheta, localScaling, device)
            : _globalRotary;
        RegisterComponents();
    }

    internal void DisposeRotary()
    {
        _globalRotary.Dispose();
        if (!ReferenceEquals(_localRotary, _globalRotary))
        {
            _localRotary.Dispose();
        }
    }

    /// <summary>
    /// <paramref name="mask"/> (B, 1, T, S) bool or null (causal from position 0). Sliding layers also drop keys
    /// sliding_window or more cache slots before the query: slots and positions differ by the same left padding per row,
    /// so the window over slots is the window over positions.
    /// </summary>
    public Tensor forward(Tensor inputIds, Tensor positions, Tensor? mask, KvCache? cache)
    {
        using var scope = NewDisposeScope();
        long t = inputIds.shape[1];
        long past = cache?.Length ?? 0;
        var x = embed_tokens.forward(inputIds);                                             // (B, T, D)
        var normalizer = tensor(Math.Sqrt(_hiddenSize), ScalarType.Float64).to_type(x.dtype); // √D in the hidden dtype, as transformers
        x = x * normalizer;
        var globalRope = _globalRotary.For(positions, x.dtype);                             // cos, sin (B, 1, T, hd)
        var localRope = ReferenceEquals(_localRotary, _globalRotary) ? globalRope : _localRotary.For(positions, x.dtype);
        var masks = new SlidingWindowMasks(mask, t, past, x.device);                      // the given mask, windowed for sliding layers
        for (int i = 0; i < layers.Count; i++)
        {
            bool sliding = _windows[i] is not null;
            x = layers[i].forward(x, sliding ? localRope : globalRope, masks.For(_windows[i]), cache);
            LayerOutputs?.Add(x.alias().MoveToOuterDisposeScope());
        }

        cache?.Advance(t);
        return norm.forward(x).MoveToOuterDisposeScope();
    }
}

public sealed class GemmaDecoderLayer : nn.Module
{
    public readonly GemmaAttention self_attn;
    public readonly GemmaMlp mlp;
    public readonly GemmaRmsNorm input_layernorm;
    public readonly GemmaRmsNorm post_attention_layernorm;
    public readonly GemmaRmsNorm pre_feedforward_layernorm;
    public readonly GemmaRmsNorm post_feedforward_layernorm;

    public GemmaDecoderLayer(GemmaConfig config, int index) : base($"layers.{index}")
    {
        self_attn = new GemmaAttention(config, index);
        mlp = new GemmaMlp(config);
        input_layernorm = new GemmaRmsNorm("input_layernorm", config.HiddenSize, config.RmsNormEps);
        post_attention_layernorm = new GemmaRmsNorm("post_attention_layernorm", config.HiddenSize, config.RmsNormEps);
        pre_feedforward_layernorm = new GemmaRmsNorm("pre_feedforward_layernorm", config.HiddenSize, config.RmsNormEps);
        post_feedforward_layernorm = new GemmaRmsNorm("post_feedforward_layernorm", config.HiddenSize, config.RmsNormEps);
        RegisterComponents();
    }

    public Tensor forward(Tensor x, RotaryTables rope, Tensor? mask, KvCache? cache)
    {
        using var scope = NewDisposeScope();
        var attended = self_attn.forward(input_layernorm.forward(x), rope, mask, cache);  // (B, T, D)
        var h = x + post_attention_layernorm.forward(attended);                            // (B, T, D)
        var fed = mlp.forward(pre_feedforward_layernorm.forward(h));                       // (B, T, D)
        return (h + post_feedforward_layernorm.forward(fed)).MoveToOuterDisposeScope();    // (B, T, D)
    }
}

public sealed class GemmaAttention : nn.Module
{
    readonly int _layer;
    readonly long _heads, _kvHeads, _headDim;
    readonly Scalar _scale;      // query_pre_attn_scalar^−½
    readonly Scalar _sdpaScale;  // scale · √hd: scaled dot-product attention divides by √hd itself
    readonly Scalar? _cap;       // attn_logit_softcapping (Gemma 2)
    public readonly Projection q_proj; // (H·hd, D)
    public readonly Projection k_proj; // (KVH·hd, D)
    public readonly Projection v_proj; // (KVH·hd, D)
    public readonly Projection o_proj; // (D, H·hd)
    public readonly GemmaRmsNorm? q_norm; // (hd), Gemma 3
    public readonly GemmaRmsNorm? k_norm; // (hd), Gemma 3

    public GemmaAttention(GemmaConfig config, int layer) : base("self_attn")
    {
        _layer = layer;
        _heads = config.NumAttentionHeads;
        _kvHeads = config.KeyValueHeads;
        _headDim = config.HeadDim;
        _scale = config.AttentionScale.ToScalar();
        _sdpaScale = (config.AttentionScale * Math.Sqrt(config.HeadDim)).ToScalar();
        _cap = config.AttnLogitSoftcapping?.ToScalar();
        q_proj = new Projection(config.HiddenSize, _heads * _headDim, config.AttentionBias);
        k_proj = new Projection(config.HiddenSize, _kvHeads * _headDim, config.AttentionBias);
        v_proj = new Projection(config.HiddenSize, _kvHeads * _headDim, config.AttentionBias);
        o_proj = new Projection(_heads * _headDim, config.HiddenSize, config.AttentionBias);
        if (config.IsGemma3)
        {
            q_norm = new GemmaRmsNorm("q_norm", config.HeadDim, config.RmsNormEps);
            k_norm = new GemmaRmsNorm("k_norm", config.HeadDim, config.RmsNormEps);
        }

        RegisterComponents();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _scale.Dispose();
            _sdpaScale.Dispose();
            _cap?.Dispose();
        }

        base.Dispose(disposing);
    }

    public Tensor forward(Tensor x, RotaryTables rope, Tensor? mask, KvCache? cache)
    {
        using var scope = NewDisposeScope();
        long b = x.shape[0], t = x.shape[1];
        var q = q_proj.forward(x).view(b, t, _heads, _headDim).transpose(1, 2);   // (B, H, T, hd)
        var k = k_proj.forward(x).view(b, t, _kvHeads, _headDim).transpose(1, 2); // (B, KVH, T, hd)
        var v = v_proj.forward(x).view(b, t, _kvHeads, _headDim).transpose(1, 2); // (B, KVH, T, hd)
        if (q_norm is not null && k_norm is not null)
        {
            q = q_norm.forward(q);                                                 // per head over hd
            k = k_norm.forward(k);
        }

        q = RotaryEmbedding.Apply(q, rope);
        k = RotaryEmbedding.Apply(k, rope);
        if (cache is not null)
        {
            (k, v) = cache.Append(_layer, k, v);                                   // (B, KVH, S, hd)
        }

        var attended = _cap is null
            ? Attention.AttendGrouped(q.mul(_sdpaScale), k, v, mask)              // (B, H, T, hd)
            : SoftCapped(q, k, v, mask);
        var merged = attended.transpose(1, 2).reshape(b, t, _heads * _headDim);   // (B, T, H·hd)
        return o_proj.forward(merged).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Eager attention with Gemma 2's soft-capped scores: softmax(cap·tanh(q·kᵀ·scale / cap), masked) · v, softmax in fp32
    /// (transformers' eager_attention_forward). q (B, H, T, hd); k, v (B, KVH, S, hd); mask (B, 1, T, S) bool or null.
    /// </summary>
    Tensor SoftCapped(Tensor q, Tensor k, Tensor v, Tensor? mask)
    {
        long t = q.shape[2], s = k.shape[2], groups = _heads / _kvHeads;
        var keys = Attention.RepeatKv(k, groups);                                  // (B, H, S, hd)
        var values = Attention.RepeatKv(v, groups);                                // (B, H, S, hd)
        var scores = q.matmul(keys.transpose(2, 3)).mul(_scale);                  // (B, H, T, S)
        scores = scores.div(_cap!).tanh().mul(_cap!);                           // out of place (autograd)
        var allowed = mask ?? (t == s ? ones(t, s, ScalarType.Bool, q.device).tril() : t == 1 ? null
            : throw new ArgumentException($"attention without a mask needs T == S or T == 1, got T = {t}, S = {s}", nameof(mask)));
        if (allowed is not null)
        {
            scores = scores.masked_fill(allowed.logical_not(), double.NegativeInfinity);
        }

        var probs = scores.softmax(-1, ScalarType.Float32).to_type(q.dtype);      // (B, H, T, S)
        return probs.matmul(values);                                               // (B, H, T, hd)
    }
}

public sealed class GemmaMlp : nn.Module<Tensor, Tensor>
{
    readonly GELU.Approximate _approximate;
    public readonly Projection gate_proj; // (I, D)
    public readonly Projection up_proj; // (I, D)
    public readonly Projection down_proj; // (D, I)

    public GemmaMlp(GemmaConfig config) : base("mlp")
    {
        _approximate = config.Activation == "gelu" ? GELU.Approximate.none : GELU.Approximate.tanh;
        gate_proj = new Projection(config.HiddenSize, config.IntermediateSize, false);
        up_proj = new Projection(config.HiddenSize, config.IntermediateSize, false);
        down_proj = new Projection(config.IntermediateSize, config.HiddenSize, false);
        RegisterComponents();
    }

    /// <summary>GeGLU: down(gelu_tanh(gate(x)) · up(x)).</summary>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var gated = nn.functional.gelu(gate_proj.forward(x), _approximate) * up_proj.forward(x); // (B, T, I)
        return down_proj.forward(gated).MoveToOuterDisposeScope();                              // (B, T, D)
    }
}
