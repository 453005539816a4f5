using System.Diagnostics;
using System.IO.Compression;
using System.Text;
using RegressionGuard.Testing;

namespace RegressionGuard.Cli.Tests.Packaging;

/// <summary>
/// The .NET tool package end to end: <c>dotnet pack</c> the CLI into a temp folder (build output under a temp
/// artifacts path, so nothing is left in the repository), <c>dotnet tool install --tool-path</c> from that folder,
/// then run the installed tool from the NuGet tool store: <c>--version</c> and a model command, which only works
/// when the packed libLibTorchSharp.so is the patched one (Debian 12's libstdc++ lacks GLIBCXX_3.4.32).
/// </summary>
[Category("Packaging")]
[NonParallelizable]
public sealed class ToolPackageTests
{
    static readonly TimeSpan PackTimeout = TimeSpan.FromMinutes(4);
    static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(1);

    [Test]
    [CancelAfter(300_000)]
    public void Packed_tool_installs_and_runs_a_model()
    {
        var model = SharedData.Path("models/stories260K/stories260K.bin");
        using var temp = new TempFolder("rg-pack");
        var feed = temp.File("feed");
        var tools = temp.File("tools");

        var pack = Dotnet(Repo(), PackTimeout, "pack", Path.Combine(Repo(), "src", "RegressionGuard.Cli"), "-c", "Release",
            "-o", feed, "--artifacts-path", temp.File("artifacts"), "--disable-build-servers", "-nodeReuse:false");
        Assert.That(pack.Code, Is.EqualTo(0), pack.Output);

        var packages = Directory.GetFiles(feed, "*.nupkg");
        Assert.That(packages.Select(Path.GetFileName), Is.EqualTo(new[] { "RegressionGuard.Cli.0.1.0.nupkg" }),
            "one tool package, named <PackageId>.<version>.nupkg");
        using (var zip = ZipFile.OpenRead(packages[0]))
        {
            var entries = zip.Entries.Select(e => e.FullName).ToList();
            Assert.That(entries, Does.Contain("tools/net10.0/linux-x64/DotnetToolSettings.xml"));
            Assert.That(entries, Does.Contain("tools/net10.0/linux-x64/regressionguard"));
            Assert.That(entries, Does.Contain("tools/net10.0/linux-x64/libLibTorchSharp.so"));
            // compiled ahead (ReadyToRun): ours and the libraries we ship
            foreach (var assembly in new[] { "regressionguard.dll", "RegressionGuard.Core.dll", "TorchSharp.dll" })
            {
                using var image = zip.GetEntry($"tools/net10.0/linux-x64/{assembly}")!.Open();
                Assert.That(ReadyToRunImage.Is(image), Is.True, $"{assembly} is ReadyToRun");
            }
        }

        var install = Dotnet(temp.Path, RunTimeout, "tool", "install", "--tool-path", tools, "--source", feed, "RegressionGuard.Cli");
        Assert.That(install.Code, Is.EqualTo(0), install.Output);
        var tool = Path.Combine(tools, "regressionguard");
        Assert.That(File.Exists(tool), Is.True, install.Output);

        var version = Run(tool, temp.Path, RunTimeout, "--version");
        Assert.That(version.Code, Is.EqualTo(0), version.Output);
        Assert.That(version.Output, Does.StartWith("0.1.0"));

        var generate = Run(tool, temp.Path, RunTimeout, "generate", "--model", model, "--prompt", "Once upon a time", "--max-new-tokens", "5", "--json");
        Assert.That(generate.Code, Is.EqualTo(0), $"the installed tool could not run a model (TorchSharp not loadable?):\n{generate.Output}");
        Assert.That(generate.Output, Does.Contain("\"token_ids\"").And.Contain("\"text\""));
        Assert.That(generate.Output, Does.Not.Contain("GLIBCXX"));
    }

    static string Repo()
    {
        return RepositoryFiles.Root;
    }

    static (int Code, string Output) Dotnet(string workingDirectory, TimeSpan timeout, params string[] args) =>
        Run(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet",
            workingDirectory, timeout, args);

    static (int Code, string Output) Run(string file, string workingDirectory, TimeSpan timeout, params string[] args)
    {
        var start = new ProcessStartInfo(file)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        // The test host's MSBuild variables would point a nested `dotnet pack` at the wrong MSBuild.
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(name);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";

        var output = new StringBuilder();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (output) { output.AppendLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (output) { output.AppendLine(e.Data); } } };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            lock (output)
            {
                return (-1, $"timed out after {timeout}: {file} {string.Join(' ', args)}\n{output}");
            }
        }
        process.WaitForExit();
        lock (output)
        {
            return (process.ExitCode, output.ToString());
        }
    }
}
