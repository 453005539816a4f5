namespace RegressionGuard.Ledger;

/// <summary>
/// The learning–forgetting frontier (Biderman et al., "LoRA Learns Less and Forgets Less", arXiv 2405.09673): methods
/// compared by where their checkpoints sit on the plane of fine-tuning loss L_ft (lower = learned more) against
/// forgetting L_f (lower = forgot less). A method's frontier is its Pareto-optimal checkpoints: those no other
/// checkpoint of the method beats on both.
/// </summary>
public static class LearningForgettingFrontier
{
    /// <summary>Per method (ordinal order), its non-dominated rows ordered by L_ft ascending (so L_f descends along it).</summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<LedgerRow>> ByMethod(IEnumerable<LedgerRow> rows) =>
        rows.Where(r => double.IsFinite(r.LFt) && double.IsFinite(r.Lf))
            .GroupBy(r => r.Method)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => Of(g), StringComparer.Ordinal);

    /// <summary>The rows that no other row beats on both L_ft and L_f, ordered by L_ft ascending.</summary>
    public static IReadOnlyList<LedgerRow> Of(IEnumerable<LedgerRow> rows)
    {
        var frontier = new List<LedgerRow>();
        double best = double.PositiveInfinity;
        foreach (var row in rows.OrderBy(r => r.LFt).ThenBy(r => r.Lf).ThenBy(r => r.Cell, StringComparer.Ordinal))
        {
            if (row.Lf < best)
            {
                frontier.Add(row);
                best = row.Lf;
            }
        }
        return frontier;
    }
}
