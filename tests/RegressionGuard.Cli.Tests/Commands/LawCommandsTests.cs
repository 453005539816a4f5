using System.Text.Json;
using RegressionGuard.Law;
using RegressionGuard.Testing;

namespace RegressionGuard.Cli.Tests.Commands;

public sealed class LawCommandsTests
{
    static string ExperimentLedger()
    {
        return Path.Combine(RepositoryFiles.Root, "experiments/stories260k_shakespeare/ledger.csv");
    }

    [Test]
    public void Fit_writes_a_law_with_plots_and_predict_round_trips_it()
    {
        using var dir = new TempFolder();
        var law = dir.File("law.yaml");
        var fit = CliRun.Of("fit", "--ledger", ExperimentLedger(), "--where", "method=lora", "--out", law, "--plots", dir.File("plots"), "--resamples", "50");
        Assert.That(fit.ExitCode, Is.Zero, fit.Error);
        Assert.That(fit.Out, Does.Contain("| power | 4 |").And.Contain("| saturating | 6 |").And.Contain("| linear | 2 |"));
        Assert.That(Directory.GetFiles(dir.File("plots"), "*.png").Select(Path.GetFileName), Is.EquivalentTo(new[] { "lf_vs_n.png", "lf_vs_lft.png", "frontier.png", "predicted_vs_observed.png" }));
        Assert.That(new FileInfo(Path.Combine(dir.File("plots"), "frontier.png")).Length, Is.GreaterThan(10_000));
        Assert.That(new FileInfo(Path.Combine(dir.File("plots"), "lf_vs_n.png")).Length, Is.GreaterThan(10_000));

        var loaded = LawFile.Load(law);
        var predict = CliRun.Of("law", "predict", "--law", law, "--P", "4480", "--N", "320", "--budget", "3.0", "--json");
        Assert.That(predict.ExitCode, Is.Zero, predict.Error);
        var root = JsonDocument.Parse(predict.Out).RootElement;
        Assert.That(root.GetProperty("lf").GetDouble(), Is.EqualTo(loaded.Predict(4480, 320).Value).Within(1e-12));
        if (root.GetProperty("n_star").ValueKind == JsonValueKind.Number)
        {
            Assert.That(loaded.Predict(4480, root.GetProperty("n_star").GetDouble()).Value, Is.EqualTo(3.0).Within(3.0 * 1e-6));
        }
    }

    [Test]
    public void A_ledger_too_small_for_any_form_is_refused_with_the_reasons()
    {
        using var dir = new TempFolder();
        var run = CliRun.Of("fit", "--ledger", ExperimentLedger(), "--where", "method=full", "--out", dir.File("law.yaml"));
        Assert.That(run.ExitCode, Is.EqualTo(2));
        Assert.That(run.Error, Is.EqualTo("error: cannot fit any law form to these rows: saturating — it has 6 parameters and needs at least 9 usable rows, got 5; power — it has 4 parameters and needs at least 7 usable rows, got 5; linear — the bootstrap resamples runs and needs at least 2, got 1 ('full')" + Environment.NewLine));
        Assert.That(File.Exists(dir.File("law.yaml")), Is.False);
    }
}
