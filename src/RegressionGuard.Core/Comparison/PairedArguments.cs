namespace RegressionGuard.Comparison;

/// <summary>Argument checks shared by the paired statistics: both sides present and one value per item on each.</summary>
internal static class PairedArguments
{
    /// <summary>Throws <see cref="ArgumentNullException"/> for a missing side and <see cref="ArgumentException"/>
    /// (on <paramref name="tunedName"/>) when the two sides differ in length.</summary>
    public static void RequireSameLength<T>(T[] baseSide, T[] tunedSide, string baseName, string tunedName)
    {
        ArgumentNullException.ThrowIfNull(baseSide, baseName);
        ArgumentNullException.ThrowIfNull(tunedSide, tunedName);
        if (baseSide.Length != tunedSide.Length)
        {
            throw new ArgumentException(
                $"{baseName} and {tunedName} must have the same length (one entry per item, aligned); got {baseSide.Length} and {tunedSide.Length}",
                tunedName);
        }
    }
}
