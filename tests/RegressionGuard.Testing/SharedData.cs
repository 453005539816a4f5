using NUnit.Framework;

namespace RegressionGuard.Testing;

/// <summary>
/// The one way tests reach the reference material in <c>../shared</c> (beside the repository root).
/// When it is absent the test is skipped with a clear message, unless <c>REGRESSIONGUARD_REQUIRE_SHARED=1</c>
/// is set (as in <c>.ci/run</c>), in which case the test fails.
/// </summary>
public static class SharedData
{
    public const string RequireVariable = "REGRESSIONGUARD_REQUIRE_SHARED";

    /// <summary>The <c>shared</c> folder beside the repository root, or null when there is none.</summary>
    public static string? Root { get; } = FindRoot();

    /// <summary>The absolute path of <paramref name="relative"/> under ../shared; skips or fails the test when missing.</summary>
    public static string Path(string relative)
    {
        if (Root is null)
        {
            Unavailable($"../shared is not beside the repository (looked upwards from {AppContext.BaseDirectory})");
        }

        var full = System.IO.Path.GetFullPath(System.IO.Path.Combine(Root!, relative));
        if (!File.Exists(full) && !Directory.Exists(full))
        {
            Unavailable($"{relative} is not in {Root}");
        }

        return full;
    }

    static void Unavailable(string why)
    {
        if (Environment.GetEnvironmentVariable(RequireVariable) == "1")
        {
            Assert.Fail($"shared reference data required ({RequireVariable}=1) but {why}");
        }

        Assert.Ignore($"skipped: {why}; put the shared reference folder beside the repository to run this test");
    }

    static string? FindRoot()
    {
        string repository;
        try { repository = RepositoryFiles.Root; }
        catch (DirectoryNotFoundException) { return null; }
        var shared = System.IO.Path.Combine(Directory.GetParent(repository)?.FullName ?? repository, "shared");
        return Directory.Exists(shared) ? shared : null;
    }
}
