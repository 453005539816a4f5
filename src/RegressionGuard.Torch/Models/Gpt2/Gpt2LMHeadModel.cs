using RegressionGuard.Torch.Models.Shared;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

#pragma warning disable IDE1006 // module fields are named exactly like the Hugging Face checkpoint keys

namespace RegressionGuard.Torch.Models.Gpt2;

/// <summary>GPT-2 with HF keys (transformer.h.0.attn.c_attn.weight …); the head is tied to transformer.wte.</summary>
public sealed class Gpt2LMHeadModel : nn.Module, ICausalTransformer
{
    readonly Gpt2Config _config;
    public readonly Gpt2Model transformer;

    public Gpt2LMHeadModel(Gpt2Config config) : base(nameof(Gpt2LMHeadModel))
    {
        _config = config;
        transformer = new Gpt2Model(config);
        RegisterComponents();
    }

    public Gpt2Config Config => _config;
    public ModelFamily Family => Gpt2Family.Instance;
    public string Architecture => "GPT2LMHeadModel";
    public int VocabSize => _config.VocabSize;
    public int ContextLength => _config.NPositions;
    public int NumLayers => _config.NLayer;
    public int NumKeyValueHeads => _config.NHead;
    public int HeadDim => _config.HeadDim;
    public nn.Module Module => this;

    public List<Tensor>? LayerOutputs
    {
        get => transformer.LayerOutputs;
        set => transformer.LayerOutputs = value;
    }

    public Tensor Forward(Tensor inputIds, Tensor positions, Tensor? attentionMask, KvCache? cache)
    {
        using var scope = NewDisposeScope();
        var hidden = transformer.forward(inputIds, positions, attentionMask, cache); // (B, T, D)
        return Head(hidden).MoveToOuterDisposeScope();                            // (B, T, V)
    }

    public Tensor ForwardHidden(Tensor inputIds, Tensor positions, Tensor? attentionMask, KvCache? cache) =>
        transformer.forward(inputIds, positions, attentionMask, cache);

    public Tensor Head(Tensor hidden) => nn.functional.linear(hidden, transformer.wte.weight!); // (…, V), tied
}

public sealed class Gpt2Model : nn.Module
{
    internal List<Tensor>? LayerOutputs { get; set; }

    public readonly Embedding wte; // (V, D)
    public readonly Embedding wpe; // (P, D)
    public readonly ModuleList<Gpt2Block> h;
    public readonly LayerNorm ln_f;

    public Gpt2Model(Gpt2Config config) : base(nameof(Gpt2Model))
    {
        wte = nn.Embedding(config.VocabSize, config.NEmbd);
        wpe = nn.Embedding(config.NPositions, config.NEmbd);
        h = new ModuleList<Gpt2Block>(Enumerable.Range(0, config.NLayer).Select(i => new Gpt2Block(config, i)).ToArray());
        ln_f = nn.LayerNorm(config.NEmbd, config.LayerNormEpsilon);
        RegisterComponents();
    }

    public Tensor forward(Tensor inputIds, Tensor positions, Tensor? mask, KvCache? cache)
    {
        using var scope = NewDisposeScope();
        var x = wte.forward(inputIds) + wpe.forward(positions); // (B, T, D)
        for (int i = 0; i < h.Count; i++)
        {
            x = h[i].forward(x, mask, cache);
            LayerOutputs?.Add(x.alias().MoveToOuterDisposeScope()); // every layer's output (I-LoRA consistency)
        }

        cache?.Advance(inputIds.shape[1]);
        return ln_f.forward(x).MoveToOuterDisposeScope();
    }
}

public sealed class Gpt2Block : nn.Module
{
    public readonly LayerNorm ln_1;
    public readonly Gpt2Attention attn;
    public readonly LayerNorm ln_2;
    public readonly Gpt2Mlp mlp;

    public Gpt2Block(Gpt2Config config, int index) : base($"h.{index}")
    {
        ln_1 = nn.LayerNorm(config.NEmbd, config.LayerNormEpsilon);
        attn = new Gpt2Attention(config, index);
        ln_2 = nn.LayerNorm(config.NEmbd, config.LayerNormEpsilon);
        mlp = new Gpt2Mlp(config);
        RegisterComponents();
    }

    public Tensor forward(Tensor x, Tensor? mask, KvCache? cache)
    {
        using var scope = NewDisposeScope();
        var h = x + attn.forward(ln_1.forward(x), mask, cache); // (B, T, D)
        return (h + mlp.forward(ln_2.forward(h))).MoveToOuterDisposeScope();
    }
}

public sealed class Gpt2Attention : nn.Module
{
    readonly int _layer;
    readonly long _heads, _headDim;
    public readonly Conv1D c_attn; // weight (D, 3D): stored in×out as in the checkpoint
    public readonly Conv1D c_proj; // weight (D, D)

    public Gpt2Attention(Gpt2Config config, int layer) : base("attn")
    {
        _layer = layer;
        _heads = config.NHead;
        _headDim = config.HeadDim;
        c_attn = new Conv1D(config.NEmbd, 3 * config.NEmbd);
        c_proj = new Conv1D(config.NEmbd, config.NEmbd);
        RegisterComponents();
    }

    public Tensor forward(Tensor x, Tensor? mask, KvCache? cache)
    {
        using var scope = NewDisposeScope();
        long b = x.shape[0], t = x.shape[1], d = x.shape[2];
        var qkv = c_attn.forward(x).split(d, -1);                            // 3 × (B, T, D)
        var q = qkv[0].view(b, t, _heads, _headDim).transpose(1, 2);         // (B, H, T, hd)
        var k = qkv[1].view(b, t, _heads, _headDim).transpose(1, 2);         // (B, H, T, hd)
        var v = qkv[2].view(b, t, _heads, _headDim).transpose(1, 2);         // (B, H, T, hd)
        if (cache is not null)
        {
            (k, v) = cache.Append(_layer, k, v);          // (B, H, S, hd)
        }

        var attended = Attention.Attend(q, k, v, mask);                      // (B, H, T, hd)
        return c_proj.forward(attended.transpose(1, 2).reshape(b, t, d)).MoveToOuterDisposeScope();
    }
}

public sealed class Gpt2Mlp : nn.Module<Tensor, Tensor>
{
    public readonly Conv1D c_fc;   // (D, 4D)
    public readonly Conv1D c_proj; // (4D, D)

    public Gpt2Mlp(Gpt2Config config) : base("mlp")
    {
        c_fc = new Conv1D(config.NEmbd, config.Inner);
        c_proj = new Conv1D(config.Inner, config.NEmbd);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var hidden = c_fc.forward(x).gelu(GELU.Approximate.tanh); // gelu_new (tanh approximation)
        return c_proj.forward(hidden).MoveToOuterDisposeScope();
    }
}

/// <summary>GPT-2's "Conv1D": a linear layer whose weight is stored transposed, (in, out), as in the checkpoint; can carry a LoRA branch.</summary>
public sealed class Conv1D : nn.Module<Tensor, Tensor>, ILoraHost
{
    public readonly Parameter weight; // (in, out)
    public readonly Parameter bias;   // (out)
    LoraBranch? _lora;

    public Conv1D(long inFeatures, long outFeatures) : base(nameof(Conv1D))
    {
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        weight = new Parameter(empty(inFeatures, outFeatures).normal_(0, 0.02));
        bias = new Parameter(zeros(outFeatures));
        RegisterComponents();
    }

    public long InFeatures { get; }
    public long OutFeatures { get; }
    public LoraBranch? Lora => _lora;
    public Parameter BaseWeight => weight;

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var flat = x.reshape(-1, x.shape[^1]);                     // (B·T, in)
        var y = addmm(bias, flat, weight, beta: 1, alpha: 1);      // (B·T, out)
        var shape = x.shape.ToArray();
        shape[^1] = weight.shape[1];
        var result = y.view(shape);                                // (B, T, out)
        if (_lora is not null)
        {
            result = result + _lora.Delta(x);
        }

        return result.MoveToOuterDisposeScope();
    }

    public void AttachLora(LoraBranch branch)
    {
        if (_lora is not null)
        {
            throw new InvalidOperationException("this layer already has a LoRA branch");
        }

        _lora = branch;
    }

    /// <summary>Conv1D stores W transposed (PEFT's fan_in_fan_out): W += ((alpha / r) · B · A)ᵀ.</summary>
    public void MergeLora()
    {
        _lora?.MergeInto(weight, transposed: true);
        _lora = null;
    }
}
