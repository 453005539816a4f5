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
        var sequences = groups.Select(g => new PrefixedSequences(g.Context, g.Members.Select(m => m.Continuation).ToArray())).ToArray();
        foreach (var batch in Batches(groups.Select(g => g.Context.Length).ToArray(), BatchSize))
        {
            long start = System.Diagnostics.Stopwatch.GetTimestamp();
            var logProbs = batch.SelectMany(g => groups[g].Members).ToDictionary(m => m.Request, m => new float[m.Continuation.Length]);
            var greedy = logProbs.ToDictionary(p => p.Key, p => new bool[p.Value.Length]);
            ScorePrefixBatch(sequences, batch, prefixRows: false, chunk =>
            {
                var lp = chunk.Logits.log_softmax(-1, ScalarType.Float32).gather(1, chunk.Targets.unsqueeze(1)).squeeze(1).cpu().data<float>().ToArray();
                var g = chunk.Logits.argmax(-1).eq(chunk.Targets).cpu().data<bool>().ToArray();
                for (int k = 0; k < lp.Length; k++)
                {
                    int request = groups[chunk.Groups[k]].Members[chunk.Members[k]].Request;
                    int token = chunk.Positions[k] - groups[chunk.Groups[k]].Context.Length;
                    logProbs[request][token] = lp[k];
                    greedy[request][token] = g[k];
                }
            });
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

    /// <summary>A prefix and the sequences continuing it, each by at least one id.</summary>
    public sealed record PrefixedSequences(int[] Prefix, IReadOnlyList<int[]> Continuations);

    /// <summary>
    /// Scored rows of <see cref="PrefixedSequences"/>: row r's logits predict <c>Targets[r]</c>, the id at position
    /// <c>Positions[r]</c> (counted from the prefix's start) of group <c>Groups[r]</c> — in its prefix when
    /// <c>Members[r]</c> is −1, else in that member's prefix + continuation.
    /// </summary>
    public sealed record PrefixScoredChunk(int[] Groups, int[] Members, int[] Positions, Tensor Logits, Tensor Targets);

    /// <summary>
    /// Every position of every prefixed sequence, each prefix run once with a KV cache and its continuations over it
    /// (as <see cref="LogLikelihood"/> shares a context): prefix positions 1… once per group, then every continuation
    /// id. The logits are handed to <paramref name="reduce"/> in chunks and disposed after it returns. With
    /// <paramref name="prefixRows"/> false the prefixes' own positions are run but not scored (only the continuations').
    /// </summary>
    public void ForEachPrefixScoredChunk(IReadOnlyList<PrefixedSequences> groups, bool prefixRows, Action<PrefixScoredChunk> reduce)
    {
        ArgumentNullException.ThrowIfNull(groups);
        foreach (var batch in Batches(groups.Select(g => g.Prefix.Length).ToArray(), BatchSize))
        {
            long start = System.Diagnostics.Stopwatch.GetTimestamp();
            ScorePrefixBatch(groups, batch, prefixRows, reduce);
            _forwardTicks += System.Diagnostics.Stopwatch.GetElapsedTime(start).Ticks;
            ForwardCalls++;
        }
    }

    /// <summary>
    /// One batch of prefixes: the prefix pass with a cache (its own rows scored when <paramref name="prefixRows"/>),
    /// then the continuations' rows over gathered copies of it.
    /// </summary>
    void ScorePrefixBatch(IReadOnlyList<PrefixedSequences> groups, int[] batch, bool prefixRows, Action<PrefixScoredChunk> reduce)
    {
        using var mode = inference_mode();
        using var scope = NewDisposeScope();
        var device = _model.Device;
        int b = batch.Length;
        int p = batch.Max(g => groups[g].Prefix.Length);

        // Prefixes right-padded to P, run as plain causal sequences (the same pass as unshared scoring).
        var ids = new long[b * p];
        var lengths = new long[b];
        for (int r = 0; r < b; r++)
        {
            var prefix = groups[batch[r]].Prefix;
            lengths[r] = prefix.Length;
            for (int j = 0; j < prefix.Length; j++)
            {
                ids[r * p + j] = prefix[j];
            }
        }

        var positions = arange(p, device: device).unsqueeze(0).expand(b, p);                               // (B, P)
        using var cache = new KvCache(Transformer.NumLayers, b, Transformer.NumKeyValueHeads, p, Transformer.HeadDim, _model.Compute.ScalarType, device);
        var hidden = Transformer.ForwardHidden(tensor(ids, new long[] { b, p }, device: device), positions, null, cache); // (B, P, D)

        // The prefix's own positions (once per group), then the first continuation id of every member from its prefix's last row.
        var firstRows = new List<PickedRow>();
        var rows = new List<(int Row, int Group, int Member, int[] Continuation)>();                     // members with 2+ ids
        for (int r = 0; r < b; r++)
        {
            var group = groups[batch[r]];
            if (prefixRows)
            {
                for (int j = 1; j < group.Prefix.Length; j++)
                {
                    firstRows.Add(new(r * (long)p + j - 1, group.Prefix[j], batch[r], -1, j));
                }
            }

            for (int m = 0; m < group.Continuations.Count; m++)
            {
                var continuation = group.Continuations[m];
                firstRows.Add(new(r * (long)p + lengths[r] - 1, continuation[0], batch[r], m, (int)lengths[r]));
                if (continuation.Length > 1)
                {
                    rows.Add((r, batch[r], m, continuation));
                }
            }
        }

        ReduceRows(hidden.view(b * p, -1), firstRows, reduce);

        // The rest of each continuation: rows of at most BatchSize members over a gathered copy of their prefixes'
        // cache rows, re-aligned to end at one slot (left padding, masked), continuations right-padded after it.
        for (int start = 0; start < rows.Count; start += BatchSize)
        {
            using var rowScope = NewDisposeScope();
            var chunk = rows.GetRange(start, Math.Min(BatchSize, rows.Count - start));
            int n = chunk.Count, t = chunk.Max(c => c.Continuation.Length) - 1;
            var inputs = new long[n * t];
            var owner = new long[n];
            var ownerLengths = new long[n];
            var scored = new List<PickedRow>();
            for (int i = 0; i < n; i++)
            {
                var (row, group, member, continuation) = chunk[i];
                owner[i] = row;
                ownerLengths[i] = lengths[row];
                for (int j = 0; j < continuation.Length - 1; j++)
                {
                    inputs[i * t + j] = continuation[j];
                    scored.Add(new(i * (long)t + j, continuation[j + 1], group, member, (int)lengths[row] + j + 1));
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
            ReduceRows(rowHidden.view(n * t, -1), scored, reduce);
        }
    }

    /// <summary>A hidden row to score: it predicts <c>Target</c> at <c>Position</c> of a group's prefix (<c>Member</c> −1) or member.</summary>
    readonly record struct PickedRow(long Row, long Target, int Group, int Member, int Position);

    /// <summary>The head over the picked hidden rows, in cache-sized chunks handed to <paramref name="reduce"/>.</summary>
    void ReduceRows(Tensor hidden, List<PickedRow> picks, Action<PrefixScoredChunk> reduce)
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
            reduce(new PrefixScoredChunk([.. part.Select(x => x.Group)], [.. part.Select(x => x.Member)], [.. part.Select(x => x.Position)], logits, target));
        }
    }
}
