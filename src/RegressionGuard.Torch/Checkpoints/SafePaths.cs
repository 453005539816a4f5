namespace RegressionGuard.Torch.Checkpoints;

/// <summary>Resolves file names found inside checkpoint metadata without letting them escape their folder.</summary>
public static class SafePaths
{
    public static string Within(string folder, string relative, string mentionedIn)
    {
        var root = Path.GetFullPath(folder);
        var full = Path.GetFullPath(Path.Combine(root, relative));
        if (Path.IsPathRooted(relative) || !full.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            throw new CheckpointException($"{mentionedIn}: file name '{relative}' points outside '{root}'; shard names must be plain file names in the model folder");
        }

        return full;
    }
}
