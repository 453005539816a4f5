using RegressionGuard.Modeling;

namespace RegressionGuard.Forgetting;

/// <summary>
/// The base model's next-token distributions at every scored position of a corpus, the soft targets of L_f.
/// Stored exactly (all V probabilities, fp32) when <see cref="TopK"/> equals the vocabulary size; otherwise in a
/// reduced form: the K most likely ids with their probabilities. Either way the base entropy of every position is
/// stored exactly. See the in-process ForgettingMeter for how the tail of the reduced form enters the cross-entropy.
/// </summary>
public sealed class BaseDistributions
{
    public BaseDistributions(int vocabSize, int topK, IReadOnlyList<ScoredWindow> windows, int[] windowDocument, int documents)
    {
        VocabSize = vocabSize;
        TopK = topK;
        Windows = windows;
        WindowDocument = windowDocument;
        Documents = documents;
        Probs = windows.Select(w => new float[(w.Ids.Length - w.FirstTarget) * topK]).ToArray();
        Indices = topK == vocabSize ? null : windows.Select(w => new int[(w.Ids.Length - w.FirstTarget) * topK]).ToArray();
        Entropy = windows.Select(w => new float[w.Ids.Length - w.FirstTarget]).ToArray();
        Argmax = windows.Select(w => new int[w.Ids.Length - w.FirstTarget]).ToArray();
    }

    public int VocabSize { get; }
    public int TopK { get; }
    public bool Exact => TopK == VocabSize;
    public IReadOnlyList<ScoredWindow> Windows { get; }
    public int[] WindowDocument { get; }
    public int Documents { get; }

    /// <summary>Per window: (positions × K) probabilities, fp32, row-major (computed from fp32 log-softmax).</summary>
    public float[][] Probs { get; }

    /// <summary>Per window: (positions × K) vocabulary ids of <see cref="Probs"/>; null when exact.</summary>
    public int[][]? Indices { get; }

    /// <summary>Per window and position: the base entropy −Σ_v p_v log p_v over the whole vocabulary.</summary>
    public float[][] Entropy { get; }

    /// <summary>Per window and position: the base model's most likely id.</summary>
    public int[][] Argmax { get; }

    public long Positions => Windows.Sum(w => (long)(w.Ids.Length - w.FirstTarget));

    /// <summary>Bytes per scored position in this form: K probabilities (+ K ids when reduced) + entropy + argmax.</summary>
    public int BytesPerPosition => 4 * TopK + (Exact ? 0 : 4 * TopK) + 8;
}
