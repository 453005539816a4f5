using RegressionGuard.Forgetting;
using RegressionGuard.Modeling;
using RegressionGuard.Torch.Checkpoints;
using RegressionGuard.Torch.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace RegressionGuard.Torch.Forgetting;

/// <summary>
/// Computes L_f (Kalajdzievski 2024): at every predicted position of a corpus, the cross-entropy of the tuned model's
/// next-token distribution against the base model's full distribution, averaged over all predicted positions.
/// Documents are handled exactly as <c>score</c> does ([BOS] + encode(text), no EOS, <see cref="RollingWindows"/>).
/// All reductions are computed in fp32 from each model's logits, whatever dtype the models run in. Windows are scored
/// in <see cref="ForgettingGroups"/> of the batch size and the per-position values are summed per document in one
/// fixed order (in double), so a shard holding whole groups gives the unsharded run's per-document sums bit for bit.
/// Another batch size cuts other groups and batches: the same L_f within float rounding (≈ 1e-8 relative, docs/gate.md).
/// </summary>
public static class ForgettingMeter
{
    /// <summary>Vocabularies up to this size are stored exactly; larger ones keep the top <see cref="DefaultTopK"/> ids.</summary>
    public const int ExactVocabularyLimit = 4096;
    public const int DefaultTopK = 256;

    /// <summary>The windows both models are scored on, as the model's score requests (<see cref="ForgettingPlan"/>).</summary>
    public static (List<TorchLanguageModel.ScoreRequest> Windows, int[] Document) Plan(TorchLanguageModel model, IReadOnlyList<string> documents, RollingOptions options)
    {
        var (windows, owner) = ForgettingPlan.Of(model, documents, options);
        return (windows.Select(w => new TorchLanguageModel.ScoreRequest(w.Ids, w.FirstTarget)).ToList(), owner);
    }

    /// <summary>Runs the base model over the corpus and keeps its distributions (exact, or top-K + tail entropy).</summary>
    public static BaseDistributions ComputeBase(TorchLanguageModel baseModel, IReadOnlyList<string> documents, RollingOptions options, int? topK = null, IProgress<int>? progress = null)
    {
        // the windows both models are scored on (a corpus the caller planned already is not tokenized again)
        var (windows, owner) = ForgettingPlan.Of(baseModel, documents, options);
        int vocab = baseModel.Model.Transformer.VocabSize;
        int k = Math.Min(vocab, topK ?? (vocab <= ExactVocabularyLimit ? vocab : DefaultTopK));
        var result = new BaseDistributions(vocab, k, windows, owner, documents.Count);
        ForEachGroupChunk(baseModel, windows, owner, documents.Count, chunk =>
        {
            var lp = chunk.Logits.log_softmax(-1, ScalarType.Float32);                         // (n, V) fp32
            var p = lp.exp();                                                                   // (n, V)
            var entropy = Entropy(p, lp);                                                       // (n)
            var argmax = chunk.Logits.argmax(-1).to_type(ScalarType.Int32).cpu().data<int>().ToArray(); // (n)
            float[] values;
            int[]? ids = null;
            if (result.Exact)
            {
                values = p.cpu().data<float>().ToArray();
            }
            else
            {
                var (top, index) = p.topk(k, dim: -1);                                           // (n, K) each
                values = top.cpu().data<float>().ToArray();
                ids = index.to_type(ScalarType.Int32).cpu().data<int>().ToArray();
            }
            var h = entropy.cpu().data<float>().ToArray();
            for (int r = 0; r < chunk.Requests.Length; r++)
            {
                int w = chunk.Requests[r], offset = chunk.Positions[r] - windows[w].FirstTarget;
                Array.Copy(values, (long)r * k, result.Probs[w], (long)offset * k, k);
                if (ids is not null)
                {
                    Array.Copy(ids, (long)r * k, result.Indices![w], (long)offset * k, k);
                }

                result.Entropy[w][offset] = h[r];
                result.Argmax[w][offset] = argmax[r];
            }
        }, progress);
        return result;
    }

    /// <summary>
    /// Scores the tuned model against stored base distributions, straight from the tuned logits z (log q = z − lse).
    /// Exact form: on the CPU each position's row of z and its stored probabilities go through
    /// <see cref="ExactCrossEntropy"/> (one pass in L1, no base tensor, no (n, V) temporary, the argmax found on the
    /// way); on another device CE = −Σ_v p_v log q_v = lse·Σ_v p_v − Σ_v p_v z_v as tensor operations
    /// (<see cref="CrossEntropyFromLogits"/>). Reduced form: the stored top-K ids contribute exactly; the tail's base mass
    /// r = 1 − Σ_topK p is spread over the tail in proportion to the tuned model's own tail probabilities,
    /// CE_tail = −r · Σ_tail (q_j / Q_tail) log q_j, with Σ_v q log q = Σ_v q z − lse from the one softmax (the only
    /// full-vocabulary exp pass) and lse = max z − log max q. H is stored exactly in both forms and KL = CE − H per position.
    /// The reduced form's error is measured in docs/benchmarks.md.
    /// </summary>
    public static ForgettingResult Compare(BaseDistributions reference, TorchLanguageModel tuned, IProgress<int>? progress = null)
    {
        if (tuned.Model.Transformer.VocabSize != reference.VocabSize)
        {
            throw new CheckpointException($"{tuned.Model.Path}: vocabulary of {tuned.Model.Transformer.VocabSize} ids, but the base model's has {reference.VocabSize}; L_f is undefined across vocabularies");
        }

        int k = reference.TopK, docs = reference.Documents;
        // per position first, summed afterwards in one fixed order (documents, windows, positions), in double
        var ceAt = reference.Windows.Select(w => new float[w.Ids.Length - w.FirstTarget]).ToArray();
        var agreeAt = reference.Windows.Select(w => new bool[w.Ids.Length - w.FirstTarget]).ToArray();
        ForEachGroupChunk(tuned, reference.Windows, reference.WindowDocument, docs, chunk =>
        {
            int n = chunk.Requests.Length;
            if (reference.Exact && chunk.Logits.device_type == DeviceType.CPU)
            {
                // on the CPU, row by row straight from the logits and the stored probabilities: no base tensor is built
                var logits = chunk.Logits.to_type(ScalarType.Float32).contiguous();              // (n, V) fp32
                var rows = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(logits.bytes);
                for (int r = 0; r < n; r++)
                {
                    int w = chunk.Requests[r], offset = chunk.Positions[r] - reference.Windows[w].FirstTarget;
                    ceAt[w][offset] = ExactCrossEntropy.Row(rows.Slice(r * k, k), reference.ProbabilityRows(w).Slice(offset * k, k), out int argmax);
                    agreeAt[w][offset] = argmax == reference.Argmax[w][offset];
                }
                return;
            }

            var baseValues = new float[n * k];
            var baseIds = reference.Exact ? null : new long[n * k];
            var baseArgmax = new long[n];
            for (int r = 0; r < n; r++)
            {
                int w = chunk.Requests[r], offset = chunk.Positions[r] - reference.Windows[w].FirstTarget;
                reference.ProbabilityRows(w).Slice(offset * k, k).CopyTo(baseValues.AsSpan(r * k, k));
                if (baseIds is not null)
                {
                    var ids = reference.IndexRows(w).Slice(offset * k, k);
                    for (int j = 0; j < k; j++)
                    {
                        baseIds[r * k + j] = ids[j];
                    }
                }

                baseArgmax[r] = reference.Argmax[w][offset];
            }
            var device = chunk.Logits.device;
            var z = chunk.Logits.to_type(ScalarType.Float32);                                    // (n, V) fp32 logits
            var pb = tensor(baseValues, new long[] { n, k }, device: device);                    // (n, K)
            Tensor crossEntropy;
            if (baseIds is null)
            {
                crossEntropy = CrossEntropyFromLogits(pb, z);                                    // (n)
            }
            else
            {
                var idx = tensor(baseIds, new long[] { n, k }, device: device);                  // (n, K)
                var q = z.softmax(-1);                                                           // (n, V): the one full-vocabulary exp pass
                var (top, at) = z.max(-1);                                                       // (n) each
                var lse = top - q.gather(1, at.unsqueeze(1)).squeeze(1).log();                  // log Σ e^z = max z − log max q (n)
                var lptTop = z.gather(1, idx) - lse.unsqueeze(1);                                // log q of the base's top K (n, K)
                var qTop = lptTop.exp();                                                         // (n, K)
                var tailMass = (1 - pb.sum(-1)).clamp_min(0);                                    // r (n)
                var qTail = (1 - qTop.sum(-1)).clamp_min(1e-30);                                 // Q_tail (n)
                var qLogQ = Dot(q, z) - lse;                                                     // Σ_v q log q = Σ q z − lse (Σ q = 1) (n)
                var qLogQTail = qLogQ - (qTop * lptTop).sum(-1);                                 // Σ_tail q log q (n)
                crossEntropy = -(pb * lptTop).sum(-1) - tailMass * qLogQTail / qTail;
            }
            var agrees = chunk.Logits.argmax(-1).eq(tensor(baseArgmax, device: device));
            var ceValues = crossEntropy.cpu().data<float>().ToArray();
            var agreeValues = agrees.cpu().data<bool>().ToArray();
            for (int r = 0; r < n; r++)
            {
                int w = chunk.Requests[r], offset = chunk.Positions[r] - reference.Windows[w].FirstTarget;
                ceAt[w][offset] = ceValues[r];
                agreeAt[w][offset] = agreeValues[r];
            }
        }, progress);
        // the cache entry's checksum was computed alongside the pass: a corrupt entry's numbers are never returned
        reference.EnsureIntact();

        var ce = new double[docs];
        var h = new double[docs];
        var agree = new double[docs];
        var count = new int[docs];
        for (int w = 0; w < ceAt.Length; w++)
        {
            int d = reference.WindowDocument[w];
            for (int j = 0; j < ceAt[w].Length; j++)
            {
                ce[d] += ceAt[w][j];
                h[d] += reference.Entropy[w][j];
                agree[d] += agreeAt[w][j] ? 1 : 0;
            }

            count[d] += ceAt[w].Length;
        }

        long positions = count.Sum(c => (long)c);
        var perDocument = Enumerable.Range(0, docs).Select(d => new DocumentForgetting(d, count[d], ce[d], h[d], ce[d] - h[d], agree[d])).ToList();
        double lf = ce.Sum() / positions, entropyMean = h.Sum() / positions;
        return new ForgettingResult(lf, entropyMean, lf - entropyMean, agree.Sum() / positions, positions, docs, perDocument);
    }

    /// <summary>
    /// Scores the windows group by group (<see cref="ForgettingGroups"/> of the model's batch size: documents of similar
    /// size, largest first): a group's windows
    /// are batched among themselves only, so every position's numbers are the same in the whole corpus and in a shard
    /// holding its group. <see cref="TorchLanguageModel.ScoredChunk.Requests"/> are indices into <paramref name="windows"/>.
    /// </summary>
    static void ForEachGroupChunk(TorchLanguageModel model, IReadOnlyList<ScoredWindow> windows, int[] windowDocument, int documents,
        Action<TorchLanguageModel.ScoredChunk> reduce, IProgress<int>? progress)
    {
        foreach (var group in ForgettingGroups.Windows(windows, windowDocument, documents, model.Model.Compute.BatchSize))
        {
            model.ForEachScoredChunk(group.Select(w => new TorchLanguageModel.ScoreRequest(windows[w].Ids, windows[w].FirstTarget)).ToList(), chunk =>
                reduce(chunk with { Requests = chunk.Requests.Select(r => group[r]).ToArray() }), progress);
        }
    }

    /// <summary>Per position: −Σ_v p_v log q_v for base probabilities (n, V) and tuned log-probabilities (n, V), as one batched dot product.</summary>
    public static Tensor CrossEntropy(Tensor baseProbs, Tensor tunedLogProbs) =>
        -Dot(baseProbs, tunedLogProbs);

    /// <summary>
    /// Per position: −Σ_v p_v log softmax(z)_v = lse(z)·Σp − Σ p z for base probabilities (n, V) and tuned logits (n, V),
    /// as tensor operations (a logsumexp and one batched dot product): the exact form off the CPU (<see cref="ExactCrossEntropy"/> on it).
    /// </summary>
    public static Tensor CrossEntropyFromLogits(Tensor baseProbs, Tensor logits) =>
        logits.logsumexp(-1) * baseProbs.sum(-1) - Dot(baseProbs, logits);

    /// <summary>Per row: Σ_v a_v b_v of two (n, V) tensors, as one batched dot product (no (n, V) product is materialised).</summary>
    static Tensor Dot(Tensor a, Tensor b) => a.unsqueeze(1).bmm(b.unsqueeze(2)).view(a.shape[0]);

    /// <summary>Per position: −Σ_v p_v log p_v.</summary>
    public static Tensor Entropy(Tensor probs, Tensor logProbs) => -(probs * logProbs).sum(-1);

    /// <summary>Both models must share one tokenizer: L_f compares distributions over the same ids.</summary>
    public static void CheckCompatible(TorchLanguageModel baseModel, TorchLanguageModel tuned)
    {
        var a = baseModel.Model;
        var b = tuned.Model;
        if (a.Tokenizer.ContentHash != b.Tokenizer.ContentHash || a.Transformer.VocabSize != b.Transformer.VocabSize)
        {
            throw new CheckpointException(
                $"base and tuned models use different vocabularies or tokenizers: base '{a.Path}' ({a.Tokenizer.Name}, {a.Transformer.VocabSize} ids, tokenizer sha256 {a.Tokenizer.ContentHash[..12]}) vs tuned '{b.Path}' ({b.Tokenizer.Name}, {b.Transformer.VocabSize} ids, tokenizer sha256 {b.Tokenizer.ContentHash[..12]}); L_f is undefined across vocabularies");
        }
    }
}
