using RegressionGuard.Testing;

namespace RegressionGuard.Cli.Tests;

/// <summary>The CLI's multicore JIT profile: one file per command in the cache folder, harmless when damaged, off on request.</summary>
public sealed class JitProfileTests
{
    static readonly string Cache = Path.Combine(Path.GetTempPath(), "cache");

    static JitProfileLocation? Locate(params string[] args) => JitProfile.Locate(CliApp.BuildRoot(), args, () => Cache);

    [Test]
    public void A_command_s_profile_is_named_after_its_command_path_in_the_cache_s_jit_folder()
    {
        Assert.That(Locate("gate", "--config", "gate.yaml"), Is.EqualTo(new JitProfileLocation(Path.Combine(Cache, "jit"), "gate.jitprofile")));
        Assert.That(Locate("suite", "validate", "a.yaml")!.File, Is.EqualTo("suite-validate.jitprofile"));
        Assert.That(Locate("suite", "gate")!.File, Is.EqualTo("suite.jitprofile"), "an argument that names a command elsewhere is not a subcommand here");
    }

    [Test]
    public void No_command_means_no_profile_so_nothing_a_user_typed_becomes_a_file_name()
    {
        Assert.That(Locate(), Is.Null);
        Assert.That(Locate("--help"), Is.Null);
        Assert.That(Locate("gtae", "--config", "gate.yaml"), Is.Null);
        Assert.That(Locate("../../etc/passwd"), Is.Null);
    }

    [Test]
    public void A_help_run_of_a_command_leaves_the_command_s_profile_alone()
    {
        Assert.That(Locate("gate", "--help"), Is.Null);
        Assert.That(Locate("suite", "validate", "-h"), Is.Null);
        Assert.That(Locate("gate", "--config", "g.yaml", "--version"), Is.Null);
    }

    [Test]
    public void The_setting_is_on_by_default_off_on_request_and_anything_else_is_named_with_what_is_valid()
    {
        Assert.That(new[] { null, "", "on", "1", "TRUE" }.Select(JitProfile.IsOn), Is.All.True);
        Assert.That(new[] { "off", "0", "False", " off " }.Select(JitProfile.IsOn), Is.All.False);
        Assert.That(JitProfile.IsOn("sometimes"), Is.Null);
        Assert.That(JitProfile.InvalidSetting("sometimes"), Is.EqualTo(
            "warning: REGRESSIONGUARD_JIT_PROFILE is 'sometimes'; expected off, 0, false (no JIT profile) or on, 1, true (the default); running without a JIT profile"));
    }

    [Test]
    public void A_run_of_the_cli_writes_its_command_s_profile_and_a_damaged_profile_changes_nothing_it_prints()
    {
        // Given a cache folder and a suite to validate
        using var dir = new TempFolder();
        var suite = WriteSuite(dir);

        // When the CLI runs as its own process, it records suite-validate's profile in <cache>/jit
        var first = RunCli(dir.Path, null, "suite", "validate", suite);
        Assert.That(first.Code, Is.Zero, first.Error);
        var profile = Path.Combine(dir.Path, "jit", "suite-validate.jitprofile");
        Assert.That(new FileInfo(profile).Length, Is.GreaterThan(0));

        // Then a profile overwritten with garbage is ignored: same exit code, same output
        File.WriteAllBytes(profile, Enumerable.Range(0, 4096).Select(i => (byte)(i * 37 + 11)).ToArray());
        var damaged = RunCli(dir.Path, null, "suite", "validate", suite);
        Assert.That((damaged.Code, damaged.Out, damaged.Error), Is.EqualTo((first.Code, first.Out, first.Error)));

        // And with profiles off, no profile is written
        using var off = new TempFolder();
        var quiet = RunCli(off.Path, "off", "suite", "validate", suite);
        Assert.That((quiet.Code, quiet.Out), Is.EqualTo((first.Code, first.Out)));
        Assert.That(Directory.Exists(Path.Combine(off.Path, "jit")), Is.False);
    }

    [Test]
    public void While_another_run_owns_a_command_s_profile_a_run_neither_reads_nor_writes_it()
    {
        // Given a profile whose lock another process holds (here: this test), and a file that is not a profile
        using var dir = new TempFolder();
        var suite = WriteSuite(dir);
        var location = JitProfile.Locate(CliApp.BuildRoot(), ["suite", "validate", suite], () => dir.Path)!;
        Directory.CreateDirectory(location.Folder);
        var profile = Path.Combine(location.Folder, location.File);
        var garbage = Enumerable.Range(0, 512).Select(i => (byte)i).ToArray();
        File.WriteAllBytes(profile, garbage);
        using var held = new FileStream(JitProfile.LockPath(location), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);

        // When the command runs
        var run = RunCli(dir.Path, null, "suite", "validate", suite);

        // Then it ran, and the profile is as it was
        Assert.That(run.Code, Is.Zero, run.Error);
        Assert.That(File.ReadAllBytes(profile), Is.EqualTo(garbage));

        // And once the lock is free, the next run writes its own
        held.Dispose();
        Assert.That(RunCli(dir.Path, null, "suite", "validate", suite).Code, Is.Zero);
        Assert.That(File.ReadAllBytes(profile), Is.Not.EqualTo(garbage));
    }

    internal static string WriteSuite(TempFolder dir)
    {
        var suite = dir.File("s.yaml");
        File.WriteAllText(suite, """
            schema: 1
            id: s
            version: 1
            kind: reasoning
            task: generate
            templates: {prompt: "{{ p }}", target: "{{ t }}"}
            items:
              - {p: "Q: 1 + 1?", t: "2"}
            """);
        return suite;
    }

    static (int Code, string Out, string Error) RunCli(string cache, string? setting, params string[] args) =>
        CliProcess.Run(cache, new Dictionary<string, string?> { [JitProfile.EnvironmentVariable] = setting }, args);
}
