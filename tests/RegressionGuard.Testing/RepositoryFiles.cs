namespace RegressionGuard.Testing;

/// <summary>Files of this repository (suites, experiments, examples) for tests, found from the test's output folder.</summary>
public static class RepositoryFiles
{
    /// <summary>The folder holding RegressionGuard.sln.</summary>
    public static string Root { get; } = Find();

    /// <summary>The absolute path of <paramref name="relative"/> under the repository root.</summary>
    public static string Path(string relative) => System.IO.Path.Combine(Root, relative);

    static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "RegressionGuard.sln")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException($"repository root (the folder holding RegressionGuard.sln) not found above {AppContext.BaseDirectory}");
    }
}
