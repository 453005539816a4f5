namespace RegressionGuard.Modeling;

/// <summary>One forward window over a document's ids: input ids [Start, Start + Length) of which the targets at
/// positions [PredictFrom, Start + Length) are scored (each target id t is predicted from ids before t).</summary>
public readonly record struct TokenWindow(int Start, int Length, int PredictFrom)
{
    public int End => Start + Length;
    public int Predicted => End - PredictFrom;
}

/// <summary>
/// How documents longer than the context are split. Every id after the first (BOS) is predicted exactly once.
/// The first window covers ids [0, L); each later window starts <c>stride</c> ids further and scores only the ids not
/// scored before, so every scored id sees at least L − stride ids of context (the sliding-window rule of the Hugging
/// Face perplexity guide). With truncation the document is cut to its first L ids and scored in one window.
/// </summary>
public static class RollingWindows
{
    public static IReadOnlyList<TokenWindow> Plan(int tokenCount, int contextLength, RollingOptions options)
    {
        if (contextLength < 2)
        {
            throw new ArgumentOutOfRangeException(nameof(contextLength), contextLength, "context length must be at least 2");
        }

        if (tokenCount < 2)
        {
            return Array.Empty<TokenWindow>();
        }

        if (options.Truncate || tokenCount <= contextLength)
        {
            int length = Math.Min(tokenCount, contextLength);
            return new[] { new TokenWindow(0, length, 1) };
        }
        int stride = options.Stride ?? contextLength / 2;
        if (stride < 1 || stride > contextLength - 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), stride, $"stride must be between 1 and {contextLength - 1} (context length − 1)");
        }

        var windows = new List<TokenWindow>();
        int scoredUpTo = 1; // ids [1, scoredUpTo) already scored
        for (int start = 0; scoredUpTo < tokenCount; start += stride)
        {
            int end = Math.Min(start + contextLength, tokenCount);
            if (end <= scoredUpTo)
            {
                continue;
            }

            windows.Add(new TokenWindow(start, end - start, scoredUpTo));
            scoredUpTo = end;
        }
        return windows;
    }
}
