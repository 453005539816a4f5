namespace RegressionGuard.Testing;

/// <summary>The architecture and sizes of a tiny random test model (see <see cref="TinyModels"/>).</summary>
public abstract record TinyModelSpec
{
    /// <summary>V: rows of the embedding and of the head.</summary>
    public int VocabSize { get; init; } = 96;

    /// <summary>D: the residual width.</summary>
    public int HiddenSize { get; init; } = 32;

    /// <summary>L: number of transformer blocks.</summary>
    public int NumLayers { get; init; } = 2;

    /// <summary>H: number of query heads (head_dim = D / H).</summary>
    public int NumHeads { get; init; } = 4;

    /// <summary>hd = D / H.</summary>
    public int HeadDim => HiddenSize / NumHeads;

    /// <summary>The longest sequence the model accepts (max_position_embeddings / n_positions).</summary>
    public abstract int MaxSequenceLength { get; }

    /// <summary>Throws when the sizes are inconsistent.</summary>
    public virtual void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(VocabSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(NumLayers, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(NumHeads, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(HiddenSize, 1);
        if (HiddenSize % NumHeads != 0)
        {
            throw new ArgumentException($"hidden_size {HiddenSize} is not a multiple of num_attention_heads {NumHeads}");
        }
    }
}

/// <summary>
/// Llama-family decoder (HF <c>LlamaForCausalLM</c>); with <see cref="QkvBias"/> it is written as HF
/// <c>Qwen2ForCausalLM</c> (bias on q/k/v projections, none on o).
/// </summary>
public sealed record LlamaSpec : TinyModelSpec
{
    /// <summary>I: width of the gated MLP.</summary>
    public int IntermediateSize { get; init; } = 64;

    /// <summary>KVH: key/value heads (grouped-query attention; H must be a multiple).</summary>
    public int NumKeyValueHeads { get; init; } = 2;

    public int MaxPositionEmbeddings { get; init; } = 128;

    public double RmsNormEps { get; init; } = 1e-5;

    public double RopeTheta { get; init; } = 10000.0;

    /// <summary>When true there is no <c>lm_head.weight</c>; the head is <c>model.embed_tokens.weight</c>.</summary>
    public bool TieWordEmbeddings { get; init; }

    /// <summary>Qwen2-style q/k/v projection biases; switches the written config to qwen2.</summary>
    public bool QkvBias { get; init; }

    /// <summary>Llama-3 style rope_scaling, or null for plain RoPE.</summary>
    public Llama3RopeScaling? RopeScaling { get; init; }

    public int BosTokenId { get; init; } = 1;

    public int EosTokenId { get; init; } = 2;

    public override int MaxSequenceLength => MaxPositionEmbeddings;

    public override void Validate()
    {
        base.Validate();
        ArgumentOutOfRangeException.ThrowIfLessThan(NumKeyValueHeads, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(IntermediateSize, 1);
        if (NumHeads % NumKeyValueHeads != 0)
        {
            throw new ArgumentException($"num_attention_heads {NumHeads} is not a multiple of num_key_value_heads {NumKeyValueHeads}");
        }

        if (HeadDim % 2 != 0)
        {
            throw new ArgumentException($"head_dim {HeadDim} must be even for RoPE");
        }
    }
}

/// <summary>
/// HF rope_scaling {"rope_type":"llama3", ...}. With theta 10000 and head_dim 8 the RoPE wavelengths are
/// 2π·{1, 10, 100, 1000}; the default original_max_position_embeddings 1024 (thresholds 256 and 1024) then
/// keeps two frequencies, smooths one and divides one by the factor, so all three branches are exercised.
/// </summary>
public sealed record Llama3RopeScaling
{
    public double Factor { get; init; } = 8.0;

    public double LowFreqFactor { get; init; } = 1.0;

    public double HighFreqFactor { get; init; } = 4.0;

    public int OriginalMaxPositionEmbeddings { get; init; } = 1024;
}

/// <summary>HF <c>GPT2LMHeadModel</c>: learned positions, pre-LN blocks, gelu_new MLP of width 4D, head tied to wte.</summary>
public sealed record Gpt2Spec : TinyModelSpec
{
    /// <summary>P: rows of <c>transformer.wpe.weight</c> (n_positions).</summary>
    public int NumPositions { get; init; } = 64;

    public double LayerNormEpsilon { get; init; } = 1e-5;

    /// <summary>MLP width (HF n_inner = null means 4·D).</summary>
    public int InnerSize => 4 * HiddenSize;

    public int BosTokenId { get; init; }

    public int EosTokenId { get; init; }

    public override int MaxSequenceLength => NumPositions;

    public override void Validate()
    {
        base.Validate();
        ArgumentOutOfRangeException.ThrowIfLessThan(NumPositions, 1);
    }
}
