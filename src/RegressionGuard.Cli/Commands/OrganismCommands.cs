using System.CommandLine;
using RegressionGuard.Cli.Console;
using RegressionGuard.Organism;
using RegressionGuard.Organism.Building;

namespace RegressionGuard.Cli.Commands;

/// <summary><c>regressionguard organism build</c>: the demo's model organism, regenerated from its recipe.</summary>
public static class OrganismCommands
{
    public static Command Create()
    {
        var output = new Option<string?>("--out", "-o") { Description = "organism folder to write (default: the user's cache, where `demo` looks)" };
        var work = new Option<string?>("--work") { Description = "folder for training state and sweep runs (default: <out>.work); an interrupted build continues from it" };
        var seed = new Option<long?>("--seed") { Description = $"seed of the world, the data and every training run (default {OrganismRecipe.Default.Seed})" };
        var build = new Command("build", "Generate the synthetic world and its suites, train the base Llama from scratch, fine-tune the mild and aggressive LoRA candidates, run the sweep, fit the law, write gate configs. Deterministic for a seed; ~20 min on 2 cores.");
        build.Add(output);
        build.Add(work);
        build.Add(seed);
        build.SetAction(parse =>
        {
            var recipe = parse.GetValue(seed) is long s ? OrganismRecipe.Default with { Seed = s } : OrganismRecipe.Default;
            var folder = parse.GetValue(output) ?? OrganismLocator.CacheFolder(recipe);
            var log = parse.InvocationConfiguration.Error;
            Build(recipe, folder, parse.GetValue(work), log);
            parse.InvocationConfiguration.Output.WriteLine($"organism {folder}");
            return CliApp.ExitOk;
        });
        var command = new Command("organism", "The model organism of forgetting behind `regressionguard demo` (docs/organism.md).");
        command.Add(build);
        return command;
    }

    /// <summary>Builds <paramref name="recipe"/> into <paramref name="folder"/>, logging stages and training progress to <paramref name="log"/>.</summary>
    public static void Build(OrganismRecipe recipe, string folder, string? work, TextWriter log)
    {
        var full = Path.GetFullPath(folder);
        // on a terminal, a step counter on one rewritten line between the log lines; in CI only the log lines
        bool live = WorkProgress.Interactive && ReferenceEquals(log, System.Console.Error);
        bool open = false;
        void Line(string line)
        {
            if (open)
            {
                log.WriteLine();
            }

            open = false;
            log.WriteLine(line);
        }
        void Step(string stage, int done, int total)
        {
            if (!live)
            {
                return;
            }

            log.Write($"\r{stage}: step {done}/{total}");
            open = done < total;
            if (!open)
            {
                log.WriteLine();
            }
        }
        new OrganismBuilder(recipe, full, work ?? full.TrimEnd(Path.DirectorySeparatorChar) + ".work", Line, Step).Build();
    }
}
