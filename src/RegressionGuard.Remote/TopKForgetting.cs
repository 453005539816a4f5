using System.Globalization;
using RegressionGuard.Forgetting;
using RegressionGuard.Modeling;
using RegressionGuard.Remote.Protocol;

namespace RegressionGuard.Remote;

/// <summary>
/// L_f from a server that returns only each model's top-K log-probabilities per prompt position (vLLM's
/// <c>prompt_logprobs</c>). The base side is the top-K form of <see cref="BaseDistributions"/> with unknown entropy (NaN).
/// The tuned side cannot be computed exactly: log q of a base id outside the tuned top-K is unknown. What is known
/// bounds it: any id outside the tuned top-K T has q ≤ q_cap = min(min_T q, 1 − Σ_T q), so at each position
/// CE ≥ Σ_{s∈S} p_s·(−log q̂_s) + r·(−log q_tail), with q̂_s = q_s on T and q_cap off it, r the base mass outside
/// its top-K S and q_tail the largest q any id outside S can have. The upper bound is finite only where S ⊆ T and
/// r = 0 (then CE is exact there); otherwise +∞: nothing the server returns bounds q from below.
/// </summary>
public static class TopKForgetting
{
    /// <summary>Base distributions from <c>prompt_logprobs</c> (K per position, ranked); entropy unknown (NaN).</summary>
    public static BaseDistributions Base(int vocabSize, int k, IReadOnlyList<ScoredWindow> windows, int[] owner, int documents,
        IReadOnlyList<List<Dictionary<string, PromptLogprob>?>> promptLogprobs, Func<string, Exception> malformed)
    {
        var result = new BaseDistributions(vocabSize, k, windows, owner, documents);
        for (int w = 0; w < windows.Count; w++)
        {
            var window = windows[w];
            for (int p = window.FirstTarget; p < window.Ids.Length; p++)
            {
                var top = Ranked(promptLogprobs[w], p, k, malformed);
                int offset = p - window.FirstTarget;
                for (int j = 0; j < k; j++)
                {
                    result.Probs[w][offset * k + j] = j < top.Count ? (float)Math.Exp(top[j].LogProb) : 0f;
                    result.Indices![w][offset * k + j] = j < top.Count ? top[j].Id : 0;
                }

                result.Entropy[w][offset] = float.NaN;
                result.Argmax[w][offset] = top[0].Id;
            }
        }

        return result;
    }

    /// <summary>The top entries of position <paramref name="p"/>, by rank (the prompt's own id is left out unless ranked within K).</summary>
    public static List<(int Id, double LogProb)> Ranked(List<Dictionary<string, PromptLogprob>?> positions, int p, int k, Func<string, Exception> malformed)
    {
        if (p >= positions.Count || positions[p] is not { } entry)
        {
            throw malformed($"prompt_logprobs has no entry for position {p}");
        }

        var ranked = entry.Where(e => e.Value.Rank is int r && r <= k)
            .Select(e => (Id: int.Parse(e.Key, NumberStyles.Integer, CultureInfo.InvariantCulture), e.Value.Logprob, Rank: e.Value.Rank!.Value))
            .OrderBy(e => e.Rank).ThenBy(e => e.Id).Select(e => (e.Id, e.Logprob)).ToList();
        return ranked.Count > 0 ? ranked : throw malformed($"prompt_logprobs at position {p} has no ranked entry (is --max-logprobs ≥ {k}?)");
    }

    /// <summary>Bounds on L_f (and the exact top-1 agreement) from the tuned model's top-K at every reference position.</summary>
    public static ForgettingResult Bounds(BaseDistributions reference, IReadOnlyList<List<Dictionary<string, PromptLogprob>?>> tunedTop, int k, Func<string, Exception> malformed)
    {
        int docs = reference.Documents;
        var lower = new double[docs];
        var upper = new double[docs];
        var entropy = new double[docs];
        var agree = new double[docs];
        var count = new int[docs];
        for (int w = 0; w < reference.Windows.Count; w++)
        {
            var window = reference.Windows[w];
            int d = reference.WindowDocument[w];
            for (int p = window.FirstTarget; p < window.Ids.Length; p++)
            {
                int offset = p - window.FirstTarget;
                var tuned = Ranked(tunedTop[w], p, k, malformed);
                var q = tuned.ToDictionary(t => t.Id, t => Math.Exp(t.LogProb));
                double qCap = Math.Min(q.Values.Min(), Math.Max(0, 1 - q.Values.Sum()));
                double baseMass = 0, low = 0;
                bool covered = true;
                var baseIds = new HashSet<int>();
                for (int j = 0; j < reference.TopK; j++)
                {
                    double pj = reference.Probs[w][offset * reference.TopK + j];
                    int id = reference.Indices is null ? j : reference.Indices[w][offset * reference.TopK + j];
                    baseIds.Add(id);
                    baseMass += pj;
                    if (pj <= 0)
                    {
                        continue;
                    }

                    if (q.TryGetValue(id, out var qs))
                    {
                        low -= pj * Math.Log(qs);
                    }
                    else
                    {
                        covered = false;
                        low -= pj * Math.Log(Math.Max(qCap, double.Epsilon));
                    }
                }

                double tail = Math.Max(0, 1 - baseMass);
                if (tail > 1e-6)
                {
                    double qTail = q.Where(t => !baseIds.Contains(t.Key)).Select(t => t.Value).DefaultIfEmpty(0).Max();
                    if (reference.VocabSize > baseIds.Count + q.Keys.Count(id => !baseIds.Contains(id)))
                    {
                        qTail = Math.Max(qTail, qCap);
                    }

                    low -= tail * Math.Log(Math.Max(qTail, double.Epsilon));
                    covered = false;
                }

                lower[d] += low;
                upper[d] += covered ? low : double.PositiveInfinity;
                entropy[d] += reference.Entropy[w][offset];
                if (tuned[0].Id == reference.Argmax[w][offset])
                {
                    agree[d]++;
                }

                count[d]++;
            }
        }

        long positions = count.Sum(c => (long)c);
        var perDocument = Enumerable.Range(0, docs).Select(d => new DocumentForgetting(d, count[d], double.NaN, entropy[d], double.NaN, agree[d])).ToList();
        var bounds = new ForgettingBounds(lower.Sum() / positions, upper.Sum() / positions,
            string.Create(CultureInfo.InvariantCulture, $"the server returns only the top {k} log-probabilities of each model per position (prompt_logprobs), so the tuned model's log-probabilities of the base's likely ids outside its own top {k} are unknown"));
        return new ForgettingResult(double.NaN, entropy.Sum() / positions, double.NaN, agree.Sum() / positions, positions, docs, perDocument, bounds);
    }
}
