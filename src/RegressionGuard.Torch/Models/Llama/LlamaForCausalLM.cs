using RegressionGuard.Torch.Models.Shared;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

#pragma warning disable IDE1006 // module fields are named exactly like the Hugging Face checkpoint keys

namespace RegressionGuard.Torch.Models.Llama;

/// <summary>Llama-family decoder: state_dict keys are the HF keys (model.layers.0.self_attn.q_proj.weight, lm_head.weight).</summary>
public sealed class LlamaForCausalLM : nn.Module, ICausalTransformer, IFusesProjections
{
    readonly LlamaConfig _config;
    public readonly LlamaModel model;
    public readonly Projection? lm_head; // (V, D); null when tied to model.embed_tokens

    public LlamaForCausalLM(LlamaConfig config, Device? device = null, ModelFamily? family = null) : base(nameof(LlamaForCausalLM))
    {
        _config = config;
        Family = family ?? LlamaFamily.Instance;
        model = new LlamaModel(config, device);
        lm_head = config.TieWordEmbeddings ? null : new Projection(config.HiddenSize, config.VocabSize, false);
        RegisterComponents();
    }

    public LlamaConfig Config => _config;
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

    public void FuseProjections() => model.FuseProjections();

    public Tensor Head(Tensor hidden) => lm_head is null
        ? nn.functional.linear(hidden, model.embed_tokens.weight!) // (…, V), tied
        : lm_head.forward(hidden);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            model.Rotary.Dispose();
        }

        base.Dispose(disposing);
    }
}

public sealed class LlamaModel : nn.Module
{
    internal List<Tensor>? LayerOutputs { get; set; }

    public readonly Embedding embed_tokens; // (V, D)
    public readonly ModuleList<LlamaDecoderLayer> layers;
    public readonly RmsNorm norm; // (D)

    readonly int?[] _windows; // per layer: sliding attention window, or null for full causal attention

    public LlamaModel(LlamaConfig config, Device? device) : base(nameof(LlamaModel))
    {
        _windows = Enumerable.Range(0, config.NumHiddenLayers).Select(config.SlidingWindowOf).ToArray();
        embed_tokens = nn.Embedding(config.VocabSize, config.HiddenSize);
        layers = new ModuleList<LlamaDecoderLayer>(Enumerable.Range(0, config.NumHiddenLayers).Select(i => new LlamaDecoderLayer(config, i)).ToArray());
        norm = new RmsNorm("norm", config.HiddenSize, config.RmsNormEps);
        Rotary = new RotaryEmbedding(config.HeadDim, config.MaxPositionEmbeddings, config.RopeTheta, config.RopeScalingRule(), device);
        RegisterComponents();
    }

    internal RotaryEmbedding Rotary { get; }

    bool _fused;

    /// <summary>Fuses every layer's q/k/v and gate/up projections (see <see cref="FusedProjections"/>); idempotent.</summary>
    internal void FuseProjections()
    {
        foreach (var layer in layers)
        {
            layer.self_attn.Fuse();
            layer.mlp.Fuse();
            layer.self_attn.o_proj.KeepTransposedWeight();
            layer.mlp.down_proj.KeepTransposedWeight();
            layer.input_layernorm.PrepareInference();
            layer.post_attention_layernorm.PrepareInference();
        }

        norm.PrepareInference();

        _fused = true;
    }

    public Tensor forward(Tensor inputIds, Tensor positions, Tensor? mask, KvCache? cache)
    {
        using var scope = NewDisposeScope();
        var x = embed_tokens.forward(inputIds); // (B, T, D)
        if (_fused && LayerOutputs is null && !is_grad_enabled())
        {
            return ForwardFused(x, inputIds, positions, mask, cache).MoveToOuterDisposeScope();
        }

        var rope = Rotary.For(positions, x.dtype); // cos, sin (B, 1, T, hd)
        var masks = new SlidingWindowMasks(mask, inputIds.shape[1], cache?.Length ?? 0, x.device);
        for (int i = 0; i < layers.Count; i++)
        {
            x = layers[i].forward(x, rope, masks.For(_windows[i]), cache);
            LayerOutputs?.Add(x.alias().MoveToOuterDisposeScope());
        }

        cache?.Advance(inputIds.shape[1]);
        return norm.forward(x).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Inference with fused projections: the hidden state stays (B·T, D), residual adds ride on the output
    /// projections' matmuls (addmm), and a one-token step rotates q and k with one batched matmul.
    /// </summary>
    Tensor ForwardFused(Tensor x, Tensor inputIds, Tensor positions, Tensor? mask, KvCache? cache)
    {
        var shape = inputIds.shape;
        long b = shape[0], t = shape[1], d = embed_tokens.weight!.shape[1];
        var rope = t == 1
            ? new FusedRope(null, Rotary.StepMatrices(positions, x.dtype))   // (B, hd, hd)
            : new FusedRope(Rotary.For(positions, x.dtype), null);          // cos, sin (B, 1, T, hd)
        var masks = new SlidingWindowMasks(mask, t, cache?.Length ?? 0, x.device);
        var h = x.view(b * t, d);                                            // (B·T, D)
        for (int i = 0; i < layers.Count; i++)
        {
            h = layers[i].ForwardFused(h, b, t, rope, masks.For(_windows[i]), cache);
        }

        cache?.Advance(t);
        return norm.ForwardInference(h).view(b, t, d);                       // (B, T, D)
    }
}

/// <summary>The rotary inputs of a fused forward: per-position tables (T > 1) or one rotation matrix per row (T = 1).</summary>
public readonly record struct FusedRope(RotaryTables? Tables, Tensor? StepMatrices);

public sealed class LlamaDecoderLayer : nn.Module
{
    public readonly LlamaAttention self_attn;
    public readonly LlamaMlp mlp;
    public readonly RmsNorm input_layernorm;
    public readonly RmsNorm post_attention_layernorm;

    public LlamaDecoderLayer(LlamaConfig config, int index) : base($"layers.{index}")
    {
        self_attn = new LlamaAttention(config, index);
        mlp = new LlamaMlp(config);
        input_layernorm = new RmsNorm("input_layernorm", config.HiddenSize, config.RmsNormEps);
        post_attention_layernorm = new RmsNorm("post_attention_layernorm", config.HiddenSize, config.RmsNormEps);
        RegisterComponents();
    }

    public Tensor forward(Tensor x, RotaryTables rope, Tensor? mask, KvCache? cache)
    {
        using var scope = NewDisposeScope();
        var h = x + self_attn.forward(input_layernorm.forward(x), rope, mask, cache); // (B, T, D)
        var y = h + mlp.forward(post_attention_layernorm.forward(h));                    // (B, T, D)
        return y.MoveToOuterDisposeScope();
    }

    /// <summary>As <see cref="forward"/> on x (B·T, D) with fused projections; the residual adds are the output matmuls' addmm.</summary>
    internal Tensor ForwardFused(Tensor x, long b, long t, FusedRope rope, Tensor? mask, KvCache? cache)
    {
        using var scope = NewDisposeScope();
        var attended = self_attn.ForwardFused(input_layernorm.ForwardInference(x), b, t, rope, mask, cache); // (B·T, H·hd)
        var h = Residual(x, attended, self_attn.o_proj);                                                    // (B·T, D)
        var y = Residual(h, mlp.ForwardFused(post_attention_layernorm.ForwardInference(h)), mlp.down_proj);  // (B·T, D)
        return y.MoveToOuterDisposeScope();
    }

    /// <summary>x + p(a) as one addmm when p has no bias (its LoRA branch's Δy, if any, added after).</summary>
    static Tensor Residual(Tensor x, Tensor a, Projection p)
    {
        if (p.TransposedWeight is not { } wt || p.bias is not null)
        {
            return x + p.forward(a);
        }

        var y = addmm(x, a, wt, 1, 1);
        return p.Lora is { } lora ? y.add_(lora.Delta(a)) : y;
    }
}

public sealed class LlamaAttention : nn.Module
{
    readonly int _layer;
    readonly long _heads, _kvHeads, _headDim;
    public readonly Projection q_proj; // (H·hd, D)
    public readonly Projection k_proj; // (KVH·hd, D)
    public readonly Projection v_proj; // (KVH·hd, D)
    public readonly Projection o_proj; // (D, H·hd)
    public readonly RmsNorm? q_norm; // (hd), Qwen3 only
    public readonly RmsNorm? k_norm; // (hd), Qwen3 only

    public LlamaAttention(LlamaConfig config, int layer) : base("self_attn")
    {
        _layer = layer;
        _heads = config.NumAttentionHeads;
        _kvHeads = config.KeyValueHeads;
        _headDim = config.HeadDim;
        q_proj = new Projection(config.HiddenSize, _heads * _headDim, config.QkvBias);
        k_proj = new Projection(config.HiddenSize, _kvHeads * _headDim, config.QkvBias);
        v_proj = new Projection(config.HiddenSize, _kvHeads * _headDim, config.QkvBias);
        o_proj = new Projection(_heads * _headDim, config.HiddenSize, config.OutputBias);
        if (config.QkNorm)
        {
            q_norm = new RmsNorm("q_norm", _headDim, config.RmsNormEps);
            k_norm = new RmsNorm("k_norm", _headDim, config.RmsNormEps);
        }

        RegisterComponents();
    }

    FusedProjections? _qkv;

    internal void Fuse() => _qkv ??= new FusedProjections(q_proj, k_proj, v_proj);


    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _qkv?.Dispose();
        }

        base.Dispose(disposing);
    }

    /// <summary>
    /// Attention on normed x (B·T, D) → (B·T, H·hd) before o_proj. With one new token per row and no q/k norms the
    /// heads stay in the (B, heads, hd) layout of the fused output: no transposes, rotary as one batched matmul.
    /// </summary>
    internal Tensor ForwardFused(Tensor x, long b, long t, FusedRope rope, Tensor? mask, KvCache? cache)
    {
        using var scope = NewDisposeScope();
        var fused = _qkv ?? throw new InvalidOperationException("ForwardFused needs fused projections (FuseProjections)");
        var qkv = fused.Forward(x);                                                    // (B·T, (H + 2·KVH)·hd)
        long groups = _heads / _kvHeads;
        if (t == 1 && q_norm is null && rope.StepMatrices is { } rotation)
        {
            var heads = qkv.view(b, _heads + 2 * _kvHeads, _headDim);                  // (B, H + 2·KVH, hd)
            var qk = heads.narrow(1, 0, _heads + _kvHeads).bmm(rotation);              // (B, H + KVH, hd), rotated
            var k1 = qk.narrow(1, _heads, _kvHeads).unsqueeze(2);                       // (B, KVH, 1, hd)
            var v1 = heads.narrow(1, _heads + _kvHeads, _kvHeads).unsqueeze(2);         // (B, KVH, 1, hd)
            var (keys, values) = cache is null ? (k1, v1) : cache.Append(_layer, k1, v1, 1); // (B, KVH, S, hd)
            var folded = qk.narrow(1, 0, _heads).view(b, _kvHeads, groups, _headDim);  // (B, KVH, G, hd): each group on its shared head
            var outFolded = mask is null
                ? nn.functional.scaled_dot_product_attention(folded, keys, values)
                : nn.functional.scaled_dot_product_attention(folded, keys, values, attn_mask: mask); // (B, KVH, G, hd)
            return outFolded.view(b, _heads * _headDim).MoveToOuterDisposeScope();     // (B, H·hd)
        }

        var parts = qkv.split(fused.Sizes, -1);
        var q = parts[0].view(b, t, _heads, _headDim);                                 // (B, T, H, hd)
        var k = parts[1].view(b, t, _kvHeads, _headDim);                               // (B, T, KVH, hd)
        if (q_norm is not null && k_norm is not null)
        {
            (q, k) = (q_norm.forward(q), k_norm.forward(k));                           // per head, over hd
        }

        var v = parts[2].view(b, t, _kvHeads, _headDim).transpose(1, 2);               // (B, KVH, T, hd)
        if (rope.StepMatrices is { } step)
        {
            q = q.view(b, _heads, _headDim).bmm(step).view(b, _heads, 1, _headDim);      // (B, H, 1, hd)
            k = k.view(b, _kvHeads, _headDim).bmm(step).view(b, _kvHeads, 1, _headDim);  // (B, KVH, 1, hd)
        }
        else
        {
            var tables = rope.Tables!.Value;
            q = RotaryEmbedding.Apply(q.transpose(1, 2), tables);                     // (B, H, T, hd)
            k = RotaryEmbedding.Apply(k.transpose(1, 2), tables);                     // (B, KVH, T, hd)
        }

        if (cache is not null)
        {
            (k, v) = cache.Append(_layer, k, v, t);                                    // (B, KVH, S, hd)
        }

        var attended = Attention.AttendGrouped(q, k, v, mask);                        // (B, H, T, hd)
        return attended.transpose(1, 2).reshape(b * t, _heads * _headDim).MoveToOuterDisposeScope(); // (B·T, H·hd)
    }

    public Tensor forward(Tensor x, RotaryTables rope, Tensor? mask, KvCache? cache)
    {
        using var scope = NewDisposeScope();
        long b = x.shape[0], t = x.shape[1];
        var q = q_proj.forward(x).view(b, t, _heads, _headDim);                 // (B, T, H, hd)
        var k = k_proj.forward(x).view(b, t, _kvHeads, _headDim);               // (B, T, KVH, hd)
        if (q_norm is not null && k_norm is not null)
        {
            (q, k) = (q_norm.forward(q), k_norm.forward(k));                     // per head, over hd
        }

        q = q.transpose(1, 2);                                                   // (B, H, T, hd)
        k = k.transpose(1, 2);                                                   // (B, KVH, T, hd)
        var v = v_proj.forward(x).view(b, t, _kvHeads, _headDim).transpose(1, 2); // (B, KVH, T, hd)
        q = RotaryEmbedding.Apply(q, rope);
        k = RotaryEmbedding.Apply(k, rope);
        if (cache is not null)
        {
            (k, v) = cache.Append(_layer, k, v);                // (B, KVH, S, hd)
        }

        var attended = Attention.AttendGrouped(q, k, v, mask);                     // (B, H, T, hd)
        var merged = attended.transpose(1, 2).reshape(b, t, _heads * _headDim);   // (B, T, H·hd)
        return o_proj.forward(merged).MoveToOuterDisposeScope();
    }
}

public sealed class LlamaMlp : nn.Module<Tensor, Tensor>
{
    public readonly Projection gate_proj; // (I, D)
    public readonly Projection up_proj; // (I, D)
    public readonly Projection down_proj; // (D, I)

    public LlamaMlp(LlamaConfig config) : base("mlp")
    {
        gate_proj = new Projection(config.HiddenSize, config.IntermediateSize, config.MlpBias);
        up_proj = new Projection(config.HiddenSize, config.IntermediateSize, config.MlpBias);
        down_proj = new Projection(config.IntermediateSize, config.HiddenSize, config.MlpBias);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var y = down_proj.forward(nn.functional.silu(gate_proj.forward(x)) * up_proj.forward(x)); // (B, T, D)
        return y.MoveToOuterDisposeScope();
    }

    FusedProjections? _gateUp;

    internal void Fuse() => _gateUp ??= new FusedProjections(gate_proj, up_proj);


    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _gateUp?.Dispose();
        }

        base.Dispose(disposing);
    }

    /// <summary>silu(gate(x))·up(x) (…, I), before down_proj; gate and up as one matmul when fused.</summary>
    internal Tensor ForwardFused(Tensor x)
    {
        using var scope = NewDisposeScope();
        var fused = _gateUp ?? throw new InvalidOperationException("ForwardFused needs fused projections (FuseProjections)");
        var parts = fused.Forward(x).chunk(2, -1);                        // gate, up (…, I)
        return nn.functional.silu(parts[0], inplace: true).mul_(parts[1]).MoveToOuterDisposeScope();
    }
}
