using System.Collections.Concurrent;
using System.Security.Cryptography;
using NUnit.Framework;
using RegressionGuard.Gate;
using RegressionGuard.Reports;
using RegressionGuard.Suites;

namespace RegressionGuard.NUnit;

/// <summary>
/// Turns a gate config (regressionguard.yaml) into NUnit test cases for <c>[TestCaseSource]</c>: one per suite metric
/// with a threshold ("suite/metric"), one for forgetting when configured, each carrying a <see cref="GateCase"/>.
/// The gate runs once per config (full path and content) per process; its reports are written to the config's output
/// folder. Configuration and input errors become a single failing case named "configuration".
/// </summary>
public static class GateCases
{
    /// <summary>The environment variable <see cref="FromEnvironment"/> reads the config path from.</summary>
    public const string ConfigVariable = "REGRESSIONGUARD_GATE_CONFIG";

    /// <summary>The config file name <see cref="FromEnvironment"/> looks for beside the test project.</summary>
    public const string DefaultConfig = "regressionguard.yaml";

    sealed record Run(GateReport? Report, IReadOnlyList<string> Files, string? Problem);

    static readonly ConcurrentDictionary<string, Lazy<Run>> Runs = new();

    /// <summary>The cases of the gate described by <paramref name="configPath"/>.</summary>
    public static IEnumerable<TestCaseData> From(string configPath) => Cases(configPath).Select(Data).ToList();

    /// <summary>
    /// The cases of the config named by <see cref="ConfigVariable"/>, or else of <see cref="DefaultConfig"/> in the
    /// test project's folder (the first folder above the test assembly holding a .csproj). When that default does not
    /// exist, one ignored "configuration" case says how to point the gate at a config.
    /// </summary>
    public static IEnumerable<TestCaseData> FromEnvironment()
    {
        var named = Environment.GetEnvironmentVariable(ConfigVariable);
        if (!string.IsNullOrWhiteSpace(named))
        {
            return From(named);
        }

        var path = Path.Combine(ProjectFolder(), DefaultConfig);
        if (File.Exists(path))
        {
            return From(path);
        }

        var reason = $"no gate config: {path} does not exist. Create it (see docs/gate.md) or set {ConfigVariable}=<path to regressionguard.yaml>.";
        return new[] { Data(GateCase.ForNotConfigured(path, reason)).Ignore(reason) };
    }

    /// <summary>The <see cref="GateCase"/>s of <paramref name="configPath"/> (what <see cref="From"/> wraps).</summary>
    public static IReadOnlyList<GateCase> Cases(string configPath)
    {
        string full;
        string hash;
        try
        {
            full = Path.GetFullPath(configPath);
            hash = Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(full)));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            var message = e is FileNotFoundException or DirectoryNotFoundException
                ? $"gate config not found; create regressionguard.yaml (see docs/gate.md) or set {ConfigVariable}"
                : e.Message;
            return new[] { GateCase.ForConfiguration(configPath, Array.Empty<string>(), message) };
        }
        var run = Runs.GetOrAdd($"{full}\n{hash}", _ => new Lazy<Run>(() => Execute(full), LazyThreadSafetyMode.ExecutionAndPublication)).Value;
        if (run.Report is not { } report)
        {
            return new[] { GateCase.ForConfiguration(full, run.Files, run.Problem!) };
        }

        var cases = new List<GateCase>();
        if (report.Errors.Count > 0)
        {
            cases.Add(GateCase.ForConfiguration(full, run.Files, string.Join(Environment.NewLine, report.Errors)));
        }

        foreach (var suite in report.Suites)
        {
            foreach (var verdict in suite.Metrics.Where(m => m.Threshold is not null))
            {
                cases.Add(GateCase.ForMetric(full, run.Files, suite, verdict));
            }
        }

        if (report.Forgetting is { } forgetting)
        {
            cases.Add(GateCase.ForForgetting(full, run.Files, forgetting));
        }

        return cases;
    }

    static Run Execute(string config)
    {
        try
        {
            var gate = GateConfig.Load(config);
            var report = new GateRunner(gate, line => TestContext.Progress.WriteLine($"regressionguard: {line}")).Run();
            var files = ReportFiles.WriteAll(report, gate.Output);
            return new Run(report, files, null);
        }
        catch (SuiteValidationException e)
        {
            return new Run(null, Array.Empty<string>(), string.Join(Environment.NewLine, e.Errors.Select(error => error.ToString())));
        }
        catch (Exception e)
        {
            return new Run(null, Array.Empty<string>(), $"{e.GetType().Name}: {e.Message}");
        }
    }

    static TestCaseData Data(GateCase gateCase) => new TestCaseData(gateCase).SetName(gateCase.Name);

    static string ProjectFolder()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (dir.EnumerateFiles("*.csproj").Any())
            {
                return dir.FullName;
            }
        }

        return AppContext.BaseDirectory;
    }
}
