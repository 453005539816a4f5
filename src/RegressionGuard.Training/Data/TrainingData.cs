using System.Text.Json;
using RegressionGuard.Torch.Tokenization;

namespace RegressionGuard.Training.Data;

/// <summary>One training sequence: input ids and next-token targets of equal length; <c>Mask</c> marks targets that count.</summary>
public sealed record TrainingSequence(int[] Input, int[] Target, bool[] Mask)
{
    public int TargetCount => Mask.Count(m => m);
}

/// <summary>
/// Training data for fine-tuning. Plain text (<c>.txt</c>, or JSONL with <c>text</c>) is tokenised as
/// [BOS] + ids per document, concatenated and <b>packed</b> into sequences of seq_len + 1 ids (every target counts).
/// Prompt/completion JSONL is <b>padded</b>: one sequence per example, [BOS] + prompt + completion + EOS, loss on the
/// completion tokens only, cut at seq_len + 1.
/// </summary>
public static class TrainingData
{
    public static IReadOnlyList<TrainingSequence> Load(string path, ITokenizer tokenizer, int seqLen)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{path}: training data not found", path);
        }

        var ext = Path.GetExtension(path).ToLowerInvariant();
        if (ext is ".txt" or ".text")
        {
            return Pack(new[] { File.ReadAllText(path) }, tokenizer, seqLen);
        }

        if (ext != ".jsonl")
        {
            throw new InvalidDataException($"{path}: unsupported training data '{ext}'; expected .txt or .jsonl with 'text' or 'prompt'/'completion'");
        }

        var texts = new List<string>();
        var pairs = new List<(string Prompt, string Completion)>();
        int line = 0;
        foreach (var raw in File.ReadLines(path))
        {
            line++;
            if (string.IsNullOrWhiteSpace(raw))
            {
                continue;
            }

            JsonElement root;
            try { root = JsonDocument.Parse(raw).RootElement; }
            catch (JsonException e) { throw new InvalidDataException($"{path}:{line}:{e.BytePositionInLine + 1}: invalid JSON: {e.Message}", e); }
            if (root.TryGetProperty("prompt", out var p) && root.TryGetProperty("completion", out var c))
            {
                pairs.Add((p.GetString() ?? "", c.GetString() ?? ""));
            }
            else if (root.TryGetProperty("text", out var t))
            {
                texts.Add(t.GetString() ?? "");
            }
            else
            {
                throw new InvalidDataException($"{path}:{line}:1: expected field 'text' or fields 'prompt' and 'completion'; fields here: {string.Join(", ", root.EnumerateObject().Select(x => x.Name))}");
            }
        }
        if (texts.Count > 0 && pairs.Count > 0)
        {
            throw new InvalidDataException($"{path}: mixes 'text' lines ({texts.Count}) and 'prompt'/'completion' lines ({pairs.Count}); use one kind per file");
        }

        return pairs.Count > 0 ? Pad(pairs, tokenizer, seqLen) : Pack(texts, tokenizer, seqLen);
    }

    static List<TrainingSequence> Pack(IEnumerable<string> documents, ITokenizer tokenizer, int seqLen)
    {
        var stream = new List<int>();
        foreach (var doc in documents)
        {
            // [BOS, else EOS] + text: the same document prefix as scoring (TokenizerRules.DocumentPrefixId).
            stream.AddRange(tokenizer.EncodeDocument(doc));
        }
        var sequences = new List<TrainingSequence>();
        for (int start = 0; start + seqLen + 1 <= stream.Count; start += seqLen)
        {
            var input = stream.GetRange(start, seqLen).ToArray();
            var target = stream.GetRange(start + 1, seqLen).ToArray();
            sequences.Add(new TrainingSequence(input, target, Enumerable.Repeat(true, seqLen).ToArray()));
        }
        return sequences;
    }

    static List<TrainingSequence> Pad(IEnumerable<(string Prompt, string Completion)> pairs, ITokenizer tokenizer, int seqLen)
    {
        var sequences = new List<TrainingSequence>();
        foreach (var (prompt, completion) in pairs)
        {
            // The prompt as the model receives it at evaluation ([BOS] when the tokenizer adds it), then the completion.
            var ids = new List<int>(tokenizer.EncodePrompt(prompt));
            int promptLength = ids.Count;
            ids.AddRange(tokenizer.EncodePrompt(prompt + completion).Skip(promptLength));
            if (tokenizer.EosId is int eos)
            {
                ids.Add(eos);
            }

            if (ids.Count > seqLen + 1)
            {
                ids = ids.GetRange(0, seqLen + 1);
            }

            int n = ids.Count - 1;
            var input = new int[seqLen];
            var target = new int[seqLen];
            var mask = new bool[seqLen];
            for (int t = 0; t < n; t++)
            {
                input[t] = ids[t];
                target[t] = ids[t + 1];
                mask[t] = t + 1 >= promptLength;
            }
            sequences.Add(new TrainingSequence(input, target, mask));
        }
        return sequences;
    }

    /// <summary>A seeded held-out split: every k-th sequence in a seeded permutation goes to evaluation.</summary>
    public static (IReadOnlyList<TrainingSequence> Train, IReadOnlyList<TrainingSequence> Eval) Split(IReadOnlyList<TrainingSequence> all, double evalFraction, int seed)
    {
        int evalCount = (int)Math.Round(all.Count * evalFraction);
        if (evalFraction > 0 && evalCount == 0 && all.Count > 1)
        {
            evalCount = 1;
        }

        var order = Enumerable.Range(0, all.Count).OrderBy(i => StepRandom.Hash(seed, i, 0x5EED)).ToArray();
        var evalSet = order.Take(evalCount).ToHashSet();
        return (all.Where((_, i) => !evalSet.Contains(i)).ToList(), all.Where((_, i) => evalSet.Contains(i)).ToList());
    }
}

/// <summary>
/// Stateless, version-stable randomness for training: everything random about step s (which sequences, which
/// replay examples) is a hash of (seed, step, stream), so a resumed run draws exactly what an uninterrupted one would.
/// </summary>
public static class StepRandom
{
    /// <summary>SplitMix64 finaliser over the three inputs.</summary>
    public static ulong Hash(int seed, long a, long b)
    {
        ulong z = unchecked((ulong)seed * 0x9E3779B97F4A7C15UL + (ulong)a * 0xBF58476D1CE4E5B9UL + (ulong)b * 0x94D049BB133111EBUL + 0x632BE59BD9B4E019UL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>An index in [0, n) for (seed, step, slot).</summary>
    public static int Index(int seed, long step, long slot, int n) => (int)(Hash(seed, step, slot) % (ulong)n);
}
