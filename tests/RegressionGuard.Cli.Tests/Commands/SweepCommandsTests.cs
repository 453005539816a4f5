using System.Diagnostics;
using RegressionGuard.Ledger;
using RegressionGuard.Testing;

namespace RegressionGuard.Cli.Tests.Commands;

public sealed class SweepCommandsTests
{
    static string WriteSweep(TempFolder dir)
    {
        var path = dir.File("sweep.yaml");
        File.WriteAllText(path, $$"""
            schema: 1
            model: {{SharedData.Path("models/stories260K/stories260K.bin")}}
            data: {{SharedData.Path("datasets/tinyshakespeare/input.txt")}}
            corpus: {{SharedData.Path("datasets/tinystories/TinyStories-valid.first46.jsonl")}}
            ledger: ledger.db
            out: runs
            steps: [3, 6, 9]
            defaults: {batch_size: 2, seq_len: 32, lr: 0.002, eval_batches: 1}
            runs:
              - {name: lora-r2, method: lora, lora_r: 2, lora_alpha: 4}
              - {name: full, method: full, lr: 0.0005}
            """);
        return path;
    }

    [Test]
    public void A_sweep_whose_suite_has_a_prompt_too_long_under_truncate_error_stops_before_any_training()
    {
        // Given a sweep with a generation suite (truncate: error, the default) whose second prompt exceeds the 512-token context
        using var dir = new TempFolder();
        var sweep = WriteSweep(dir);
        var longText = string.Join(' ', Enumerable.Repeat("Once upon a time there was a little girl.", 80));
        File.WriteAllText(dir.File("gen.yaml"), $$"""
            schema: 1
            id: gen
            task: generate
            generation: {max_new_tokens: 4}
            templates: {prompt: "{{Prompt}}", target: "x"}
            items:
              - {p: "Once upon a time"}
              - {p: "{{longText}}"}
            """);
        File.AppendAllText(sweep, "\nsuites: [gen.yaml]\n");

        // When the sweep runs
        var run = CliRun.Of("sweep", "--config", sweep);

        // Then it exits 2 naming the suite file and the row, and nothing was trained
        Assert.That(run.ExitCode, Is.EqualTo(2), run.Out + run.Error);
        Assert.That(run.Error, Does.Contain($"{dir.File("gen.yaml")}:1:1: the prompt does not fit the model's context of 512 tokens with generation.max_new_tokens 4"));
        Assert.That(run.Error, Does.Contain($"1 row: {dir.File("gen.yaml")}:items[1]:"));
        Assert.That(Directory.Exists(dir.File("runs")), Is.False, "no run was started");
    }

    const string Prompt = "{{ p }}";

    [Test]
    public void A_sweep_killed_mid_run_and_run_again_completes_the_grid_without_duplicates()
    {
        using var dir = new TempFolder();
        var sweep = WriteSweep(dir);
        var ledger = dir.File("ledger.db");
        var cli = Path.Combine(AppContext.BaseDirectory, "regressionguard.dll");
        using (var process = Process.Start(new ProcessStartInfo("dotnet", new[] { cli, "sweep", "--config", sweep }) { RedirectStandardError = true, RedirectStandardOutput = true })!)
        {
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < TimeSpan.FromSeconds(120) && !process.HasExited)
            {
                Thread.Sleep(200);
                if (File.Exists(ledger) && RowCount(ledger) >= 2)
                {
                    break;
                }
            }
            Assert.That(process.HasExited, Is.False, "the sweep must still be running when it is killed");
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }
        int before = RowCount(ledger);
        Assert.That(before, Is.InRange(2, 5), "killed part-way through the grid");

        var run = CliRun.Of("sweep", "--config", sweep);
        Assert.That(run.ExitCode, Is.Zero, run.Error);
        using var store = LedgerStore.Open(ledger);
        var cells = store.Rows().Select(r => r.Cell).ToList();
        Assert.That(cells, Is.EquivalentTo(new[] { "lora-r2@N=3", "lora-r2@N=6", "lora-r2@N=9", "full@N=3", "full@N=6", "full@N=9" }));
        Assert.That(store.Rows().All(r => r.Lf > 0 && r.LFt > 0 && r.P > 0));
        // every checkpoint also carries the cheap signals: KL on the fine-tuning data and the weight-space diagnostics
        Assert.That(store.Rows().All(r => r.KlTrain > 0 && r.DeltaFrobenius > 0 && r.DeltaStableRank >= 1 && r.Intruders >= 0));
        var lora = store.Rows().Where(r => r.Run == "lora-r2").OrderBy(r => r.N).ToList();
        Assert.That(lora.Select(r => r.DeltaStableRank), Is.All.LessThanOrEqualTo(2 + 1e-9), "a rank-2 adapter's ΔW has stable rank ≤ 2");

        var again = CliRun.Of("sweep", "--config", sweep);
        Assert.That(again.Error, Does.Contain("2 runs already complete"));
    }

    static int RowCount(string path)
    {
        try
        {
            using var store = LedgerStore.Open(path);
            return store.Rows().Count;
        }
        catch (LedgerException)
        {
            return 0;
        }
        catch (Microsoft.Data.Sqlite.SqliteException)
        {
            return 0;
        }
    }

    [Test]
    public void Ledger_export_writes_the_core_columns()
    {
        using var dir = new TempFolder();
        var ledger = dir.File("l.db");
        using (var store = LedgerStore.Open(ledger))
        {
            store.Append(new LedgerRow { Run = "r", Cell = "r@N=1", Method = "lora", P = 10, N = 1, LFt = 2.5, Lf = 1.5 });
        }

        var run = CliRun.Of("ledger", "export", "--ledger", ledger);
        Assert.That(run.ExitCode, Is.Zero, run.Error);
        Assert.That(run.Out, Does.StartWith("run,method,P,N,L_ft,L_f"));
        Assert.That(run.Out, Does.Contain("r,lora,10,1,2.5,1.5"));
    }
}
