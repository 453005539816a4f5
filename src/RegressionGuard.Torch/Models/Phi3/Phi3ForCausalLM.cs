using RegressionGuard.Torch.Models.Shared;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

#pragma warning disable IDE1006 // module fields are named exactly like the Hugging Face checkpoint keys

namespace RegressionGuard.Torch.Models.Phi3;

/// <summary>
/// Phi-3 / Phi-4-mini decoder, as transformers' modeling_phi3.py (commit 00d4b3d2142cb4ced2f51b90614b5d26bc045015):
/// a Llama-shaped pre-norm decoder whose q, k, v come from one fused <c>qkv_proj</c> and whose gate and up
/// projections are one fused <c>gate_up_proj</c> (gate first); RoPE on the first int(head_dim · partial_rotary_factor)
/// dimensions of each head; every layer attends within <c>sliding_window</c> when set.
/// state_dict keys are the HF keys (model.layers.0.self_attn.qkv_proj.weight, lm_head.weight).
/// </summary>
public sealed class Phi3ForCausalLM : nn.Module, ICausalTransformer
{
    readonly Phi3Config _config;
    public readonly Phi3Model model;
    public readonly Projection? lm_head; // (V, D); null when tied to model.embed_tokens

    public Phi3ForCausalLM(Phi3Config config, Device? device = null) : base(nameof(Phi3ForCausalLM))
    {
        _config = config;
        model = new Phi3Model(config, device);
        lm_head = config.TieWordEmbeddings ? null : new Projection(config.HiddenSize, config.VocabSize, false);
        RegisterComponents();
    }

    public Phi3Config Config => _config;
    public ModelFamily Family => Phi3Family.Instance;
    public string Architecture => "Phi3ForCausalLM";
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

public sealed class Phi3Model : nn.Module
{
    readonly int? _window;
    internal List<Tensor>? LayerOutputs { get; set; }

    public readonly Embedding embed_tokens; // (V, D)
    public readonly ModuleList<Phi3DecoderLayer> layers;
    public readonly RmsNorm norm; // (D)

    public Phi3Model(Phi3Config config, Device? device) : base(nameof(Phi3Model))
    {
        _window = config.SlidingWindow;
        embed_tokens = nn.Embedding(config.VocabSize, config.HiddenSize);
        layers = new ModuleList<Phi3DecoderLayer>(Enumerable.Range(0, config.NumHiddenLayers).Select(i => new Phi3DecoderLayer(config, i)).ToArray());
        norm = new RmsNorm("norm", config.HiddenSize, config.RmsNormEps);
        Rotary = new RotaryEmbedding(config.HeadDim, config.MaxPositionEmbeddings, config.RopeTheta, config.RopeScalingRule(), device, config.RotaryDim);
        RegisterComponents();
    }

    internal RotaryEmbedding Rotary { get; }

    public Tensor forward(Tensor inputIds, Tensor positions, Tensor? mask, KvCache? cache)
    {
        using var scope = NewDisposeScope();
        var x = embed_tokens.forward(inputIds);    // (B, T, D)
        var rope = Rotary.For(positions, x.dtype); // cos, sin (B, 1, T, hd): rotary dims, then cos 1 / sin 0
        var layerMask = new SlidingWindowMasks(mask, inputIds.shape[1], cache?.Length ?? 0, x.device).For(_window);
        for (int i = 0; i < layers.Count; i++)
        {
            x = layers[i].forward(x, rope, layerMask, cache);
            LayerOutputs?.Add(x.alias().MoveToOuterDisposeScope());
        }

        cache?.Advance(inputIds.shape[1]);
        return norm.forward(x).MoveToOuterDisposeScope();
    }
}

public sealed class Phi3DecoderLayer : nn.Module
{
    public readonly Phi3Attention self_attn;
    public readonly Phi3Mlp mlp;
    public readonly RmsNorm input_layernorm;
    public readonly RmsNorm post_attention_layernorm;

    public Phi3DecoderLayer(Phi3Config config, int index) : base($"layers.{index}")
    {
        self_attn = new Phi3Attention(config, index);
        mlp = new Phi3Mlp(config);
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
}

public sealed class Phi3Attention : nn.Module
{
    readonly int _layer;
    readonly long _heads, _kvHeads, _headDim;
    public readonly Projection qkv_proj; // ((H + 2·KVH)·hd, D): rows q, then k, then v
    public readonly Projection o_proj;   // (D, H·hd)

    public Phi3Attention(Phi3Config config, int layer) : base("self_attn")
    {
        _layer = layer;
        _heads = config.NumAttentionHeads;
        _kvHeads = config.KeyValueHeads;
        _headDim = config.HeadDim;
        qkv_proj = new Projection(config.HiddenSize, (_heads + 2 * _kvHeads) * _headDim, false);
        o_proj = new Projection(_heads * _headDim, config.HiddenSize, false);
        RegisterComponents();
    }

    public Tensor forward(Tensor x, RotaryTables rope, Tensor? mask, KvCache? cache)
    {
        using var scope = NewDisposeScope();
        long b = x.shape[0], t = x.shape[1];
        var qkv = qkv_proj.forward(x).split(new[] { _heads * _headDim, _kvHeads * _headDim, _kvHeads * _headDim }, -1);
        var q = qkv[0].view(b, t, _heads, _headDim).transpose(1, 2);   // (B, H, T, hd)
        var k = qkv[1].view(b, t, _kvHeads, _headDim).transpose(1, 2); // (B, KVH, T, hd)
        var v = qkv[2].view(b, t, _kvHeads, _headDim).transpose(1, 2); // (B, KVH, T, hd)
        q = RotaryEmbedding.Apply(q, rope);                            // rotary dims rotated, the rest unchanged
        k = RotaryEmbedding.Apply(k, rope);
        if (cache is not null)
        {
            (k, v) = cache.Append(_layer, k, v);                       // (B, KVH, S, hd)
        }

        var attended = Attention.AttendGrouped(q, k, v, mask);                     // (B, H, T, hd)
        var merged = attended.transpose(1, 2).reshape(b, t, _heads * _headDim);   // (B, T, H·hd)
        return o_proj.forward(merged).MoveToOuterDisposeScope();
    }
}

public sealed class Phi3Mlp : nn.Module<Tensor, Tensor>
{
    readonly long _intermediate;
    public readonly Projection gate_up_proj; // (2·I, D): rows gate, then up
    public readonly Projection down_proj;    // (D, I)

    public Phi3Mlp(Phi3Config config) : base("mlp")
    {
        _intermediate = config.IntermediateSize;
        gate_up_proj = new Projection(config.HiddenSize, 2 * _intermediate, false);
        down_proj = new Projection(_intermediate, config.HiddenSize, false);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var gateUp = gate_up_proj.forward(x).chunk(2, -1);                         // 2 × (B, T, I)
        var y = down_proj.forward(gateUp[1] * nn.functional.silu(gateUp[0]));      // (B, T, D)
        return y.MoveToOuterDisposeScope();
    }
}
