using RegressionGuard.Ledger;
using RegressionGuard.Suites;
using RegressionGuard.Testing;
using RegressionGuard.Testing.Fuzzing;
using RegressionGuard.Training.Sweeps;

namespace RegressionGuard.Training.Tests.Sweeps;

/// <summary>The sweep config loader on mutated and generated sweep files (written to a temporary folder, so relative paths name nothing).</summary>
[NonParallelizable]
public sealed class SweepConfigFuzzTests
{
    static readonly string[] Shipped = ["suites/organism/sweep.yaml", "experiments/organism_qv_lora/sweep.yaml", "experiments/stories260k_shakespeare/sweep.yaml"];

    static bool Typed(Exception e) => e is SuiteValidationException or SuiteDataException or LedgerException or InvalidDataException;

    static void Run(string name, CsCheck.Gen<string> inputs, int cases)
    {
        using var dir = new TempFolder("rg-fuzz-sweep");
        var file = dir.File("sweep.yaml");
        LoaderFuzz.Run(name, inputs, text =>
        {
            // a file holds bytes: an unpaired surrogate of the generated text is written as U+FFFD
            File.WriteAllBytes(file, new System.Text.UTF8Encoding(false, throwOnInvalidBytes: false).GetBytes(text));
            SweepConfig.Load(file);
        }, Typed, cases);
    }

    [Test]
    public void Mutated_sweep_files_load_or_fail_with_config_errors_only() =>
        Run("sweep config (mutated)", LoaderFuzz.Mutated(LoaderFuzz.Seeds(Shipped)), LoaderFuzz.MutatedCases);

    [Test]
    public void Generated_sweep_files_load_or_fail_with_config_errors_only() =>
        Run("sweep config (generated)", LoaderFuzz.Generated(LoaderFuzz.Seeds(Shipped)), LoaderFuzz.GeneratedCases);
}
