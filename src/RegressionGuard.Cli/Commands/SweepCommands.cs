using System.CommandLine;
using RegressionGuard.Ledger;
using RegressionGuard.Training.Sweeps;

namespace RegressionGuard.Cli.Commands;

/// <summary><c>regressionguard sweep</c> (fine-tuning grid into the ledger) and <c>regressionguard ledger export</c>.</summary>
public static class SweepCommands
{
    public static Command Sweep()
    {
        var config = new Option<string>("--config", "-c") { Description = "sweep file (YAML)", Required = true };
        var set = SuiteCommands.SetOption();
        var command = new Command("sweep", "Fine-tune a grid of methods × sizes, measure L_ft and L_f at every checkpoint step N, append rows to the ledger. Resumable.");
        command.Add(config);
        command.Add(set);
        command.SetAction(parse =>
        {
            var sweep = SweepConfig.Load(parse.GetValue(config)!, SuiteCommands.Variables(parse.GetValue(set)));
            var error = parse.InvocationConfiguration.Error;
            new SweepRunner(sweep, line => error.WriteLine(line)).Run();
            using var ledger = LedgerStore.Open(sweep.Ledger);
            parse.InvocationConfiguration.Output.WriteLine($"ledger {sweep.Ledger}: {ledger.Rows().Count} rows");
            return CliApp.ExitOk;
        });
        return command;
    }

    public static Command Ledger()
    {
        var ledgerPath = new Option<string>("--ledger") { Description = "ledger database (.db) or CSV", Required = true };
        var output = new Option<string?>("--out") { Description = "CSV file to write (default: standard output)" };
        var where = new Option<string?>("--where") { Description = "filter, e.g. method=lora" };
        var export = new Command("export", "Write ledger rows as CSV (run,method,P,N,L_ft,L_f,… and one column per suite metric).");
        export.Add(ledgerPath);
        export.Add(output);
        export.Add(where);
        export.SetAction(parse =>
        {
            var rows = LedgerFile.Load(parse.GetValue(ledgerPath)!);
            if (parse.GetValue(where) is { } expression)
            {
                var filter = LedgerFilter.Parse(expression);
                rows = rows.Where(filter.Matches).ToList();
            }
            if (parse.GetValue(output) is { } file)
            {
                LedgerCsv.Export(rows, file);
            }
            else
            {
                LedgerCsv.Export(rows, parse.InvocationConfiguration.Output);
            }

            return CliApp.ExitOk;
        });
        var summaryLedger = new Option<string>("--ledger") { Description = "ledger database (.db) or CSV", Required = true };
        var summary = new Command("summary", "Markdown tables of a ledger: L_ft and L_f against N per run, the linear L_f–L_ft fit with R², rows sorted by L_ft.");
        summary.Add(summaryLedger);
        summary.SetAction(parse =>
        {
            parse.InvocationConfiguration.Output.Write(LedgerSummary.Markdown(LedgerFile.Load(parse.GetValue(summaryLedger)!)));
            return CliApp.ExitOk;
        });
        var command = new Command("ledger", "Work with the forgetting ledger.");
        command.Add(export);
        command.Add(summary);
        return command;
    }
}
