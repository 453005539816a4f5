using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using RegressionGuard.Caching;
using RegressionGuard.Cli.Console;
using RegressionGuard.Comparison;
using RegressionGuard.Gate;
using RegressionGuard.Modeling;
using RegressionGuard.Suites.Evaluation;
using RegressionGuard.Suites.Items;
using RegressionGuard.Suites.Loading;
using RegressionGuard.Suites.Templates;
using RegressionGuard.Torch.Runtime;

namespace RegressionGuard.Cli.Commands;

/// <summary><c>regressionguard compare</c>: suites on base and tuned, paired statistics per metric, base results cached.</summary>
public static class CompareCommand
{
    public static Option<string?> CacheDirOption() => new("--cache-dir") { Description = $"cache folder for base-model results (default: ${ContentCache.EnvironmentVariable} or ~/.cache/regressionguard)" };
    public static Option<bool> NoCacheOption() => new("--no-cache") { Description = "neither read nor write the base-result cache" };

    public static ContentCache? OpenCache(ParseResult parse, Option<string?> dir, Option<bool> noCache)
    {
        if (parse.GetValue(noCache))
        {
            return null;
        }

        var error = parse.InvocationConfiguration.Error;
        return new ContentCache(parse.GetValue(dir) ?? ContentCache.DefaultFolder, message => error.WriteLine($"warning: {message}"));
    }

    public static Command Create()
    {
        var basePath = new Option<string>("--base") { Description = "base model: HF folder or llama2.c .bin, or a served model { endpoint: http://host:port/v1, model: <name>, tokenizer: <folder> }", Required = true };
        var tuned = new Option<string>("--tuned") { Description = "fine-tuned model: HF folder, a PEFT LoRA adapter folder (applied to --base), or a served model { endpoint, model, tokenizer }", Required = true };
        var tokenizer = new Option<string?>("--tokenizer") { Description = "tokenizer file (default: found beside the base model)" };
        var suites = new Option<string[]>("--suite", "-s") { Description = "suite files or globs (repeatable)", Required = true, AllowMultipleArgumentsPerToken = true };
        var set = SuiteCommands.SetOption();
        var limit = new Option<int?>("--limit") { Description = "compare only the first N items of each suite" };
        var outDir = new Option<string?>("--out") { Description = "write comparison.json and per-model items to this folder" };
        var json = new Option<bool>("--json") { Description = "print the comparison as JSON" };
        var seed = new Option<int>("--seed") { Description = "bootstrap seed", DefaultValueFactory = _ => SuiteComparer.DefaultSeed };
        var dtype = new Option<string>("--dtype") { Description = "compute dtype: float32 or bfloat16", DefaultValueFactory = _ => "float32" };
        var batch = new Option<int>("--batch-size") { Description = "sequences per forward pass", DefaultValueFactory = _ => 16 };
        var cacheDir = CacheDirOption();
        var noCache = NoCacheOption();
        var chat = SuiteCommands.ChatFormatOption();
        var judge = JudgeCommands.JudgeOption();
        var command = new Command("compare", "Run suites on the base and the tuned model and compare them item by item (paired bootstrap CI, exact McNemar, Holm).");
        foreach (var option in new Option[] { basePath, tuned, tokenizer, suites, set, limit, outDir, json, seed, dtype, batch, cacheDir, noCache, chat, judge })
        {
            command.Add(option);
        }

        command.SetAction(parse =>
        {
            var variables = SuiteCommands.Variables(parse.GetValue(set));
            var definitions = SuiteCommands.ExpandPaths(parse.GetValue(suites)!).Select(f => SuiteCommands.WithChatFormat(SuiteLoader.Load(f, variables), parse.GetValue(chat))).ToList();
            // One template for both sides, so the comparison is paired: the base's, or the tuned model's when the base has none.
            var basePathValue = parse.GetValue(basePath)!;
            var templateSource = RemoteModelSpec.IsMapping(basePathValue) ? RemoteModelSpec.Parse(basePathValue, "--base").Tokenizer ?? basePathValue : basePathValue;
            var chatTemplate = ChatFormats.TemplateFor(definitions,
                ModelChatTemplate.Find(templateSource, parse.GetValue(tokenizer)) is null && !RemoteModelSpec.IsMapping(parse.GetValue(tuned)!) ? parse.GetValue(tuned)! : templateSource, parse.GetValue(tokenizer));
            var itemSets = definitions.Select(d => SuiteItemBuilder.Build(d, parse.GetValue(limit), chatTemplate)).ToList();
            var compute = new ComputeOptions { DType = parse.GetValue(dtype)!, BatchSize = parse.GetValue(batch) };
            var cache = OpenCache(parse, cacheDir, noCache);
            var error = parse.InvocationConfiguration.Error;
            using var judges = JudgeCommands.LoadJudges(definitions, parse.GetValue(judge), compute, cache);

            // Base first (usually from the cache), then the tuned model: the gate's paired pipeline.
            var paired = new PairedEvaluation(definitions, itemSets, cache, (label, total, work) => WorkProgress.Run(label, total, error, work), judge: judges.For);
            var baseResults = new List<SuiteResult>();
            var baseCached = new List<bool>();
            using (var baseModel = ModelOpener.OpenBase(basePathValue, parse.GetValue(tokenizer), compute, cache))
            {
                paired.EvaluateBase(baseModel, baseResults, baseCached);
            }

            var comparisons = new List<SuiteComparison>();
            var tunedResults = new List<SuiteResult>();
            using (var tunedModel = ModelOpener.OpenTuned(parse.GetValue(tuned)!, basePathValue, parse.GetValue(tokenizer), compute, cache))
            {
                paired.EvaluateTuned(tunedModel, baseResults, parse.GetValue(seed), tunedResults, comparisons);
            }

            var adjusted = SuiteComparer.AdjustHolm(comparisons);

            if (parse.GetValue(outDir) is { } dir)
            {
                Directory.CreateDirectory(dir);
                for (int i = 0; i < definitions.Count; i++)
                {
                    ResultFiles.Write(baseResults[i], Path.Combine(dir, definitions[i].Id, "base"));
                    ResultFiles.Write(tunedResults[i], Path.Combine(dir, definitions[i].Id, "tuned"));
                }
                File.WriteAllText(Path.Combine(dir, "comparison.json"), JsonSerializer.Serialize(adjusted, new JsonSerializerOptions(ResultFiles.Json) { WriteIndented = true }) + "\n");
            }
            var output = parse.InvocationConfiguration.Output;
            if (parse.GetValue(json))
            {
                output.WriteLine(JsonSerializer.Serialize(new { suites = adjusted, base_from_cache = baseCached }, ResultFiles.Json));
                return CliApp.ExitOk;
            }
            for (int i = 0; i < adjusted.Count; i++)
            {
                var c = adjusted[i];
                output.WriteLine($"{c.Suite} v{c.Version} ({c.Kind}, {c.PairedItems} paired items{(baseCached[i] ? ", base from cache" : "")})");
                if (c.Lengths is { } lengths)
                {
                    output.WriteLine($"  {lengths.Note}");
                }

                foreach (var m in c.Metrics)
                {
                    output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"  {m.QualifiedName(),-18} {m.Base:F4} → {m.Tuned:F4}  Δ {m.Delta:+0.0000;-0.0000} [{m.CiLower:+0.0000;-0.0000}, {m.CiUpper:+0.0000;-0.0000}]  p {Format(m.PValue)} (Holm {Format(m.PHolm)})  worse {m.Worsened}, better {m.Improved}"));
                }
            }
            return CliApp.ExitOk;
        });
        return command;
    }

    static string Format(double? p) => p is double v ? v.ToString(v < 0.001 ? "0.0e+0" : "0.000", CultureInfo.InvariantCulture) : "—";
}
