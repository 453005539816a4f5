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
/// All reductions are computed in fp32 from each model's logits, whatever dtype the models run in.
/// </summary>
public static class ForgettingMeter
{
    /// <summary>Vocabularies up to this size are stored exactly; larger ones keep the top <see cref="DefaultTopK"/> ids.</summary>
    public const int ExactVocabularyLimit = 4096;
    public const int DefaultTopK = 256;

    /// <summary>The windows both models are scored on.</summary>
    public static (List<TorchLanguageModel.ScoreRequest> Windows, int[] Document) Plan(TorchLanguageModel model, IReadOnlyList<string> documents, RollingOptions options)
    {
        var windows = new List<TorchLanguageModel.ScoreRequest>();
        var owner = new List<int>();
        for (int d = 0; d < documents.Count; d++)
        {
            var ids = model.EncodeDocument(documents[d]);
            foreach (var w in RollingWindows.Plan(ids.Length, model.Model.Transformer.ContextLength, options))
            {
                windows.Add(new TorchLanguageModel.ScoreRequest(ids[w.Start..w.End], w.PredictFrom - w.Start));
                owner.Add(d);
            }
        }
        return (windows, owner.ToArray());
    }

    /// <summary>Runs the base model over the corpus and keeps its distributions (exact, or top-K + tail entropy).</summary>
    public static BaseDistributions ComputeBase(TorchLanguageModel baseModel, IReadOnlyList<string> documents, RollingOptions options, int? topK = null, IProgress<int>? progress = null)
    {
        var (windows, owner) = Plan(baseModel, documents, options);
        int vocab = baseModel.Model.Transformer.VocabSize;
        int k = Math.Min(vocab, topK ?? (vocab <= ExactVocabularyLimit ? vocab : DefaultTopK));
        var result = new BaseDistributions(vocab, k, windows, owner, documents.Count);
        baseModel.ForEachScoredChunk(windows, chunk =>
        {
            var lp = chunk.Logits.log_softmax(-1, ScalarType.Float32);                         // (n, V) fp32
            var argmax = lp.argmax(-1).to_type(ScalarType.Int32).cpu().data<int>().ToArray();   // (n)
            float[] values, tail;
            int[]? ids = null;
            if (result.Exact)
            {
                values = lp.cpu().data<float>().ToArray();
                tail = new float[chunk.Requests.Length];
            }
            else
            {
                var (top, index) = lp.topk(k, dim: -1);                                          // (n, K) each
                var p = lp.exp();
                var entropyAll = -(p * lp).sum(-1);                                              // (n)
                var entropyTop = -(top.exp() * top).sum(-1);                                     // (n)
                values = top.cpu().data<float>().ToArray();
                ids = index.to_type(ScalarType.Int32).cpu().data<int>().ToArray();
                tail = (entropyAll - entropyTop).clamp_min(0).cpu().data<float>().ToArray();
            }
            for (int r = 0; r < chunk.Requests.Length; r++)
            {
                int w = chunk.Requests[r], offset = chunk.Positions[r] - windows[w].FirstTarget;
                Array.Copy(values, (long)r * k, result.LogProbs[w], (long)offset * k, k);
                if (ids is not null) Array.Copy(ids, (long)r * k, result.Indices![w], (long)offset * k, k);
                result.TailEntropy[w][offset] = tail[r];
                result.Argmax[w][offset] = argmax[r];
            }
        }, progress);
        return result;
    }

    /// <summary>
    /// Scores the tuned model against stored base distributions. Exact form: CE = −Σ_v p_v log q_v. Reduced form: the
    /// stored top-K ids contribute exactly; the tail's base mass r = 1 − Σ_topK p is spread over the tail in
    /// proportion to the tuned model's own tail probabilities, CE_tail = −r · Σ_tail (q_j / Q_tail) log q_j, and H adds
    /// the stored tail entropy. The error of that approximation is measured in docs/benchmarks.md.
    /// </summary>
    public static ForgettingResult Compare(BaseDistributions reference, TorchLanguageModel tuned, IProgress<int>? progress = null)
    {
        if (tuned.Model.Transformer.VocabSize != reference.VocabSize)
            throw new CheckpointException($"{tuned.Model.Path}: vocabulary of {tuned.Model.Transformer.VocabSize} ids, but the base model's has {reference.VocabSize}; L_f is undefined across vocabularies");
        int k = reference.TopK, docs = reference.Documents;
        var ce = new double[docs];
        var h = new double[docs];
        var kl = new double[docs];
        var agree = new double[docs];
        var count = new int[docs];
        tuned.ForEachScoredChunk(reference.Windows, chunk =>
        {
            int n = chunk.Requests.Length;
            var baseValues = new float[n * k];
            var baseIds = reference.Exact ? null : new long[n * k];
            var tailEntropy = new float[n];
            var baseArgmax = new long[n];
            for (int r = 0; r < n; r++)
            {
                int w = chunk.Requests[r], offset = chunk.Positions[r] - reference.Windows[w].FirstTarget;
                Array.Copy(reference.LogProbs[w], (long)offset * k, baseValues, (long)r * k, k);
                if (baseIds is not null)
                    for (int j = 0; j < k; j++) baseIds[r * k + j] = reference.Indices![w][offset * k + j];
                tailEntropy[r] = reference.TailEntropy[w][offset];
                baseArgmax[r] = reference.Argmax[w][offset];
            }
            var device = chunk.Logits.device;
            var lpt = chunk.Logits.log_softmax(-1, ScalarType.Float32);                          // (n, V) fp32
            var lpb = tensor(baseValues, new long[] { n, k }, device: device);                   // (n, K)
            var pb = lpb.exp();
            Tensor crossEntropy, entropy, divergence;
            if (baseIds is null)
            {
                (crossEntropy, entropy) = PositionTerms(lpb, lpt);                               // (n), (n)
                divergence = (pb * (lpb - lpt)).sum(-1);                                         // KL(base ‖ tuned) (n)
            }
            else
            {
                var idx = tensor(baseIds, new long[] { n, k }, device: device);                  // (n, K)
                var lptTop = lpt.gather(1, idx);                                                 // (n, K)
                var q = lpt.exp();
                var qTop = lptTop.exp();
                var tailMass = (1 - pb.sum(-1)).clamp_min(0);                                    // r (n)
                var qTail = (1 - qTop.sum(-1)).clamp_min(1e-30);                                 // Q_tail (n)
                var qLogQTail = (q * lpt).sum(-1) - (qTop * lptTop).sum(-1);                     // Σ_tail q log q (n)
                crossEntropy = -(pb * lptTop).sum(-1) - tailMass * qLogQTail / qTail;
                entropy = -(pb * lpb).sum(-1) + tensor(tailEntropy, device: device);
                divergence = crossEntropy - entropy;
            }
            var agrees = lpt.argmax(-1).eq(tensor(baseArgmax, device: device)).to_type(ScalarType.Float64);
            var ceValues = crossEntropy.to_type(ScalarType.Float64).cpu().data<double>().ToArray();
            var hValues = entropy.to_type(ScalarType.Float64).cpu().data<double>().ToArray();
            var agreeValues = agrees.cpu().data<double>().ToArray();
            var klValues = divergence.to_type(ScalarType.Float64).cpu().data<double>().ToArray();
            for (int r = 0; r < n; r++)
            {
                int d = reference.WindowDocument[chunk.Requests[r]];
                ce[d] += ceValues[r];
                h[d] += hValues[r];
                kl[d] += klValues[r];
                agree[d] += agreeValues[r];
                count[d]++;
            }
        }, progress);

        long positions = count.Sum(c => (long)c);
        var perDocument = Enumerable.Range(0, docs).Select(d => new DocumentForgetting(d, count[d], ce[d], h[d], kl[d], agree[d])).ToList();
        return new ForgettingResult(ce.Sum() / positions, h.Sum() / positions, kl.Sum() / positions, agree.Sum() / positions, positions, docs, perDocument);
    }

    /// <summary>Per position: cross-entropy −Σ_v p_v log q_v and base entropy −Σ_v p_v log p_v from full log-probabilities (n, V).</summary>
    public static (Tensor CrossEntropy, Tensor Entropy) PositionTerms(Tensor baseLogProbs, Tensor tunedLogProbs)
    {
        var p = baseLogProbs.exp();
        return (-(p * tunedLogProbs).sum(-1), -(p * baseLogProbs).sum(-1));
    }

    /// <summary>Both models must share one tokenizer: L_f compares distributions over the same ids.</summary>
    public static void CheckCompatible(TorchLanguageModel baseModel, TorchLanguageModel tuned)
    {
        var a = baseModel.Model;
        var b = tuned.Model;
        if (a.Tokenizer.ContentHash != b.Tokenizer.ContentHash || a.Transformer.VocabSize != b.Transformer.VocabSize)
            throw new CheckpointException(
                $"base and tuned models use different vocabularies or tokenizers: base '{a.Path}' ({a.Tokenizer.Name}, {a.Transformer.VocabSize} ids, tokenizer sha256 {a.Tokenizer.ContentHash[..12]}) vs tuned '{b.Path}' ({b.Tokenizer.Name}, {b.Transformer.VocabSize} ids, tokenizer sha256 {b.Tokenizer.ContentHash[..12]}); L_f is undefined across vocabularies");
    }
}
