using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using RegressionGuard.Law;
using RegressionGuard.Ledger;
using RegressionGuard.Plots;

namespace RegressionGuard.Cli.Commands;

/// <summary><c>regressionguard fit</c> (ledger → law.yaml + plots) and <c>regressionguard law predict</c>.</summary>
public static class LawCommands
{
    public static Command Fit()
    {
        var ledger = new Option<string>("--ledger") { Description = "ledger: .db (SQLite) or .csv", Required = true };
        var where = new Option<string?>("--where") { Description = "only rows matching, e.g. method=lora" };
        var form = new Option<string>("--form") { Description = "saturating | power | linear | auto (fit all, pick by leave-one-out RMSE)", DefaultValueFactory = _ => "auto" };
        form.AcceptOnlyFromAmong("saturating", "power", "linear", "auto");
        var output = new Option<string>("--out") { Description = "law file to write (YAML)", Required = true };
        var plots = new Option<string?>("--plots") { Description = "folder for PNG plots (L_f vs N per P, L_f vs L_ft, the learning–forgetting frontier per method, predicted vs observed)" };
        var resamples = new Option<int>("--resamples") { Description = "bootstrap resamples (over runs) for the parameter CIs", DefaultValueFactory = _ => FitOptions.DefaultResamples };
        var command = new Command("fit", "Fit a forgetting scaling law to a ledger and write law.yaml (parameters with CIs, diagnostics, provenance).");
        foreach (var o in new Option[] { ledger, where, form, output, plots, resamples })
        {
            command.Add(o);
        }

        command.SetAction(parse =>
        {
            var rows = LedgerFile.Load(parse.GetValue(ledger)!);
            if (parse.GetValue(where) is { } expression)
            {
                var filter = LedgerFilter.Parse(expression);
                rows = rows.Where(filter.Matches).ToList();
            }
            var fit = LawFitter.Fit(rows, parse.GetValue(form)!, new FitOptions { Resamples = parse.GetValue(resamples) });
            LawFile.Save(fit, parse.GetValue(output)!, LawProvenance.Now(LedgerHash.Of(rows)));
            var o = parse.InvocationConfiguration.Output;
            o.WriteLine($"{rows.Count} rows, {rows.Select(r => r.Run).Distinct().Count()} runs → {parse.GetValue(output)}");
            o.WriteLine("| form | parameters | R² | RMSE | LOO RMSE | chosen |");
            o.WriteLine("|---|---|---|---|---|---|");
            foreach (var c in fit.Candidates)
            {
                o.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {c.Form.ToString().ToLowerInvariant()} | {c.ParameterCount} | {F(c.R2)} | {F(c.Rmse)} | {F(c.LooRmse)} | {(c.Chosen ? "yes" : c.Refusal ?? "")} |"));
            }

            o.WriteLine($"{fit.Form.ToString().ToLowerInvariant()} law:");
            foreach (var p in fit.Parameters)
            {
                o.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {p.Name,-5} = {p.Value,10:G5}   95% CI [{p.Lower:G5}, {p.Upper:G5}]"));
            }

            if (parse.GetValue(plots) is { } folder)
            {
                foreach (var file in LawPlots.Write(fit, rows, folder))
                {
                    o.WriteLine($"plot {file}");
                }
            }

            return CliApp.ExitOk;
        });
        return command;
    }

    static string F(double? v) => v is double d ? d.ToString("F4", CultureInfo.InvariantCulture) : "—";

    public static Command Law()
    {
        var lawPath = new Option<string>("--law") { Description = "law file (YAML) written by 'fit'", Required = true };
        var p = new Option<double>("--P") { Description = "trainable non-embedding parameters", Required = true };
        var n = new Option<double?>("--N") { Description = "optimizer steps" };
        var lft = new Option<double?>("--lft") { Description = "fine-tuning loss (for linear laws)" };
        var budget = new Option<double?>("--budget") { Description = "forgetting budget in nats: also report N*, the steps at which L_f reaches it" };
        var json = new Option<bool>("--json") { Description = "print JSON" };
        var predict = new Command("predict", "Predicted L_f with a 95% prediction interval; N* for a budget.");
        foreach (var o in new Option[] { lawPath, p, n, lft, budget, json })
        {
            predict.Add(o);
        }

        predict.SetAction(parse =>
        {
            var law = LawFile.Load(parse.GetValue(lawPath)!);
            double pv = parse.GetValue(p);
            LawPrediction? prediction = parse.GetValue(lft) is double l ? law.PredictFromLft(l)
                : parse.GetValue(n) is double nv ? law.Predict(pv, nv) : null;
            BudgetCrossing? crossing = parse.GetValue(budget) is double b ? law.StepsToBudget(pv, b) : null;
            if (prediction is null && crossing is null)
            {
                throw new UsageException("give --N (or --lft for a linear law) to predict, and/or --budget for N*");
            }

            var o = parse.InvocationConfiguration.Output;
            if (parse.GetValue(json))
            {
                o.WriteLine(JsonSerializer.Serialize(new
                {
                    lf = prediction?.Value,
                    lower = prediction?.Lower,
                    upper = prediction?.Upper,
                    level = prediction?.Level,
                    budget = parse.GetValue(budget),
                    n_star = crossing?.Steps,
                    n_star_reason = crossing?.Reason,
                }));
                return CliApp.ExitOk;
            }
            if (prediction is not null)
            {
                o.WriteLine(string.Create(CultureInfo.InvariantCulture, $"L_f = {prediction.Value:F4} nats/token, {prediction.Level:P0} prediction interval [{prediction.Lower:F4}, {prediction.Upper:F4}]"));
            }

            if (crossing is not null)
            {
                o.WriteLine(crossing.Never ? $"N* = never: {crossing.Reason}" : string.Create(CultureInfo.InvariantCulture, $"N* = {crossing.Steps:F1} steps ({crossing.Reason})"));
            }

            return CliApp.ExitOk;
        });
        var command = new Command("law", "Use a fitted forgetting law.");
        command.Add(predict);
        return command;
    }
}
