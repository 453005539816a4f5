namespace RegressionGuard.Forgetting;

/// <summary>
/// How L_f's corpus is cut into scoring groups: consecutive runs of <c>size</c> documents (the batch size), the last
/// one shorter. A model scores each group's windows in batches of their own (never mixed with another group's), so a
/// position's numbers depend only on its group: the whole corpus and any union of whole groups (a shard, see
/// ShardSpec.SelectGroups) give the same bits for every document. The cut is a function of the document count and
/// the size alone, so re-cutting the documents of whole groups, kept in corpus order, gives the same groups.
/// </summary>
public static class ForgettingGroups
{
    /// <summary>The groups of <paramref name="documents"/> documents, in order: (first document, number of documents).</summary>
    public static IEnumerable<(int Start, int Count)> Of(int documents, int size)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(documents);
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        for (int start = 0; start < documents; start += size)
        {
            yield return (start, Math.Min(size, documents - start));
        }
    }

    /// <summary>
    /// The groups of scored windows (each window's document in <paramref name="windowDocument"/>, windows in document
    /// order): for each group, the range of its windows.
    /// </summary>
    public static IEnumerable<Range> Windows(IReadOnlyList<int> windowDocument, int documents, int size)
    {
        ArgumentNullException.ThrowIfNull(windowDocument);
        int w = 0;
        foreach (var (start, count) in Of(documents, size))
        {
            int first = w;
            while (w < windowDocument.Count && windowDocument[w] < start + count)
            {
                if (windowDocument[w] < start)
                {
                    throw new ArgumentException($"window {w} belongs to document {windowDocument[w]}, before document {start}: windows must be in document order", nameof(windowDocument));
                }

                w++;
            }
            if (w > first)
            {
                yield return first..w;
            }
        }
        if (w != windowDocument.Count)
        {
            throw new ArgumentException($"window {w} belongs to document {windowDocument[w]}, outside the {documents} documents", nameof(windowDocument));
        }
    }
}
