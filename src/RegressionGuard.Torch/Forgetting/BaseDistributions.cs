using RegressionGuard.Torch.Runtime;

namespace RegressionGuard.Torch.Forgetting;

/// <summary>
/// The base model's next-token distributions at every scored position of a corpus, the soft targets of L_f.
/// Stored exactly (all V log-probabilities, fp32) when <see cref="TopK"/> equals the vocabulary size; otherwise in
/// a reduced form: the K most likely ids with their log-probabilities plus, per position, the base entropy of the
/// remaining tail (so H stays exact). See <see cref="ForgettingMeter"/> for how the tail enters the cross-entropy.
/// </summary>
public sealed class BaseDistributions
{
    public BaseDistributions(int vocabSize, int topK, IReadOnlyList<TorchLanguageModel.ScoreRequest> windows, int[] windowDocument, int documents)
    {
        VocabSize = vocabSize;
        TopK = topK;
        Windows = windows;
        WindowDocument = windowDocument;
        Documents = documents;
        LogProbs = windows.Select(w => new float[(w.Ids.Length - w.FirstTarget) * topK]).ToArray();
        Indices = topK == vocabSize ? null : windows.Select(w => new int[(w.Ids.Length - w.FirstTarget) * topK]).ToArray();
        TailEntropy = windows.Select(w => new float[w.Ids.Length - w.FirstTarget]).ToArray();
        Argmax = windows.Select(w => new int[w.Ids.Length - w.FirstTarget]).ToArray();
    }

    public int VocabSize { get; }
    public int TopK { get; }
    public bool Exact => TopK == VocabSize;
    public IReadOnlyList<TorchLanguageModel.ScoreRequest> Windows { get; }
    public int[] WindowDocument { get; }
    public int Documents { get; }

    /// <summary>Per window: (positions × K) log-probabilities, fp32, row-major.</summary>
    public float[][] LogProbs { get; }

    /// <summary>Per window: (positions × K) vocabulary ids of <see cref="LogProbs"/>; null when exact.</summary>
    public int[][]? Indices { get; }

    /// <summary>Per window and position: −Σ p log p over the ids not stored (0 when exact).</summary>
    public float[][] TailEntropy { get; }

    /// <summary>Per window and position: the base model's most likely id.</summary>
    public int[][] Argmax { get; }

    public long Positions => Windows.Sum(w => (long)(w.Ids.Length - w.FirstTarget));

    /// <summary>Bytes per scored position in this form: K log-probs (+ K ids when reduced) + tail entropy + argmax.</summary>
    public int BytesPerPosition => 4 * TopK + (Exact ? 0 : 4 * TopK) + 8;
}
