using System.Buffers.Binary;
using RegressionGuard.Torch.Models.Llama;
using static TorchSharp.torch;

namespace RegressionGuard.Torch.Checkpoints;

/// <summary>
/// Karpathy's llama2.c legacy checkpoint: a 7 × int32 header (dim, hidden_dim, n_layers, n_heads, n_kv_heads,
/// vocab_size, seq_len; a positive vocab_size means the classifier shares the token embedding), then fp32 weights in
/// a fixed order, each stacked over layers. llama2.c rotates interleaved pairs (2j, 2j+1) while the Hugging Face
/// layout rotates halves (j, j + hd/2), so q and k rows are permuted on the way in; the model then runs the HF way.
/// </summary>
public sealed class Llama2cCheckpoint : StateDictLoader.ITensorSource
{
    const int HeaderBytes = 7 * 4;
    readonly string _path;
    readonly Dictionary<string, (long Offset, long[] Shape, int Heads)> _layout = new(StringComparer.Ordinal);
    readonly Dictionary<string, long[]> _shapes = new(StringComparer.Ordinal);

    Llama2cCheckpoint(string path, LlamaConfig config)
    {
        _path = path;
        Config = config;
    }

    public LlamaConfig Config { get; }
    public string Description => _path;
    public IReadOnlyDictionary<string, long[]> Shapes => _shapes;

    public static bool LooksLikeLlama2c(string path) =>
        File.Exists(path) && string.Equals(Path.GetExtension(path), ".bin", StringComparison.OrdinalIgnoreCase);

    public static Llama2cCheckpoint Open(string path)
    {
        long length = new FileInfo(path).Length;
        if (length < HeaderBytes)
        {
            throw new CheckpointException($"{path}: not a llama2.c checkpoint: {length} bytes, shorter than the 28-byte header");
        }

        var header = new int[7];
        using (var fs = File.OpenRead(path))
        {
            Span<byte> bytes = stackalloc byte[HeaderBytes];
            fs.ReadExactly(bytes);
            for (int i = 0; i < 7; i++)
            {
                header[i] = BinaryPrimitives.ReadInt32LittleEndian(bytes[(i * 4)..]);
            }
        }
        var (dim, hidden, layers, heads, kvHeads, vocab, seqLen) = (header[0], header[1], header[2], header[3], header[4], header[5], header[6]);
        if (dim <= 0 || hidden <= 0 || layers <= 0 || heads <= 0 || kvHeads <= 0 || vocab == 0 || seqLen <= 0 || dim % heads != 0 || heads % kvHeads != 0)
        {
            throw new CheckpointException($"{path}: not a valid llama2.c header: dim {dim}, hidden_dim {hidden}, n_layers {layers}, n_heads {heads}, n_kv_heads {kvHeads}, vocab_size {vocab}, seq_len {seqLen}");
        }

        var config = new LlamaConfig
        {
            ArchitectureNames = new[] { "LlamaForCausalLM" },
            ModelType = "llama",
            VocabSize = Math.Abs(vocab),
            HiddenSize = dim,
            IntermediateSize = hidden,
            NumHiddenLayers = layers,
            NumAttentionHeads = heads,
            NumKeyValueHeads = kvHeads,
            MaxPositionEmbeddings = seqLen,
            RmsNormEps = 1e-5,
            RopeTheta = 10000,
            TieWordEmbeddings = vocab > 0,
        };
        var checkpoint = new Llama2cCheckpoint(path, config);
        long end = checkpoint.Lay(dim, hidden, layers, heads, kvHeads, Math.Abs(vocab), seqLen, shared: vocab > 0);
        if (length != end)
        {
            throw new CheckpointException($"{path}: truncated or oversized llama2.c checkpoint: the header (dim {dim}, layers {layers}, vocab {Math.Abs(vocab)}, seq_len {seqLen}) needs {end} bytes, the file has {length}");
        }

        return checkpoint;
    }

    long Lay(int dim, int hidden, int layers, int heads, int kvHeads, int vocab, int seqLen, bool shared)
    {
        int hd = dim / heads;
        long offset = HeaderBytes;
        void Add(string name, long[] shape, int ropeHeads = 0)
        {
            _layout[name] = (offset, shape, ropeHeads);
            _shapes[name] = shape;
            offset += 4 * shape.Aggregate(1L, (a, b) => a * b);
        }
        void PerLayer(string key, long[] shape, int ropeHeads = 0)
        {
            for (int l = 0; l < layers; l++)
            {
                Add($"model.layers.{l}.{key}", shape, ropeHeads);
            }
        }
        Add("model.embed_tokens.weight", new long[] { vocab, dim });
        PerLayer("input_layernorm.weight", new long[] { dim });
        PerLayer("self_attn.q_proj.weight", new long[] { heads * hd, dim }, heads);
        PerLayer("self_attn.k_proj.weight", new long[] { kvHeads * hd, dim }, kvHeads);
        PerLayer("self_attn.v_proj.weight", new long[] { kvHeads * hd, dim });
        PerLayer("self_attn.o_proj.weight", new long[] { dim, heads * hd });
        PerLayer("post_attention_layernorm.weight", new long[] { dim });
        PerLayer("mlp.gate_proj.weight", new long[] { hidden, dim }); // w1
        PerLayer("mlp.down_proj.weight", new long[] { dim, hidden }); // w2
        PerLayer("mlp.up_proj.weight", new long[] { hidden, dim });   // w3
        Add("model.norm.weight", new long[] { dim });
        offset += 2L * 4 * seqLen * (hd / 2); // freq_cis_real, freq_cis_imag: recomputed, not loaded
        if (!shared)
        {
            Add("lm_head.weight", new long[] { vocab, dim });
        }

        return offset;
    }

    public void CopyInto(string name, Tensor destination)
    {
        var (offset, shape, ropeHeads) = _layout[name];
        using var raw = empty(shape, ScalarType.Float32);
        using (var fs = new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16))
        {
            fs.Position = offset;
            fs.ReadExactly(raw.bytes);
        }
        if (ropeHeads == 0)
        {
            destination.copy_(raw);
            return;
        }
        using var permuted = InterleavedToHalves(raw, ropeHeads);
        destination.copy_(permuted);
    }

    /// <summary>Rows of each head reordered from interleaved pairs (2j, 2j+1) to halves (j, j + hd/2). w (heads·hd, in).</summary>
    public static Tensor InterleavedToHalves(Tensor w, int heads)
    {
        long rows = w.shape[0], cols = w.shape[1], hd = rows / heads;
        return w.view(heads, hd / 2, 2, cols).transpose(1, 2).reshape(rows, cols); // (heads·hd, in)
    }
}
