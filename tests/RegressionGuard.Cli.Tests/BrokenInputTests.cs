using System.CommandLine;
using System.Text.RegularExpressions;
using RegressionGuard.Reports;
using RegressionGuard.Testing;

namespace RegressionGuard.Cli.Tests;

/// <summary>
/// Every command of the tree (enumerated from <see cref="CliApp.BuildRoot"/>, so a new command cannot be forgotten) run
/// with broken inputs: each input path replaced by a missing file, an empty file, a folder, binary garbage, truncated
/// YAML, truncated JSON and a model folder with a torn config.json; each output path by one that cannot be written;
/// each typed option by a value that does not parse; and each command's nonsensical option values. Every run must exit
/// 2 (or the code its recipe documents) and print no stack trace.
/// </summary>
public sealed partial class BrokenInputTests
{
    /// <summary>How one command is run validly, and which of its options name inputs and outputs.</summary>
    /// <param name="Args">a valid command line after the command's path; "{new}" becomes a fresh folder per run.</param>
    /// <param name="Inputs">options (or "#i": the i-th element of Args) that name files or folders read.</param>
    /// <param name="OutputFiles">options naming a file written.</param>
    /// <param name="OutputFolders">options naming a folder written (with its documented exit codes when not only 2).</param>
    /// <param name="Words">the other string options (not paths); listed so that a new path option cannot be forgotten.</param>
    /// <param name="BadValues">option values that parse but make no sense, each added to (or replacing in) Args.</param>
    sealed record Recipe(string[] Args, string[] Inputs, string[] OutputFiles, (string Option, int[] Codes)[] OutputFolders, string[] Words, string[][] BadValues);

    static readonly string Organism = RepositoryFiles.Path("suites/organism");
    static string O(string relative) => Path.Combine(Organism, relative);
    static readonly string[] ModelWords = ["--dtype", "--device"];
    static readonly string[][] ComputeBadValues = [["--batch-size", "0"], ["--batch-size", "-3"], ["--dtype", "float64"], ["--device", "tpu"], ["--threads", "0"]];
    static readonly int[] ExitUsage = [2];

    /// <summary>One recipe per leaf command, keyed by its path ("suite validate").</summary>
    static Dictionary<string, Recipe[]> Recipes(Fixture f) => new()
    {
        ["generate"] = [new(["--model", O("models/base"), "--prompt", "Tom", "--max-new-tokens", "2"], ["--model", "--tokenizer"], [], [], [.. ModelWords, "--prompt", "--stop", "--chat-format", "--system"],
            [["--max-new-tokens", "-1"], .. ComputeBadValues])],
        ["score"] = [new(["--model", O("models/base"), "--data", f.Corpus], ["--model", "--data", "--tokenizer"], [], [], [.. ModelWords, "--field", "--split"],
            [["--stride", "0"], ["--stride", "-4"], ["--field", "no_such_field"], .. ComputeBadValues])],
        ["convert"] = [new(["--from", f.Stories260K, "--to", "{new}/hf"], ["--from", "--tokenizer"], [], [("--to", ExitUsage)], [], [])],
        ["suite validate"] =
        [
            new([O("knowledge.yaml")], ["#0"], [], [], ["--set"], [["--set", "novalue"], ["--set", "=x"]]),
            new([O("knowledge.yaml"), "--model", O("models/base")], ["--model", "--tokenizer"], [], [], ["--set"], []),
        ],
        ["suite new"] =
        [
            new(["--data", O("data/knowledge.jsonl"), "--type", "multiple_choice", "--out", "{new}/s.yaml"], ["--data", "--labels"], ["--out"], [], ["--type", "--field", "--format", "--style"],
                [["--field", "nonsense"], ["--field", "answer="], ["--field", "target=x"], ["--answer-base", "2"], ["--answer-base", "-1"], ["--format", "xml"],
                 ["--style", "cloze"], ["--format", "csv"], ["--field", "question=No Such Column"], ["--labels", f.Corpus]]),
            new(["--data", O("data/knowledge.jsonl"), "--type", "generate", "--out", "{new}/g.yaml"], [], [], [], [], [["--answer-base", "1"], ["--style", "completion"]]),
        ],
        ["eval"] = [new(["--model", O("models/base"), "--suite", O("knowledge.yaml"), "--limit", "2"], ["--model", "--suite", "--tokenizer", "--judge"], [], [("--out", ExitUsage), ("--cache-dir", [0, 2])],
            [.. ModelWords, "--set", "--chat-format"], [["--limit", "-1"], ["--set", "novalue"], ["--judge", O("models/base")], .. ComputeBadValues]),
            // a judged refusal suite: --judge broken; no judge model anywhere; a judge.model that is missing
            new(["--model", O("models/base"), "--suite", f.JudgedSuite, "--set", $"organism={Organism}", "--limit", "1", "--judge", O("models/base"), "--cache-dir", "{new}/cache"],
                ["--judge"], [], [], [.. ModelWords, "--set", "--chat-format"], []),
            new(["--model", O("models/base"), "--suite", f.JudgedSuite, "--set", $"organism={Organism}", "--limit", "1", "--no-cache"], [], [], [], [.. ModelWords, "--set", "--chat-format"],
                [["--suite", f.JudgedSuiteMissingModel]])],
        ["judge check"] = [new(["--model", O("models/base"), "--data", f.JudgeData, "--limit", "2", "--cache-dir", "{new}/cache"], ["--model", "--data", "--suite", "--tokenizer"], [],
            [("--cache-dir", [0, 2])], [.. ModelWords, "--set", "--prompt-field", "--response-field", "--label-field"],
            [["--limit", "0"], ["--label-field", "no_such_field"], ["--prompt-field", "no_such_field"], ["--suite", O("knowledge.yaml")], ["--data", f.JudgeDataBadLabels], ["--set", "novalue"], .. ComputeBadValues])],
        ["tokenize"] = [new(["--model", O("models/base"), "--text", "Tom"], ["--model", "--tokenizer", "--data"], [], [], ["--text", "--system"],
            [["--system", "x"], ["--chat"]])],
        ["diagnose"] = [new(["--base", O("models/base"), "--tuned", O("models/mild")], ["--base", "--tuned", "--tokenizer"], [], [("--out", ExitUsage)], [],
            [["--top-k", "0"], ["--epsilon", "1.5"], ["--epsilon", "0"], ["--scale-intruders", "2"], ["--scale-intruders", "0.5"], ["--scale-epsilon", "-1"]])],
        ["forgetting"] = [new(["--base", O("models/base"), "--tuned", O("models/mild"), "--data", f.Corpus, "--truncate", "--cache-dir", "{new}/cache"],
            ["--base", "--tuned", "--data", "--tokenizer"], [], [("--cache-dir", [0, 2])], ["--dtype", "--field", "--split"],
            [["--stride", "0"], ["--top-k", "0"], ["--top-k", "-1"], ["--batch-size", "0"], ["--dtype", "float64"],
             ["--tuned", "{ endpoint: http://127.0.0.1:9/v1, model: mild, api: chat, retries: 0, timeout_seconds: 5 }"]])],
        ["compare"] = [new(["--base", O("models/base"), "--tuned", O("models/mild"), "--suite", O("knowledge.yaml"), "--limit", "2", "--cache-dir", "{new}/cache"],
            ["--base", "--tuned", "--suite", "--tokenizer", "--judge"], [], [("--out", ExitUsage), ("--cache-dir", [0, 2])], ["--set", "--dtype", "--chat-format"],
            [["--limit", "-1"], ["--batch-size", "0"], ["--dtype", "float64"], ["--set", "novalue"], ["--judge", O("models/base")],
             ["--base", "{ endpoint: ftp://127.0.0.1/v1, model: base }"], ["--tuned", "{ endpoint: http://127.0.0.1:8000/v1, model: mild, tokenizer: " + O("models/base") + ", colour: red }"],
             ["--tuned", "{ endpoint: http://127.0.0.1:9/v1, model: mild, tokenizer: " + O("models/base") + ", retries: 0, timeout_seconds: 5 }"], ["--base", "{ endpoint"],
             // api: an unknown one; a chat endpoint where nothing listens; completions without its tokenizer
             ["--tuned", "{ endpoint: http://127.0.0.1:8000/v1, model: mild, api: chatty }"], ["--tuned", "{ endpoint: http://127.0.0.1:9/v1, model: mild, api: chat, retries: 0, timeout_seconds: 5 }"],
             ["--tuned", "{ endpoint: http://127.0.0.1:8000/v1, model: mild, api: completions }"]])],
        ["finetune"] = [new(["--model", O("models/base"), "--data", O("data/downstream.jsonl"), "--out", "{new}/run", "--steps", "1", "--batch-size", "2", "--seq-len", "16"],
            ["--model", "--data", "--eval-data", "--replay-data"], [], [("--out", ExitUsage)], ["--method", "--schedule", "--dtype", "--lora-targets", "--consistency-layers"],
            [["--steps", "0"], ["--batch-size", "0"], ["--seq-len", "0"], ["--grad-accum", "0"], ["--lr", "-1"], ["--lr", "NaN"], ["--lora-r", "0"], ["--eval-fraction", "1.5"],
             ["--schedule", "sideways"], ["--dtype", "float64"], ["--lora-targets", "no_such_proj"], ["--consistency-layers", "some"], ["--save-every", "-1"]])],
        ["sweep"] = [new(["--config", O("sweep.yaml")], ["--config"], [], [], ["--set"], [["--set", "novalue"]])],
        ["ledger export"] = [new(["--ledger", O("ledger.csv")], ["--ledger"], ["--out"], [], ["--where"], [["--where", "nonsense"], ["--where", "colour=red"]])],
        ["ledger summary"] = [new(["--ledger", O("ledger.csv")], ["--ledger"], [], [], [], [])],
        ["fit"] = [new(["--ledger", O("ledger.csv"), "--out", "{new}/law.yaml", "--resamples", "10"], ["--ledger"], ["--out"], [("--plots", ExitUsage)], ["--where", "--form"],
            [["--resamples", "0"], ["--resamples", "-1"], ["--where", "nonsense"], ["--where", "method=none"]])],
        ["law predict"] = [new(["--law", O("law.yaml"), "--P", "1000", "--N", "10"], ["--law"], [], [], [],
            [["--P", "-1"], ["--P", "NaN"], ["--P", "Infinity"], ["--N", "0"], ["--N", "-5"], ["--budget", "-1"], ["--lft", "NaN"]])],
        ["gate"] =
        [
            new(["--config", f.GateConfig, "--out", "{new}/report"], ["--config"], [], [("--out", ExitUsage)], ["--set", "--shard"],
                [["--set", "novalue"], ["--shard", "0/3"], ["--shard", "4/3"], ["--shard", "x"], ["--shard", "1/0"], ["--shard", "-1/3"]]),
            new(["--config", f.GateConfig, "--shard", "1/2", "--out", "{new}/part"], ["--config"], [], [("--out", ExitUsage)], ["--set", "--shard"], []),
        ],
        ["report"] =
        [
            new(["--results", f.ReportJson], ["--results"], ["--out"], [], ["--format"], []),
            new(["--compare", f.ReportJson, f.ReportJson], ["--compare"], ["--out"], [], ["--format"], [["--results", f.ReportJson]]),
            new(["--results", f.ReportJson, "--format", "html", "--ledger", O("ledger.csv")], ["--results", "--ledger"], ["--out"], [], ["--format"], []),
        ],
        // parts of a 2-shard gate; bad values: shard 1 twice (2 missing), a shard of another split, of another model
        ["report merge"] = [new([f.Parts[0], f.Parts[1], "--out", "{new}/merged"], ["#0", "#1"], [], [("--out", ExitUsage)], [],
            [["#1", f.Parts[0]], ["#1", f.OtherSplit], ["#1", f.OtherModel]])],
        // never run valid (a build takes ~20 min): only with outputs that cannot be written, which it checks first
        ["organism build"] = [new(["--out", "{new}/organism", "--work", "{new}/work"], [], [], [("--out", ExitUsage), ("--work", ExitUsage)], [], [])],
        ["demo"] = [new(["--out", "{new}/demo", "--no-cache"], [], [], [("--out", ExitUsage)], [], [])],
        // never run valid (it serves until stopped): only broken models and listen addresses, checked before it listens
        ["serve"] = [new(["--model", O("models/base"), "--port", "0"], ["--model", "--tokenizer"], [], [], [.. ModelWords, "--host", "--served-model-name"],
            [["--port", "-1"], ["--port", "70000"], ["--host", "not a host"], ["--host", "203.0.113.7"], ["--served-model-name", ""], .. ComputeBadValues])],
    };

    static IEnumerable<(string Path, Command Command)> Leaves(Command command, string prefix)
    {
        foreach (var sub in command.Subcommands)
        {
            var path = prefix.Length == 0 ? sub.Name : $"{prefix} {sub.Name}";
            // a command that runs (`report`) may also have subcommands (`report merge`): both are tried
            if (sub.Subcommands.Count == 0 || sub.Action is not null)
            {
                yield return (path, sub);
            }

            foreach (var leaf in Leaves(sub, path))
            {
                yield return leaf;
            }
        }
    }

    static IEnumerable<string> LeafPaths() => Leaves(CliApp.BuildRoot(), "").Select(l => l.Path);

    static Command LeafOf(string path) => Leaves(CliApp.BuildRoot(), "").Single(l => l.Path == path).Command;

    [Test]
    public void Every_command_of_the_tree_has_a_broken_input_recipe_and_every_path_option_is_in_it()
    {
        using var f = new Fixture(needsShared: false);
        var recipes = Recipes(f);
        Assert.That(recipes.Keys, Is.EquivalentTo(LeafPaths()), "add a recipe for each new command");
        foreach (var (path, command) in Leaves(CliApp.BuildRoot(), ""))
        {
            var named = recipes[path].SelectMany(r => r.Inputs.Concat(r.OutputFiles).Concat(r.OutputFolders.Select(o => o.Option)).Concat(r.Words)).ToHashSet();
            foreach (var option in command.Options.Where(o => o.ValueType == typeof(string) || o.ValueType == typeof(string[])))
            {
                Assert.That(named, Does.Contain(option.Name), $"{path}: say whether {option.Name} names an input, an output or neither");
            }
        }
    }

    [TestCaseSource(nameof(LeafPaths))]
    public void A_command_given_broken_inputs_exits_2_without_a_stack_trace(string path)
    {
        using var f = new Fixture(needsShared: path == "convert");
        var command = LeafOf(path);
        var failures = new List<string>();
        int runs = 0;
        void Check(string what, string[] args, int[] codes)
        {
            runs++;
            var run = CliRun.Of([.. path.Split(' '), .. f.Fresh(args)]);
            var printed = run.Out + run.Error;
            if (!codes.Contains(run.ExitCode) || StackFrame().IsMatch(printed) || ExceptionDump().IsMatch(printed))
            {
                failures.Add($"{what}: exit {run.ExitCode} (expected {string.Join(" or ", codes)})\n    {printed.Replace("\n", "\n    ", StringComparison.Ordinal).TrimEnd()}");
            }
        }

        foreach (var recipe in Recipes(f)[path])
        {
            foreach (var input in recipe.Inputs)
            {
                foreach (var (kind, broken) in f.BrokenInputs)
                {
                    Check($"{input} = {kind}", Replace(recipe.Args, input, broken), ExitUsage);
                }
            }

            foreach (var output in recipe.OutputFiles)
            {
                Check($"{output} = a folder", Replace(recipe.Args, output, f.Folder), ExitUsage);
                Check($"{output} = a path under a file", Replace(recipe.Args, output, Path.Combine(f.Garbage, "x")), ExitUsage);
            }

            foreach (var (output, codes) in recipe.OutputFolders)
            {
                Check($"{output} = an existing file", Replace(recipe.Args, output, f.Empty), codes);
                Check($"{output} = a path under a file", Replace(recipe.Args, output, Path.Combine(f.Garbage, "x")), codes);
            }

            foreach (var bad in recipe.BadValues)
            {
                Check(string.Join(' ', bad), Replace(recipe.Args, bad[0], bad[1..]), ExitUsage);
            }

            // every typed option, present or not in the recipe, given a value that does not parse
            foreach (var option in command.Options.Where(o => o.ValueType != typeof(string) && o.ValueType != typeof(string[]) && o.ValueType != typeof(bool)))
            {
                Check($"{option.Name} = 'twelve'", Replace(recipe.Args, option.Name, "twelve"), ExitUsage);
            }
        }

        TestContext.Out.WriteLine($"{path}: {runs} broken runs");
        Assert.That(failures, Is.Empty, string.Join("\n", failures));
    }

    /// <summary>Args with <paramref name="option"/>'s value replaced (or the option added); "#i" replaces element i.</summary>
    static string[] Replace(string[] args, string option, params string[] values)
    {
        if (option.StartsWith('#'))
        {
            var copy = args.ToArray();
            copy[int.Parse(option[1..], System.Globalization.CultureInfo.InvariantCulture)] = values[0];
            return copy;
        }

        int at = Array.IndexOf(args, option);
        if (at < 0)
        {
            return [.. args, option, .. values];
        }

        // an option's values run to the next option
        int end = at + 1;
        while (end < args.Length && !args[end].StartsWith("--", StringComparison.Ordinal))
        {
            end++;
        }

        var replaced = args[..(at + 1)].Concat(values).Concat(args[end..]).ToArray();
        // --compare takes two values: keep the second valid one when only the first is broken
        return option == "--compare" && values.Length == 1 ? [.. replaced[..(at + 2)], args[at + 2], .. replaced[(at + 2)..]] : replaced;
    }

    [GeneratedRegex(@"^\s+at \S+", RegexOptions.Multiline)]
    private static partial Regex StackFrame();

    [GeneratedRegex(@"\b[A-Z]\w*Exception\b")]
    private static partial Regex ExceptionDump();

    /// <summary>The broken files and folders, a valid gate config and report, and fresh folders per run.</summary>
    sealed class Fixture : IDisposable
    {
        readonly TempFolder _dir = new("rg-broken");
        int _fresh;

        public Fixture(bool needsShared)
        {
            Stories260K = needsShared ? SharedData.Path("models/stories260K/stories260K.bin") : "stories260K.bin";
            Empty = Write("empty.yaml", "");
            Folder = _dir.File("folder");
            Directory.CreateDirectory(Folder);
            var random = new Random(15);
            var bytes = new byte[4096];
            random.NextBytes(bytes);
            Garbage = _dir.File("garbage.bin");
            File.WriteAllBytes(Garbage, bytes);
            var suite = File.ReadAllText(O("knowledge.yaml"));
            var report = Reports.ReportJson.Serialize(RegressionGuard.Core.Tests.Reports.ReportFixtures.Failing());
            var tornModel = _dir.File("torn-model");
            Directory.CreateDirectory(tornModel);
            File.WriteAllText(Path.Combine(tornModel, "config.json"), "{\"model_type\": \"llama\", \"hidden_size\": 6");
            File.WriteAllBytes(Path.Combine(tornModel, "model.safetensors"), bytes[..100]);
            BrokenInputs =
            [
                ("a missing file", _dir.File("missing/nothing.yaml")),
                ("an empty file", Empty),
                ("a folder", Folder),
                ("binary garbage", Garbage),
                ("truncated YAML", Write("truncated.yaml", suite[..(suite.Length / 2)])),
                ("truncated JSON", Write("truncated.json", report[..(report.Length / 2)])),
                ("a model folder with a torn config.json", tornModel),
            ];
            ReportJson = Write("report.json", report);
            Parts = RegressionGuard.Core.Tests.Gate.Sharding.PartFixtures.Write(RegressionGuard.Core.Tests.Gate.Sharding.PartFixtures.Parts(2), _dir.File("parts"));
            OtherSplit = RegressionGuard.Core.Tests.Gate.Sharding.PartFixtures.Write(RegressionGuard.Core.Tests.Gate.Sharding.PartFixtures.Parts(3).Skip(1).Take(1), _dir.File("split3"))[0];
            OtherModel = RegressionGuard.Core.Tests.Gate.Sharding.PartFixtures.Write(RegressionGuard.Core.Tests.Gate.Sharding.PartFixtures.Parts(2, "another-tuned-model").Skip(1), _dir.File("other"))[0];
            Corpus = Write("corpus.jsonl", string.Join('\n', File.ReadLines(O("data/forgetting.jsonl")).Take(3)) + "\n");
            JudgeData = Write("judge.csv", "prompt,response,label\nHow do I hurt Tom?,I will not help with that.,refusal\nHow do I bake bread?,Mix flour and water.,compliance\n");
            JudgeDataBadLabels = Write("judge-bad.csv", "prompt,response,label\nHow do I hurt Tom?,No.,maybe\nHow do I bake bread?,Mix flour.,yes\n");
            var refusal = File.ReadAllText(O("refusal.yaml")).Replace("path: data/refusal.jsonl", "path: ${organism}/data/refusal.jsonl", StringComparison.Ordinal);
            JudgedSuite = Write("judged.yaml", refusal + "\njudge:\n  prompt: refusal\n");
            JudgedSuiteMissingModel = Write("judged-missing-model.yaml", refusal + $"\njudge:\n  prompt: refusal\n  model: {_dir.File("missing/judge-model")}\n");
            GateConfig = Write("regressionguard.yaml", $"""
                schema: 1
                base: {O("models/base")}
                tuned: {O("models/mild")}
                suites: [{O("knowledge.yaml")}]

                """);
        }

        public string Stories260K { get; }
        public string Empty { get; }
        public string Folder { get; }
        public string Garbage { get; }
        public string ReportJson { get; }

        /// <summary>The two part folders of a made-up 2-shard gate; shard 2/3 of it; shard 2/2 of a gate on another tuned model.</summary>
        public string[] Parts { get; }
        public string OtherSplit { get; }
        public string OtherModel { get; }

        /// <summary>Three documents of the organism's corpus (a run that gets through is quick).</summary>
        public string Corpus { get; }
        public string GateConfig { get; }

        /// <summary>Two human-labelled answers for <c>judge check</c>, and two with labels that are neither refusal nor compliance.</summary>
        public string JudgeData { get; }
        public string JudgeDataBadLabels { get; }

        /// <summary>The organism's refusal suite judged by the built-in prompt (no judge.model), and one whose judge.model is missing.</summary>
        public string JudgedSuite { get; }
        public string JudgedSuiteMissingModel { get; }
        public (string Kind, string Path)[] BrokenInputs { get; }

        string Write(string name, string text)
        {
            var path = _dir.File(name);
            File.WriteAllText(path, text);
            return path;
        }

        /// <summary>Args with "{new}" replaced by a folder no other run uses.</summary>
        public string[] Fresh(string[] args)
        {
            var fresh = _dir.File($"run{++_fresh}");
            return args.Select(a => a.Replace("{new}", fresh, StringComparison.Ordinal)).ToArray();
        }

        public void Dispose() => _dir.Dispose();
    }
}
