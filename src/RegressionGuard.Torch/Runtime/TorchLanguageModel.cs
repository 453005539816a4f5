using RegressionGuard.Modeling;
using RegressionGuard.Torch.Models.Shared;
using RegressionGuard.Torch.Tokenization;
using TorchSharp;
using static TorchSharp.torch;

namespace RegressionGuard.Torch.Runtime;

/// <summary>
/// <see cref="ILanguageModel"/> on a TorchSharp transformer. Requests are tokenised, sorted by length and run in
/// batches of <see cref="ComputeOptions.BatchSize"/>; scoring right-pads (causal attention makes padding invisible to
/// real tokens), generation left-pads and masks the padding, with a preallocated KV cache.
/// Logits are reduced in fp32 whatever the compute dtype.
/// </summary>
public sealed partial class TorchLanguageModel : ILanguageModel
{
    readonly LoadedModel _model;
    readonly bool _ownsModel;

    public TorchLanguageModel(LoadedModel model, bool ownsModel = true)
    {
        _model = model;
        _ownsModel = ownsModel;
        // from the shape, not the transformer: a model opened with ModelLoader.Open loads its weights on the first forward only
        Description = new ModelDescription(model.Path, model.Shape.Architecture, model.Shape.VocabSize,
            model.Shape.ContextLength, model.ParameterCount, model.Compute.DType, model.Tokenizer.Name, () => model.ContentHash, model.Tokenizer.ContentHash);
    }

    public static TorchLanguageModel Load(string path, string? tokenizerPath = null, ComputeOptions? compute = null) =>
        new(ModelLoader.Load(path, tokenizerPath, compute));

    public ModelDescription Description { get; }

    /// <summary>Wall time spent inside model forward passes and their reductions (for benchmarks: the rest is tokenising and bookkeeping).</summary>
    public TimeSpan ForwardTime => TimeSpan.FromTicks(_forwardTicks);
    long _forwardTicks;

    /// <summary>How many batched forward passes (scoring batches and generation batches) this model has run.</summary>
    public int ForwardCalls { get; private set; }
    public LoadedModel Model => _model;
    ITokenizer Tokenizer => _model.Tokenizer;
    ICausalTransformer Transformer => _model.Transformer;
    int BatchSize => _model.Compute.BatchSize;

    /// <summary>The ids of a prompt or context: [BOS] + encode(text) when the tokenizer adds BOS (and <paramref name="addSpecialTokens"/>), else encode(text).</summary>
    public int[] EncodePrompt(string text, bool addSpecialTokens = true) => Tokenizer.EncodePrompt(text, addSpecialTokens);

    public int? CountPromptTokens(string text, bool addSpecialTokens) => EncodePrompt(text, addSpecialTokens).Length;

    /// <summary>The ids of a scored document: [BOS, else EOS] + encode(text), as lm-evaluation-harness's rolling log-likelihood.</summary>
    public int[] EncodeDocument(string text) => Tokenizer.EncodeDocument(text);

    // ---------------------------------------------------------------- scoring

    /// <summary>A sequence to score: ids (length ≤ context length + 1) and the first id position whose prediction is wanted (≥ 1).</summary>
    public readonly record struct ScoreRequest(int[] Ids, int FirstTarget);

    /// <summary>Scores of ids[FirstTarget..]: entry k is about predicting ids[FirstTarget + k] from the ids before it.</summary>
    public sealed record TokenScores(float[] LogProbs, bool[] Greedy);

    /// <summary>
    /// Log-probabilities (fp32) and greedy flags of the requested predictions. The LM head and the softmax run only
    /// on the positions asked for, so a long context with a short continuation costs one trunk pass and a few heads.
    /// </summary>
    public IReadOnlyList<TokenScores> ScoreTokens(IReadOnlyList<ScoreRequest> requests, IProgress<int>? progress = null)
    {
        var lp = requests.Select(r => new float[r.Ids.Length - r.FirstTarget]).ToArray();
        var gr = requests.Select(r => new bool[r.Ids.Length - r.FirstTarget]).ToArray();
        ForEachScoredChunk(requests, chunk =>
        {
            var target = chunk.Targets.unsqueeze(1);                                                   // (n, 1)
            var logProbs = chunk.Logits.log_softmax(-1, ScalarType.Float32).gather(1, target).squeeze(1).cpu(); // (n) fp32
            var greedy = chunk.Logits.argmax(-1).eq(chunk.Targets).cpu();                               // (n); argmax is exact in any dtype
            var l = logProbs.data<float>().ToArray();
            var g = greedy.data<bool>().ToArray();
            for (int k = 0; k < l.Length; k++)
            {
                int offset = chunk.Positions[k] - requests[chunk.Requests[k]].FirstTarget;
                lp[chunk.Requests[k]][offset] = l[k];
                gr[chunk.Requests[k]][offset] = g[k];
            }
        }, progress);
        return lp.Select((l, i) => new TokenScores(l, gr[i])).ToArray();
    }

    /// <summary>
    /// LM-head logits (n, V) in the compute dtype for a chunk of scored positions, with the request and the id position
    /// each row predicts. Valid only inside the callback (the tensors are disposed after it).
    /// </summary>
    public sealed record ScoredChunk(int[] Requests, int[] Positions, Tensor Logits, Tensor Targets);

    /// <summary>
    /// Runs the trunk once per batch (requests sorted by length, right-padded) and hands the head's logits for the
    /// scored positions to <paramref name="reduce"/> in chunks of rows small enough to stay in cache.
    /// </summary>
    public void ForEachScoredChunk(IReadOnlyList<ScoreRequest> requests, Action<ScoredChunk> reduce, IProgress<int>? progress = null)
    {
        foreach (var batch in Batches(requests.Select(s => s.Ids.Length).ToArray(), BatchSize))
        {
            long start = System.Diagnostics.Stopwatch.GetTimestamp();
            ScoreBatch(requests, batch, reduce);
            _forwardTicks += System.Diagnostics.Stopwatch.GetElapsedTime(start).Ticks;
            ForwardCalls++;
            progress?.Report(batch.Length);
        }
    }

    void ScoreBatch(IReadOnlyList<ScoreRequest> requests, int[] batch, Action<ScoredChunk> reduce)
    {
        using var mode = inference_mode();
        using var scope = NewDisposeScope();
        int t = batch.Max(i => requests[i].Ids.Length) - 1;
        if (t < 1)
        {
            return;
        }

        var inputs = new long[batch.Length * t];
        var rows = new List<long>();      // flat (b·T + j) positions whose next id is scored
        var targets = new List<long>();
        var owners = new List<int>();
        var positions = new List<int>();
        for (int r = 0; r < batch.Length; r++)
        {
            var (sequence, first) = requests[batch[r]];
            if (first < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(requests), first, "the first scored id must be at position 1 or later");
            }

            for (int j = 0; j < sequence.Length - 1; j++)
            {
                inputs[r * t + j] = sequence[j];
            }

            for (int j = first; j < sequence.Length; j++)
            {
                rows.Add(r * (long)t + j - 1);
                targets.Add(sequence[j]);
                owners.Add(batch[r]);
                positions.Add(j);
            }
        }
        if (rows.Count == 0)
        {
            return;
        }

        var device = _model.Device;
        var ids = tensor(inputs, new long[] { batch.Length, t }, device: device);                    // (B, T)
        var positionIds = arange(t, device: device).unsqueeze(0).expand(batch.Length, t);             // (B, T)
        var hidden = Transformer.ForwardHidden(ids, positionIds, null, null);                        // (B, T, D)
        var flat = hidden.view(-1, hidden.shape[2]);                                                  // (B·T, D)
        // The head runs over chunks of rows so the (rows, V) logits (and the caller's fp32 softmax) stay cache-sized.
        int chunk = Math.Max(64, (1 << 22) / Math.Max(1, Transformer.VocabSize));
        var allRows = rows.ToArray();
        var allTargets = targets.ToArray();
        for (int start = 0; start < allRows.Length; start += chunk)
        {
            using var chunkScope = NewDisposeScope();
            int n = Math.Min(chunk, allRows.Length - start);
            var picked = flat.index_select(0, tensor(allRows.AsSpan(start, n).ToArray(), device: device)); // (n, D)
            var logits = Transformer.Head(picked);                                                        // (n, V)
            var target = tensor(allTargets.AsSpan(start, n).ToArray(), device: device);                   // (n)
            reduce(new ScoredChunk(owners.GetRange(start, n).ToArray(), positions.GetRange(start, n).ToArray(), logits, target));
        }
    }

    /// <summary>
    /// Requests whose kept contexts are the same ids — the usual multiple-choice shape, " A" … " D" after one
    /// question — share one context pass and its KV cache (<see cref="SharePrefixes"/>). With sharing off, only
    /// single-token continuations share a pass (all read from one next-token distribution) and other requests are
    /// scored one sequence each.
    /// </summary>
    public IReadOnlyList<LogLikelihoodResult> LogLikelihood(IReadOnlyList<LogLikelihoodRequest> requests, IProgress<int>? progress = null)
    {
        int maxTokens = Transformer.ContextLength + 1;
        var encoded = new Dictionary<(string, bool), int[]>();
        int[] Encode(string text, bool addSpecialTokens) =>
            encoded.TryGetValue((text, addSpecialTokens), out var ids) ? ids : encoded[(text, addSpecialTokens)] = EncodePrompt(text, addSpecialTokens);

        var results = new LogLikelihoodResult[requests.Count];
        var multi = new List<(int Request, ScoreRequest Score)>();
        var groups = new Dictionary<string, (ScoreRequest Score, List<(int Request, int Token)> Members)>(StringComparer.Ordinal);
        var prefixed = new List<(int Request, int[] Context, int[] Continuation)>();
        for (int i = 0; i < requests.Count; i++)
        {
            var (context, continuation) = SplitTrailingSpace(requests[i].Context, requests[i].Continuation);
            var add = requests[i].AddSpecialTokens;
            var contextIds = Encode(context, add);
            var wholeIds = EncodePrompt(context + continuation, add);
            var continuationIds = wholeIds.Length > contextIds.Length ? wholeIds[contextIds.Length..] : Array.Empty<int>();
            if (contextIds.Length == 0)
            {
                // As lm-evaluation-harness: an empty context is the prefix token alone.
                contextIds = Tokenizer.DocumentPrefixId() is int prefix
                    ? [prefix]
                    : throw new ArgumentException($"request {i}: the context '{requests[i].Context}' encodes to no tokens and {Tokenizer.Name} has neither BOS nor EOS to stand for it; give a non-empty context");
            }

            if (continuationIds.Length == 0)
            {
                throw new ArgumentException($"request {i}: continuation '{requests[i].Continuation}' encodes to no tokens after its context");
            }

            var full = contextIds.Concat(continuationIds).ToArray();
            var kept = full.Length > maxTokens ? full[^maxTokens..] : full; // keep the continuation, cut the context's start
            if (SharePrefixes)
            {
                int scored = Math.Min(continuationIds.Length, kept.Length - 1);
                prefixed.Add((i, kept[..^scored], kept[^scored..]));
            }
            else if (continuationIds.Length == 1)
            {
                var key = string.Join(',', kept.Take(kept.Length - 1));
                if (!groups.TryGetValue(key, out var group))
                {
                    groups[key] = group = (new ScoreRequest(kept, kept.Length - 1), new List<(int, int)>());
                }

                group.Members.Add((i, kept[^1]));
            }
            else
            {
                multi.Add((i, new ScoreRequest(kept, kept.Length - Math.Min(continuationIds.Length, kept.Length - 1))));
            }
        }

        if (SharePrefixes)
        {
            ScoreSharedPrefixes(GroupByContext(prefixed), results, progress);
            return results;
        }

        var scores = ScoreTokens(multi.Select(m => m.Score).ToArray(), progress);
        for (int k = 0; k < multi.Count; k++)
        {
            double sum = 0;
            foreach (var lp in scores[k].LogProbs)
            {
                sum += lp;
            }

            results[multi[k].Request] = new LogLikelihoodResult(sum, scores[k].Greedy.All(g => g), scores[k].LogProbs.Length);
        }

        var shared = groups.Values.ToArray();
        ForEachScoredChunk(shared.Select(g => g.Score).ToArray(), chunk =>
        {
            int n = chunk.Requests.Length, width = chunk.Requests.Max(r => shared[r].Members.Count);
            var tokens = new long[n * width];
            for (int r = 0; r < n; r++)
            {
                var members = shared[chunk.Requests[r]].Members;
                for (int m = 0; m < members.Count; m++)
                {
                    tokens[r * width + m] = members[m].Token;
                }
            }
            var logProbs = chunk.Logits.log_softmax(-1, ScalarType.Float32);                      // (n, V) fp32
            var picked = logProbs.gather(1, tensor(tokens, new long[] { n, width }, device: logProbs.device)).cpu().data<float>().ToArray(); // (n, width)
            var argmax = chunk.Logits.argmax(-1).cpu().data<long>().ToArray();                      // (n)
            int done = 0;
            for (int r = 0; r < n; r++)
            {
                var members = shared[chunk.Requests[r]].Members;
                for (int m = 0; m < members.Count; m++)
                {
                    results[members[m].Request] = new LogLikelihoodResult(picked[r * width + m], argmax[r] == members[m].Token, 1);
                }

                done += members.Count;
            }
            progress?.Report(done);
        });
        return results;
    }

    /// <summary>As lm-evaluation-harness: trailing spaces of the context belong to the continuation.</summary>
    static (string Context, string Continuation) SplitTrailingSpace(string context, string continuation)
    {
        int spaces = context.Length - context.TrimEnd(' ').Length;
        return spaces == 0 ? (context, continuation) : (context[..^spaces], context[^spaces..] + continuation);
    }

    public IReadOnlyList<RollingLogLikelihoodResult> RollingLogLikelihood(IReadOnlyList<string> documents, RollingOptions options, IProgress<int>? progress = null)
    {
        var windows = new List<(int Document, ScoreRequest Request)>();
        foreach (var (doc, d) in documents.Select((doc, d) => (doc, d)))
        {
            var ids = EncodeDocument(doc);
            foreach (var w in RollingWindows.Plan(ids.Length, Transformer.ContextLength, options))
            {
                windows.Add((d, new ScoreRequest(ids[w.Start..w.End], w.PredictFrom - w.Start)));
            }
        }
        var windowProgress = progress is null ? null : new DocumentProgress(progress, windows.Count, documents.Count);
        var scores = ScoreTokens(windows.Select(w => w.Request).ToArray(), windowProgress);
        var sums = new double[documents.Count];
        var counts = new int[documents.Count];
        for (int i = 0; i < windows.Count; i++)
        {
            foreach (var lp in scores[i].LogProbs)
            {
                sums[windows[i].Document] += lp;
            }

            counts[windows[i].Document] += scores[i].LogProbs.Length;
        }
        return sums.Select((s, d) => new RollingLogLikelihoodResult(s, counts[d])).ToArray();
    }

    /// <summary>Turns windows done into (proportional) documents done, so callers count in documents.</summary>
    sealed class DocumentProgress(IProgress<int> inner, int windows, int documents) : IProgress<int>
    {
        int _windowsDone, _reported;

        public void Report(int value)
        {
            _windowsDone += value;
            int now = windows == 0 ? documents : (int)((long)_windowsDone * documents / windows);
            if (now > _reported)
            {
                inner.Report(now - _reported);
            }

            _reported = Math.Max(now, _reported);
        }
    }

    // ---------------------------------------------------------------- generation

    public IReadOnlyList<GenerationResult> Generate(IReadOnlyList<GenerationRequest> requests, IProgress<int>? progress = null)
    {
        var prompts = requests.Select(r => EncodePrompt(r.Prompt, r.AddSpecialTokens)).ToArray();
        for (int i = 0; i < prompts.Length; i++)
        {
            if (prompts[i].Length == 0)
            {
                throw new ArgumentException(
                    $"request {i}: the prompt '{requests[i].Prompt}' encodes to no tokens ({Tokenizer.Name} adds no BOS{(requests[i].AddSpecialTokens ? "" : " and special tokens are off")}); give a non-empty prompt");
            }
        }
        var results = new GenerationResult[requests.Count];
        foreach (var batch in Batches(prompts.Select(p => p.Length).ToArray(), BatchSize))
        {
            long start = System.Diagnostics.Stopwatch.GetTimestamp();
            GenerateBatch(requests, prompts, batch, results);
            _forwardTicks += System.Diagnostics.Stopwatch.GetElapsedTime(start).Ticks;
            ForwardCalls++;
            progress?.Report(batch.Length);
        }
        return results;
    }

    void GenerateBatch(IReadOnlyList<GenerationRequest> requests, int[][] prompts, int[] batch, GenerationResult[] results)
    {
        using var mode = inference_mode();
        using var scope = NewDisposeScope();
        int b = batch.Length;
        int promptLength = batch.Max(i => prompts[i].Length);
        int context = Transformer.ContextLength;
        if (promptLength >= context)
        {
            throw new ArgumentException($"prompt of {promptLength} tokens leaves no room to generate within the context of {context} tokens");
        }

        int maxNew = Math.Min(batch.Max(i => requests[i].MaxNewTokens), context - promptLength);
        int capacity = promptLength + maxNew;
        var device = _model.Device;

        // Left-pad prompts; padded key positions are masked out, positions count real tokens only.
        var ids = new long[b * promptLength];
        var real = new bool[b * capacity];
        var pads = new int[b];
        for (int r = 0; r < b; r++)
        {
            var p = prompts[batch[r]];
            pads[r] = promptLength - p.Length;
            for (int j = 0; j < p.Length; j++)
            {
                ids[r * promptLength + pads[r] + j] = p[j];
            }

            for (int j = pads[r]; j < capacity; j++)
            {
                real[r * capacity + j] = true;
            }
        }
        bool padded = pads.Any(p => p > 0);
        var keyMask = tensor(real, new long[] { b, capacity }, device: device);                   // (B, S_max)
        using var cache = new KvCache(Transformer.NumLayers, b, Transformer.NumKeyValueHeads, capacity, Transformer.HeadDim, _model.Compute.ScalarType, device);

        var input = tensor(ids, new long[] { b, promptLength }, device: device);                  // (B, P)
        var padTensor = tensor(pads.Select(p => (long)p).ToArray(), device: device).unsqueeze(1);  // (B, 1)
        var positions = (arange(promptLength, device: device).unsqueeze(0) - padTensor).clamp_min(0); // (B, P)
        Tensor? mask = null;
        if (padded)
        {
            var causal = ones(promptLength, promptLength, ScalarType.Bool, device).tril();          // (P, P)
            var self = eye(promptLength, dtype: ScalarType.Bool, device: device);                    // (P, P): pad rows see themselves
            mask = (causal.unsqueeze(0) & keyMask.narrow(1, 0, promptLength).unsqueeze(1) | self.unsqueeze(0)).unsqueeze(1); // (B, 1, P, P)
        }

        var generated = Enumerable.Range(0, b).Select(_ => new List<int>()).ToArray();
        var finish = batch.Select(i => requests[i].MaxNewTokens <= 0 ? FinishReason.Length : (FinishReason?)null).ToArray();
        int? eos = Tokenizer.EosId;
        using (var stepScope = NewDisposeScope())
        {
            // Per-step inputs are views of tensors made once: positions (B, maxNew) and the key mask (B, 1, 1, S_max).
            var stepPositionsAll = arange(promptLength, capacity, device: device).unsqueeze(0) - padTensor; // (B, maxNew)
            var keyMaskSteps = keyMask.view(b, 1, 1, capacity);                                       // (B, 1, 1, S_max)
            var logits = Transformer.Forward(input, positions, mask, cache);                         // (B, P, V)
            var next = logits.narrow(1, promptLength - 1, 1).argmax(-1);                              // (B, 1)
            var running = Enumerable.Range(0, b).ToArray(); // the batch row of each row still in the step tensors
            for (int step = 0; step < maxNew; step++)
            {
                var chosen = (next.device_type == DeviceType.CPU ? next : next.cpu()).data<long>().ToArray();
                for (int i = 0; i < running.Length; i++)
                {
                    int r = running[i];
                    if (finish[r] is not null)
                    {
                        continue;
                    }

                    int token = (int)chosen[i];
                    var request = requests[batch[r]];
                    if (eos is int e && token == e) { finish[r] = FinishReason.EndOfSequence; continue; }
                    generated[r].Add(token);
                    if (request.StopSequences is { Count: > 0 } stops && StopIndex(Tokenizer.Decode(generated[r]), stops) >= 0)
                    {
                        finish[r] = FinishReason.Stop;
                    }
                    else if (generated[r].Count >= request.MaxNewTokens)
                    {
                        finish[r] = FinishReason.Length;
                    }
                    else if (step == maxNew - 1)
                    {
                        finish[r] = FinishReason.ContextFull;
                    }
                }
                if (finish.All(f => f is not null) || step == maxNew - 1)
                {
                    break;
                }

                // Once a quarter of the rows in the step tensors have finished, the steps go on without them: a
                // finished row would cost a full row of every matmul to the end of the batch's longest answer. A
                // row's tokens do not depend on which other rows share its batch (CrossSuiteGenerationTests).
                var alive = Enumerable.Range(0, running.Length).Where(i => finish[running[i]] is null).ToArray(); // rows of the step tensors
                if (alive.Length * 4 <= running.Length * 3)
                {
                    using var rowScope = NewDisposeScope();
                    var kept = tensor(alive.Select(i => (long)i).ToArray(), device: device); // (B')
                    cache.KeepRows(kept);
                    next = next.index_select(0, kept).MoveToOuterDisposeScope();
                    stepPositionsAll = stepPositionsAll.index_select(0, kept).MoveToOuterDisposeScope();
                    keyMaskSteps = keyMaskSteps.index_select(0, kept).MoveToOuterDisposeScope();
                    running = [.. alive.Select(i => running[i])];
                }

                using var inner = NewDisposeScope();
                long s = cache.Length + 1;
                var stepPositions = stepPositionsAll.narrow(1, cache.Length - promptLength, 1);         // (B, 1)
                var stepMask = padded ? keyMaskSteps.narrow(3, 0, s) : null;                             // (B, 1, 1, S)
                var stepLogits = Transformer.Forward(next, stepPositions, stepMask, cache);              // (B, 1, V)
                next.Dispose();
                next = stepLogits.argmax(-1).MoveToOuterDisposeScope();                                  // (B, 1)
            }
        }

        for (int r = 0; r < b; r++)
        {
            var request = requests[batch[r]];
            var text = DecodeContinuation(prompts[batch[r]], generated[r]);
            if (request.StopSequences is { Count: > 0 } stops && StopIndex(text, stops) is var at and >= 0)
            {
                text = text[..at];
            }

            results[batch[r]] = new GenerationResult(text, generated[r].ToArray(), finish[r] ?? FinishReason.Length);
        }
    }

    /// <summary>The text the new ids add after the prompt (decoding them alone would lose a leading space in SentencePiece).</summary>
    string DecodeContinuation(int[] prompt, List<int> generated)
    {
        var promptText = Tokenizer.Decode(prompt);
        var whole = Tokenizer.Decode(prompt.Concat(generated));
        return whole.StartsWith(promptText, StringComparison.Ordinal) ? whole[promptText.Length..] : Tokenizer.Decode(generated);
    }

    static int StopIndex(string text, IReadOnlyList<string> stops)
    {
        int best = -1;
        foreach (var stop in stops)
        {
            if (stop.Length == 0)
            {
                continue;
            }

            int at = text.IndexOf(stop, StringComparison.Ordinal);
            if (at >= 0 && (best < 0 || at < best))
            {
                best = at;
            }
        }
        return best;
    }

    /// <summary>Index batches, longest first, so each batch pads little.</summary>
    static IEnumerable<int[]> Batches(int[] lengths, int batchSize)
    {
        var order = Enumerable.Range(0, lengths.Length).OrderByDescending(i => lengths[i]).ThenBy(i => i).ToArray();
        for (int i = 0; i < order.Length; i += batchSize)
        {
            yield return order[i..Math.Min(i + batchSize, order.Length)];
        }
    }

    public void Dispose()
    {
        if (_ownsModel)
        {
            _model.Dispose();
        }
    }
}
