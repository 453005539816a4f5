namespace RegressionGuard.Comparison;

/// <summary>The items whose binary outcome changed between the base and the tuned model, each list in input order.</summary>
/// <param name="RightToWrong">Items the base model got right and the tuned model got wrong (McNemar's b).</param>
/// <param name="WrongToRight">Items the base model got wrong and the tuned model got right (McNemar's c).</param>
public sealed record FlipLists<TItem>(IReadOnlyList<TItem> RightToWrong, IReadOnlyList<TItem> WrongToRight);

/// <summary>Lists the flipped items of a paired binary comparison, for reports next to <see cref="McNemar"/>.</summary>
public static class Flips
{
    /// <summary>
    /// The items with base right and tuned wrong, and those with base wrong and tuned right, each in the order of
    /// <paramref name="items"/>; items with the same outcome on both sides appear in neither list.
    /// </summary>
    /// <param name="items">Item identifiers (any type), aligned with the outcome arrays.</param>
    /// <param name="baseCorrect">Whether the base model got each item right.</param>
    /// <param name="tunedCorrect">Whether the tuned model got each item right.</param>
    public static FlipLists<TItem> Find<TItem>(IReadOnlyList<TItem> items, bool[] baseCorrect, bool[] tunedCorrect)
    {
        ArgumentNullException.ThrowIfNull(items);
        PairedArguments.RequireSameLength(baseCorrect, tunedCorrect, nameof(baseCorrect), nameof(tunedCorrect));
        if (items.Count != baseCorrect.Length)
        {
            throw new ArgumentException(
                $"items and baseCorrect must have the same length (one entry per item, aligned); got {items.Count} and {baseCorrect.Length}",
                nameof(items));
        }

        var rightToWrong = new List<TItem>();
        var wrongToRight = new List<TItem>();
        for (int i = 0; i < items.Count; i++)
        {
            if (baseCorrect[i] && !tunedCorrect[i])
            {
                rightToWrong.Add(items[i]);
            }
            else if (!baseCorrect[i] && tunedCorrect[i])
            {
                wrongToRight.Add(items[i]);
            }
        }
        return new FlipLists<TItem>(rightToWrong, wrongToRight);
    }
}
