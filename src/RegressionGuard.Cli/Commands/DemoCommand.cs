using System.CommandLine;
using System.Globalization;
using RegressionGuard.Gate;
using RegressionGuard.Organism;
using RegressionGuard.Reports;

namespace RegressionGuard.Cli.Commands;

/// <summary>
/// <c>regressionguard demo</c>: the gate on the model organism's two candidates, with nothing to bring. Exit 0 when the
/// demo ran as designed (the mild candidate passes, the aggressive one fails), 1 when a gate decided otherwise.
/// </summary>
public static class DemoCommand
{
    public const string DefaultOutput = "regressionguard-demo";

    public static Command Create()
    {
        var output = new Option<string>("--out", "-o") { Description = "folder for the two candidates' reports", DefaultValueFactory = _ => DefaultOutput };
        var noCache = new Option<bool>("--no-cache") { Description = "neither read nor write cached base results" };
        var command = new Command("demo", "Gate the model organism's mild and aggressive LoRA candidates against its base (built on first use when this is not a repository checkout) and summarise both reports.");
        command.Add(output);
        command.Add(noCache);
        command.SetAction(parse =>
        {
            var o = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            var recipe = OrganismRecipe.Default;
            var folder = OrganismLocator.FindOrExtract(recipe, Directory.GetCurrentDirectory(), typeof(DemoCommand).Assembly);
            if (folder is null)
            {
                folder = OrganismLocator.CacheFolder(recipe);
                error.WriteLine($"no model organism found (suites/organism in a checkout, the cache, or embedded in this build); building it once into {folder}, about 20 minutes on 2 cores");
                OrganismCommands.Build(recipe, folder, null, error);
            }
            var root = Path.GetFullPath(parse.GetValue(output)!);
            o.WriteLine($"RegressionGuard demo: the model organism in {Relative(folder)} (docs/organism.md)");
            var outcomes = new Dictionary<string, GateOutcome>(StringComparer.Ordinal);
            foreach (var candidate in new[] { recipe.Mild, recipe.Aggressive })
            {
                var gate = GateConfig.Load(Path.Combine(folder, OrganismFiles.GateConfig(candidate.Name))) with { Output = Path.Combine(root, candidate.Name) };
                if (parse.GetValue(noCache))
                {
                    gate = gate with { UseCache = false };
                }

                var report = GateCommand.Run(gate, error);
                outcomes[candidate.Name] = report.Outcome;
                o.WriteLine();
                o.WriteLine($"{candidate.Name} candidate: LoRA r={candidate.Rank} on {string.Join(", ", candidate.Targets)}, {candidate.Steps} steps at lr {candidate.LearningRate.ToString(CultureInfo.InvariantCulture)} → {report.Outcome.ToString().ToUpperInvariant()}");
                Summarize(report, o);
            }
            o.WriteLine();
            o.WriteLine("reports:");
            foreach (var name in outcomes.Keys)
            {
                o.WriteLine($"  {Relative(Path.Combine(root, name, "report.html"))} (also report.md, report.json, junit.xml)");
            }

            bool designed = outcomes[recipe.Mild.Name] == GateOutcome.Pass && outcomes[recipe.Aggressive.Name] == GateOutcome.Fail;
            o.WriteLine(designed
                ? "As designed: the gate passes the mild fine-tune and fails the aggressive one. Next: README.md, \"Gate your own model\"."
                : $"Not as designed: mild {outcomes[recipe.Mild.Name]}, aggressive {outcomes[recipe.Aggressive.Name]} (expected Pass and Fail); see the reports.");
            return designed ? CliApp.ExitOk : CliApp.ExitRegression;
        });
        return command;
    }

    static string Relative(string path)
    {
        var relative = Path.GetRelativePath(Directory.GetCurrentDirectory(), path);
        return relative.StartsWith("..", StringComparison.Ordinal) ? path : relative;
    }

    /// <summary>Per metric: base → tuned, Δ with its 95% CI, verdict; then L_f against the law and the budget, and the reasons.</summary>
    static void Summarize(GateReport report, TextWriter o)
    {
        var inv = CultureInfo.InvariantCulture;
        foreach (var suite in report.Suites)
        {
            foreach (var m in suite.Metrics)
            {
                var c = m.Comparison;
                o.WriteLine(string.Create(inv,
                    $"  {suite.Suite + " " + c.QualifiedName(),-38} {c.Base:F3} → {c.Tuned:F3}  Δ {c.Delta:+0.000;-0.000} [{c.CiLower:+0.000;-0.000}, {c.CiUpper:+0.000;-0.000}]  {m.Outcome}"));
            }
        }

        if (report.Forgetting is { } f)
        {
            var v = f.Verdict;
            var law = v.Predicted is double p ? string.Create(inv, $"law {p:F3} [{v.Lower:F3}, {v.Upper:F3}] at P={v.P:N0}, N={v.N:N0}") : "no law";
            o.WriteLine(string.Create(inv, $"  {"forgetting L_f",-38} {f.Lf:F3} nats/token ({law}; budget {v.Budget:F3})  {v.Outcome.ToString().ToLowerInvariant()}"));
        }
        GateCommand.PrintReasons(report, o);
    }
}
