using RegressionGuard.Modeling;
using RegressionGuard.Torch.Models.Shared;
using static TorchSharp.torch;

namespace RegressionGuard.Torch.Runtime;

/// <summary>
/// Shared-prefix scoring: log-likelihood requests whose kept context is the same id sequence (the choices of one
/// multiple-choice item) run that context once, keep its KV cache, and score every continuation from it. Contexts run
/// right-padded in batches as plain causal sequences; the first token of every continuation is read off the context's last position, and longer
/// continuations run together (right-padded) over copies of their context's cache rows.
/// </summary>
public sealed partial class TorchLanguageModel
{
    /// <summary>
    /// When true (the default), requests with the same kept context share one context pass (<see cref="LogLikelihood"/>).
    /// When false, each multi-token request is scored as its own sequence, as before prefix sharing; benchmarks and
    /// tests compare the two.
    /// </summary>
    public bool SharePrefixes { get; set; } = true;

    /// <summary>A context (the ids kept in the window before the continuation) and the requests continuing it.</summary>
    sealed record PrefixGroup(int[] Context, List<(int Request, int[] Continuation)> Members);

    /// <summary>Groups (request, kept context, kept continuation) by the context's ids, in first-seen order.</summary>
    static List<PrefixGroup> GroupByContext(IEnumerable<(int Request, int[] Context, int[] Continuation)> requests)
    {
        var groups = new List<PrefixGroup>();
        var byKey = new Dictionary<string, PrefixGroup>(StringComparer.Ordinal);
        foreach (var (request, context, continuation) in requests)
        {
            var key = string.Join(',', context);
            if (!byKey.TryGetValue(key, out var group))
            {
                byKey[key] = group = new PrefixGroup(context, []);
                groups.Add(group);
            }

            group.Members.Add((request, continuation));
        }

        return groups;
    }

    /// <summary>Scores every member of <paramref name="groups"/> into <paramref name="results"/>, one context pass per group.</summary>
    void ScoreSharedPrefixes(List<PrefixGroup> groups, LogLikelihoodResult[] results, IProgress<int>? progress)
    {
        foreach (var batch in Batches(groups.Select(g => g.Context.Length).ToArray(), BatchSize))
        {
            long start = System.Diagnostics.Stopwatch.GetTimestamp();
            var logProbs = batch.SelectMany(g => groups[g].Members).ToDictionary(m => m.Request, m => new float[m.Continuation.Length]);
            var greedy = logProbs.ToDictionary(p => p.Key, p => new bool[p.Value.Length]);
            ScorePrefixBatch(groups, batch, logProbs, greedy);
            _forwardTicks += System.Diagnostics.Stopwatch.GetElapsedTime(start).Ticks;
            ForwardCalls++;
            foreach (var (request, lp) in logProbs)
            {
                double sum = 0;
                foreach (var l in lp)
                {
                    sum += l;
                }

                results[request] = new LogLikelihoodResult(sum, greedy[request].All(g => g), lp.Length);
            }

            progress?.Report(logProbs.Count);
        }
    }

    /// <summary>One batch of contexts: the context pass with a cache, then the continuations' rows over gathered copies of it.</summary>
    void ScorePrefixBatch(List<PrefixGroup> groups, int[] batch, Dictionary<int, float[]> logProbs, Dictionary<int, bool[]> greedy)
    {
        using var mode = inference_mode();
        using var scope = NewDisposeScope();
        var device = _model.Device;
        int b = batch.Length;
        int p = batch.Max(g => groups[g].Context.Length);

        // Contexts right-padded to P, run as plain causal sequences (the same pass as unshared scoring).
        var ids = new long[b * p];
        var lengths = new long[b];
        for (int r = 0; r < b; r++)
        {
            var context = groups[batch[r]].Context;
            lengths[r] = context.Length;
            for (int j = 0; j < context.Length; j++)
            {
                ids[r * p + j] = context[j];
            }
        }

        var positions = arange(p, device: device).unsqueeze(0).expand(b, p);                               // (B, P)
        using var cache = new KvCache(Transformer.NumLayers, b, Transformer.NumKeyValueHeads, p, Transformer.HeadDim, _model.Compute.ScalarType, device);
        var hidden = Transformer.ForwardHidden(tensor(ids, new long[] { b, p }, device: device), positions, null, cache); // (B, P, D)

        // First continuation token of every member, from its context's last position.
        var firstRows = new List<(long Row, long Target, int Request, int Token)>();
        var rows = new List<(int Row, int Request, int[] Continuation)>();                                // members with 2+ tokens
        for (int r = 0; r < b; r++)
        {
            foreach (var (request, continuation) in groups[batch[r]].Members)
            {
                firstRows.Add((r * (long)p + lengths[r] - 1, continuation[0], request, 0));
                if (continuation.Length > 1)
                {
                    rows.Add((r, request, continuation));
                }
            }
        }

        ReduceRows(hidden.view(b * p, -1), firstRows, logProbs, greedy);

        // The rest of each continuation: rows of at most BatchSize members over a gathered copy of their contexts'
        // cache rows, re-aligned to end at one slot (left padding, masked), continuations right-padded after it.
        for (int start = 0; start < rows.Count; start += BatchSize)
        {
            using var rowScope = NewDisposeScope();
            var chunk = rows.GetRange(start, Math.Min(BatchSize, rows.Count - start));
            int n = chunk.Count, t = chunk.Max(c => c.Continuation.Length) - 1;
            var inputs = new long[n * t];
            var owner = new long[n];
            var ownerLengths = new long[n];
            var scored = new List<(long Row, long Target, int Request, int Token)>();
            for (int i = 0; i < n; i++)
            {
                var (row, request, continuation) = chunk[i];
                owner[i] = row;
                ownerLengths[i] = lengths[row];
                for (int j = 0; j < continuation.Length - 1; j++)
                {
                    inputs[i * t + j] = continuation[j];
                    scored.Add((i * (long)t + j, continuation[j + 1], request, j + 1));
                }
            }

            long s = ownerLengths.Max();
            var lengthTensor = tensor(ownerLengths, device: device).unsqueeze(1);                           // (N, 1)
            using var gathered = cache.Gather(tensor(owner, device: device), lengthTensor.squeeze(1), s + t);
            // Padding past a short continuation may run past the window; its positions are clamped (never scored).
            var rowPositions = (arange(t, device: device).unsqueeze(0) + lengthTensor).clamp_max(Transformer.ContextLength - 1); // (N, T)
            var contextKeys = arange(s, device: device).unsqueeze(0).ge(s - lengthTensor).view(n, 1, 1, s).expand(n, 1, t, s); // (N, 1, T, S)
            var ownKeys = ones(t, t, ScalarType.Bool, device).tril().view(1, 1, t, t).expand(n, 1, t, t);    // (N, 1, T, T)
            var rowMask = cat(new[] { contextKeys, ownKeys }, 3);                                            // (N, 1, T, S + T)
            var rowHidden = Transformer.ForwardHidden(tensor(inputs, new long[] { n, t }, device: device), rowPositions, rowMask, gathered); // (N, T, D)
            ReduceRows(rowHidden.view(n * t, -1), scored, logProbs, greedy);
        }
    }

    /// <summary>Head, fp32 log-softmax and argmax of the picked hidden rows, written to each request's token slot.</summary>
    void ReduceRows(Tensor hidden, List<(long Row, long Target, int Request, int Token)> picks, Dictionary<int, float[]> logProbs, Dictionary<int, bool[]> greedy)
    {
        var device = hidden.device;
        int chunk = Math.Max(64, (1 << 22) / Math.Max(1, Transformer.VocabSize));
        for (int start = 0; start < picks.Count; start += chunk)
        {
            using var chunkScope = NewDisposeScope();
            var part = picks.GetRange(start, Math.Min(chunk, picks.Count - start));
            var picked = hidden.index_select(0, tensor(part.Select(x => x.Row).ToArray(), device: device)); // (n, D)
            var logits = Transformer.Head(picked);                                                           // (n, V)
            var target = tensor(part.Select(x => x.Target).ToArray(), device: device);                      // (n)
            var lp = logits.log_softmax(-1, ScalarType.Float32).gather(1, target.unsqueeze(1)).squeeze(1).cpu().data<float>().ToArray();
            var g = logits.argmax(-1).eq(target).cpu().data<bool>().ToArray();
            for (int k = 0; k < part.Count; k++)
            {
                logProbs[part[k].Request][part[k].Token] = lp[k];
                greedy[part[k].Request][part[k].Token] = g[k];
            }
        }
    }
}
