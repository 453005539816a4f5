using System.Diagnostics;
using RegressionGuard.Modeling;
using RegressionGuard.Torch.Models.Llama;
using RegressionGuard.Torch.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace RegressionGuard.Bench;

/// <summary>
/// Where single-stream decoding's time goes (issue 18 item 3): the cost of one TorchSharp call per kind of op a
/// one-token Llama step makes (stories260K's shapes), and the same greedy decode three ways on one thread — the
/// runtime's decoder, a hand-minimised C# step (one dispose scope per step, about 22 calls per layer, attention as
/// bmm · softmax · bmm over a transposed key cache), and the whole greedy loop compiled by TorchScript
/// (<c>torch.jit.compile</c>, libtorch's interpreter: no managed code per op). The last two exist only here, to
/// measure what fewer calls or no managed wrapper would buy; each checks its text against the runtime's.
/// </summary>
static class DecodeOverheadBenchmarks
{
    public static void Run(string stories, int steps, int repeats)
    {
        torch.set_num_threads(1);
        OpCosts();
        Console.WriteLine($"\n## Greedy decoding of stories260K from BOS, {steps} tokens, one thread (median of {repeats} runs after a warm-up)\n");
        Console.WriteLine("| decoder | tokens/s | process CPU ms per token | same text as the runtime |");
        Console.WriteLine("|---|---|---|---|");
        var tokenizer = Path.Combine(Path.GetDirectoryName(stories)!, "tok512.bin");
        using var lm = new TorchLanguageModel(ModelLoader.Load(stories, tokenizer, new ComputeOptions { BatchSize = 1 }));
        var request = new[] { new GenerationRequest("", steps) };
        var reference = lm.Generate(request)[0].TokenIds.ToArray();
        Row("runtime (TorchLanguageModel.Generate)", repeats, () => lm.Generate(request)[0].TokenIds.ToArray(), reference);
        using var weights = new StepWeights((LlamaForCausalLM)lm.Model.Transformer, steps + 1);
        Row("minimised C# step (bench only)", repeats, () => weights.MinimalStep(steps), reference);
        var compiled = torch.jit.compile(StepWeights.TorchScript + "\n"); // the parser wants a final newline
        Row("TorchScript greedy loop (bench only)", repeats, () => weights.TorchScriptLoop(compiled, steps), reference);
    }

    static void Row(string name, int repeats, Func<int[]> decode, int[] reference)
    {
        var ids = decode(); // warm-up
        var runs = new List<(double Rate, double CpuMs)>();
        for (int r = 0; r < repeats; r++)
        {
            var process = Process.GetCurrentProcess();
            var cpu = process.TotalProcessorTime;
            var clock = Stopwatch.StartNew();
            ids = decode();
            double seconds = clock.Elapsed.TotalSeconds;
            process.Refresh();
            runs.Add((ids.Length / seconds, 1000 * (process.TotalProcessorTime - cpu).TotalSeconds / ids.Length));
        }

        var median = runs.OrderBy(x => x.Rate).ElementAt(repeats / 2);
        bool same = ids.Length <= reference.Length && reference.AsSpan(0, ids.Length).SequenceEqual(ids);
        Console.WriteLine($"| {name} | {median.Rate:F0} | {median.CpuMs:F3} | {(same ? "yes" : "NO")} |");
    }

    /// <summary>Microseconds per call of each kind of op in a one-token step (stories260K shapes, inference mode, one dispose scope per call).</summary>
    static void OpCosts()
    {
        Console.WriteLine("\n## One TorchSharp call per op kind, stories260K step shapes (µs per call, including its dispose scope)\n");
        Console.WriteLine("| op | µs |");
        Console.WriteLine("|---|---|");
        using var mode = inference_mode();
        using var x = randn(1, 64);
        using var w = randn(64);
        using var eps = tensor(1e-5f);
        using var qkv = randn(128, 64);
        using var o = randn(64, 64);
        using var ot = o.t();
        using var down = randn(64, 172);
        using var downT = down.t();
        using var hidden = randn(1, 172);
        using var rotation = randn(1, 8, 8);
        using var keys = zeros(1, 4, 256, 8);
        using var values = zeros(1, 4, 256, 8);
        using var slot = tensor(new long[] { 100 });
        using var embed = randn(512, 64);
        var dims = new long[] { -1 };
        void Time(string name, Action op)
        {
            for (int i = 0; i < 2_000; i++)
            {
                using var warm = NewDisposeScope();
                op();
            }

            const int n = 20_000;
            var clock = Stopwatch.StartNew();
            for (int i = 0; i < n; i++)
            {
                using var scope = NewDisposeScope();
                op();
            }

            Console.WriteLine($"| {name} | {clock.Elapsed.TotalMilliseconds * 1000 / n:F2} |");
        }

        Time("empty dispose scope", () => { });
        Time("view", () => x.view(1, 64));
        Time("narrow", () => x.narrow(1, 0, 32));
        Time("mul (new tensor)", () => x.mul(w));
        Time("vector_norm (RMSNorm's reduction)", () => linalg.vector_norm(x, 2, dims, keepdim: true));
        Time("addcmul", () => addcmul(eps, w, w, 1.0 / 64));
        Time("linear 64 → 128 (fused q/k/v)", () => nn.functional.linear(x, qkv));
        Time("addmm 64 → 64 (o_proj + residual)", () => addmm(x, x, ot, 1, 1));
        Time("addmm 172 → 64 (down_proj + residual)", () => addmm(x, hidden, downT, 1, 1));
        Time("bmm (rotary, 12 heads)", () => x.view(1, 8, 8).narrow(1, 0, 6).bmm(rotation));
        Time("index_copy_ (KV cache write)", () => keys.index_copy_(2, slot, x.view(1, 4, 2, 8).narrow(2, 0, 1)));
        Time("scaled_dot_product_attention, 128 keys", () => nn.functional.scaled_dot_product_attention(x.view(1, 4, 2, 8), keys.narrow(2, 0, 128), values.narrow(2, 0, 128)));
        Time("scaled_dot_product_attention, 16 keys", () => nn.functional.scaled_dot_product_attention(x.view(1, 4, 2, 8), keys.narrow(2, 0, 16), values.narrow(2, 0, 16)));
        Time("chunk", () => x.chunk(2, -1));
        Time("argmax", () => x.argmax(-1));
        Time("linear 64 → 512 (LM head)", () => nn.functional.linear(x, embed));
    }

    /// <summary>stories260K's weights re-laid for the two bench-only decoders (fused q/k/v and gate/up, transposed outputs).</summary>
    sealed class StepWeights : IDisposable
    {
        readonly List<Tensor> _owned = [];
        readonly Tensor[] _layers; // per layer: input norm, q/k/v, o_projᵀ, post-attention norm, gate/up, down_projᵀ
        readonly Tensor _embed, _head, _norm, _eps, _cos, _sin, _rotateHalf;
        readonly long _heads, _kvHeads, _headDim, _hidden, _intermediate;
        readonly int _count;

        public StepWeights(LlamaForCausalLM model, int positions)
        {
            var c = model.Config;
            (_heads, _kvHeads, _headDim, _hidden, _intermediate, _count) = (c.NumAttentionHeads, c.KeyValueHeads, c.HeadDim, c.HiddenSize, c.IntermediateSize, c.NumHiddenLayers);
            var sd = model.state_dict();
            Tensor Keep(Tensor t)
            {
                _owned.Add(t);
                return t;
            }

            _layers = Enumerable.Range(0, _count).SelectMany(i =>
            {
                string p = $"model.layers.{i}.";
                return new[]
                {
                    Keep(sd[p + "input_layernorm.weight"].detach().clone()),
                    Keep(cat(new[] { sd[p + "self_attn.q_proj.weight"], sd[p + "self_attn.k_proj.weight"], sd[p + "self_attn.v_proj.weight"] }, 0).detach().contiguous()),
                    Keep(sd[p + "self_attn.o_proj.weight"].detach().t().contiguous()),
                    Keep(sd[p + "post_attention_layernorm.weight"].detach().clone()),
                    Keep(cat(new[] { sd[p + "mlp.gate_proj.weight"], sd[p + "mlp.up_proj.weight"] }, 0).detach().contiguous()),
                    Keep(sd[p + "mlp.down_proj.weight"].detach().t().contiguous()),
                };
            }).ToArray();
            _embed = Keep(sd["model.embed_tokens.weight"].detach().clone());
            _head = sd.TryGetValue("lm_head.weight", out var head) ? Keep(head.detach().clone()) : _embed;
            _norm = Keep(sd["model.norm.weight"].detach().clone());
            _eps = Keep(tensor((float)c.RmsNormEps));
            using (NewDisposeScope())
            {
                var inverse = 1.0 / pow(c.RopeTheta, arange(0, _headDim, 2, dtype: ScalarType.Float64) / _headDim);
                var angles = outer(arange(positions, dtype: ScalarType.Float64), inverse);
                var both = cat(new[] { angles, angles }, -1);
                _cos = Keep(both.cos().to_type(ScalarType.Float32).DetachFromDisposeScope());
                _sin = Keep(both.sin().to_type(ScalarType.Float32).DetachFromDisposeScope());
                // rotate_half(x) = x · R: (x₁, x₂) → (−x₂, x₁)
                var half = _headDim / 2;
                var r = zeros(_headDim, _headDim);
                r.narrow(0, half, half).narrow(1, 0, half).copy_(eye(half).neg());
                r.narrow(0, 0, half).narrow(1, half, half).copy_(eye(half));
                _rotateHalf = Keep(r.DetachFromDisposeScope());
            }
        }

        /// <summary>The rotation of one position as an (hd, hd) matrix: x · M = x·cos + rotate_half(x)·sin.</summary>
        Tensor Rotation(int position) =>
            addcmul(diag_embed(_cos.narrow(0, position, 1)), _rotateHalf, _sin.narrow(0, position, 1).view(1, 1, _headDim), 1).view(_headDim, _headDim);

        /// <summary>RMSNorm in the runtime's inference form: ‖x‖, then ‖x‖²/D + eps by addcmul, rsqrt and weight in place.</summary>
        Tensor Norm(Tensor x, Tensor weight)
        {
            var norm = linalg.vector_norm(x, 2, [-1], keepdim: true);
            return x.mul(addcmul(_eps, norm, norm, 1.0 / _hidden).rsqrt_()).mul_(weight);
        }

        /// <summary>Greedy from BOS with one dispose scope per step and the fewest calls this bench found.</summary>
        public int[] MinimalStep(int steps)
        {
            using var mode = inference_mode();
            var keysT = Enumerable.Range(0, _count).Select(_ => zeros(_kvHeads, _headDim, steps)).ToArray(); // Kᵀ per layer
            var values = Enumerable.Range(0, _count).Select(_ => zeros(_kvHeads, steps, _headDim)).ToArray();
            using var slots = arange(steps, dtype: ScalarType.Int64);
            using var scale = (1.0 / Math.Sqrt(_headDim)).ToScalar();
            var ids = new List<int>(steps);
            long next = 1; // BOS
            try
            {
                for (int s = 0; s < steps; s++)
                {
                    using var scope = NewDisposeScope();
                    var slot = slots.narrow(0, s, 1);
                    var rotation = Rotation(s);
                    var h = _embed.narrow(0, next, 1);                                                   // (1, D)
                    for (int i = 0; i < _count; i++)
                    {
                        var w = _layers.AsSpan(6 * i, 6);
                        var heads = nn.functional.linear(Norm(h, w[0]), w[1]).view(_heads + 2 * _kvHeads, _headDim);
                        var qk = heads.narrow(0, 0, _heads + _kvHeads).mm(rotation);                     // (H + KVH, hd)
                        keysT[i].index_copy_(2, slot, qk.narrow(0, _heads, _kvHeads).unsqueeze(2));
                        values[i].index_copy_(1, slot, heads.narrow(0, _heads + _kvHeads, _kvHeads).unsqueeze(1));
                        var q = qk.narrow(0, 0, _heads).view(_kvHeads, _heads / _kvHeads, _headDim);
                        var attended = q.bmm(keysT[i].narrow(2, 0, s + 1)).mul_(scale).softmax(-1).bmm(values[i].narrow(1, 0, s + 1));
                        h = addmm(h, attended.view(1, _heads * _headDim), w[2], 1, 1);
                        var gateUp = nn.functional.linear(Norm(h, w[3]), w[4]);
                        var mlp = nn.functional.silu(gateUp.narrow(1, 0, _intermediate), inplace: true).mul_(gateUp.narrow(1, _intermediate, _intermediate));
                        h = addmm(h, mlp, w[5], 1, 1);
                    }

                    next = nn.functional.linear(Norm(h, _norm), _head).argmax(-1).item<long>();
                    if (next == 2) // EOS, as the runtime stops
                    {
                        break;
                    }

                    ids.Add((int)next);
                }
            }
            finally
            {
                foreach (var t in keysT.Concat(values))
                {
                    t.Dispose();
                }
            }

            return [.. ids];
        }

        /// <summary>Greedy from BOS, the whole loop one TorchScript call (libtorch's interpreter runs every op).</summary>
        public int[] TorchScriptLoop(torch.jit.CompilationUnit compiled, int steps)
        {
            using var mode = inference_mode();
            var keys = Enumerable.Range(0, _count).Select(_ => zeros(_kvHeads, steps, _headDim)).ToArray();
            var values = Enumerable.Range(0, _count).Select(_ => zeros(_kvHeads, steps, _headDim)).ToArray();
            using var slots = arange(steps, dtype: ScalarType.Int64);
            using var rotations = addcmul(diag_embed(_cos.narrow(0, 0, steps)), _rotateHalf.unsqueeze(0), _sin.narrow(0, 0, steps).unsqueeze(1), 1); // (steps, hd, hd)
            using var first = tensor(new long[] { 1 });
            try
            {
                using var ids = (Tensor)compiled.invoke("greedy", first, (long)steps, _embed, _head, _norm, _eps, rotations, _layers, keys, values, slots,
                    _heads, _kvHeads, _headDim, _hidden);
                return [.. ids.data<long>().ToArray().TakeWhile(id => id != 2).Select(id => (int)id)];
            }
            finally
            {
                foreach (var t in keys.Concat(values))
                {
                    t.Dispose();
                }
            }
        }

        /// <summary>The same step as <see cref="MinimalStep"/> in TorchScript, looped inside the interpreter.</summary>
        public const string TorchScript = """
            def rms(x: Tensor, w: Tensor, eps: Tensor, d: float) -> Tensor:
                n = torch.linalg_vector_norm(x, 2.0, [-1], True)
                return x.mul(torch.addcmul(eps, n, n, value=1.0 / d).rsqrt_()).mul_(w)

            def greedy(first: Tensor, steps: int, embed: Tensor, head: Tensor, norm_w: Tensor, eps: Tensor, rot: Tensor,
                       layers: List[Tensor], keys: List[Tensor], values: List[Tensor], slots: Tensor,
                       H: int, KVH: int, hd: int, D: int) -> Tensor:
                out = slots.new_zeros([steps])
                nxt = first
                d = float(D)
                for s in range(steps):
                    h = torch.embedding(embed, nxt)
                    r = rot[s]
                    sl = slots[s:s + 1]
                    for i in range(len(keys)):
                        heads = torch.linear(rms(h, layers[6 * i], eps, d), layers[6 * i + 1]).view(H + 2 * KVH, hd)
                        qk = heads.narrow(0, 0, H + KVH).mm(r)
                        keys[i].index_copy_(1, sl, qk.narrow(0, H, KVH).unsqueeze(1))
                        values[i].index_copy_(1, sl, heads.narrow(0, H + KVH, KVH).unsqueeze(1))
                        o = torch.scaled_dot_product_attention(qk.narrow(0, 0, H).view(KVH, H // KVH, hd), keys[i].narrow(1, 0, s + 1), values[i].narrow(1, 0, s + 1))
                        h = torch.addmm(h, o.view(1, H * hd), layers[6 * i + 2])
                        gu = torch.linear(rms(h, layers[6 * i + 3], eps, d), layers[6 * i + 4]).chunk(2, -1)
                        h = torch.addmm(h, torch.silu_(gu[0]).mul_(gu[1]), layers[6 * i + 5])
                    nxt = torch.linear(rms(h, norm_w, eps, d), head).argmax(-1)
                    out[s] = nxt[0]
                return out
            """;

        public void Dispose()
        {
            foreach (var t in _owned)
            {
                t.Dispose();
            }
        }
    }
}
