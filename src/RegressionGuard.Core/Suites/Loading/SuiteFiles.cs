using Microsoft.Extensions.FileSystemGlobbing;

namespace RegressionGuard.Suites.Loading;

/// <summary>Turns a suite path or glob (<c>*</c>, <c>?</c>, <c>**</c>) into suite files, ordinally sorted.</summary>
public static class SuiteFiles
{
    /// <summary>The files <paramref name="pattern"/> names, relative to <paramref name="relativeTo"/>; a plain path is returned as is (full), a glob that matches nothing gives none.</summary>
    public static IReadOnlyList<string> Expand(string pattern, string relativeTo)
    {
        var full = Path.GetFullPath(pattern, relativeTo);
        if (pattern.IndexOfAny(new[] { '*', '?', '[' }) < 0)
        {
            return new[] { full };
        }

        var root = Path.GetPathRoot(full)!;
        var matcher = new Matcher();
        matcher.AddInclude(full[root.Length..]);
        return matcher.GetResultsInFullPath(root).Order(StringComparer.Ordinal).ToList();
    }
}
