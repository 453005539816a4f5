using RegressionGuard.Modeling;

namespace RegressionGuard.Forgetting;

/// <summary>
/// How L_f's corpus is cut into scoring groups: the documents ordered by their number of scored positions (largest
/// first, then corpus order), cut into runs of <c>size</c> documents (the batch size; the last run shorter). A model
/// scores each group's windows in batches of their own, never mixed with another group's, so a position's numbers
/// depend only on its group: the whole corpus and any union of whole groups (a shard, see ShardSpec.SelectGroups) give
/// the same bits for every document. Ordering by size keeps a group's windows of similar length (little padding), as
/// sorting the whole corpus would. Re-cutting the documents of whole groups, kept in corpus order, gives the same
/// groups: their order is kept, and every group but the last is full.
/// </summary>
public static class ForgettingGroups
{
    /// <summary>The groups, each its documents' indices in group order, from each document's number of scored positions.</summary>
    public static List<int[]> Of(IReadOnlyList<int> documentPositions, int size)
    {
        ArgumentNullException.ThrowIfNull(documentPositions);
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        var order = Enumerable.Range(0, documentPositions.Count).OrderByDescending(d => documentPositions[d]).ThenBy(d => d).ToArray();
        return order.Chunk(size).ToList();
    }

    /// <summary>Each document's number of scored positions: the sum over its windows.</summary>
    public static int[] DocumentPositions(IReadOnlyList<ScoredWindow> windows, IReadOnlyList<int> windowDocument, int documents)
    {
        ArgumentNullException.ThrowIfNull(windows);
        ArgumentNullException.ThrowIfNull(windowDocument);
        var positions = new int[documents];
        for (int w = 0; w < windows.Count; w++)
        {
            positions[windowDocument[w]] += windows[w].Ids.Length - windows[w].FirstTarget;
        }

        return positions;
    }

    /// <summary>The windows of each group (indices into <paramref name="windows"/>, in window order), groups in order.</summary>
    public static List<int[]> Windows(IReadOnlyList<ScoredWindow> windows, IReadOnlyList<int> windowDocument, int documents, int size)
    {
        var groups = Of(DocumentPositions(windows, windowDocument, documents), size);
        var groupOf = new int[documents];
        for (int g = 0; g < groups.Count; g++)
        {
            foreach (var d in groups[g])
            {
                groupOf[d] = g;
            }
        }

        var members = groups.Select(_ => new List<int>()).ToList();
        for (int w = 0; w < windows.Count; w++)
        {
            members[groupOf[windowDocument[w]]].Add(w);
        }

        return members.Where(m => m.Count > 0).Select(m => m.ToArray()).ToList();
    }
}
