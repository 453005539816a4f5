using System.Diagnostics;
using System.Globalization;
using RegressionGuard.Bench;

CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
var argsList = args.ToList();
string Arg(string name, string fallback)
{
    int i = argsList.IndexOf(name);
    return i >= 0 && i + 1 < argsList.Count ? argsList[i + 1] : fallback;
}

var suite = argsList.Count > 0 && !argsList[0].StartsWith("--", StringComparison.Ordinal) ? argsList[0] : "all";
var shared = Arg("--shared", Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../../../../shared")));
var stories = Path.Combine(shared, "models/stories260K/stories260K.bin");
var seconds = double.Parse(Arg("--seconds", "3"), CultureInfo.InvariantCulture);

Console.WriteLine($"# RegressionGuard benchmarks ({DateTime.UtcNow:yyyy-MM-dd}, {Environment.ProcessorCount} cores, TorchSharp threads {TorchSharp.torch.get_num_threads()})");
var sw = Stopwatch.StartNew();
switch (suite)
{
    case "matmul": ModelBenchmarks.MatmulPeak(seconds); break;
    case "score": ModelBenchmarks.Scoring(stories, seconds); break;
    case "generate": ModelBenchmarks.Generation(stories, seconds); break;
    case "forgetting": ModelBenchmarks.Forgetting(stories, shared); break;
    case "train": TrainingBenchmarks.Run(stories, shared, int.Parse(Arg("--steps", "12"), CultureInfo.InvariantCulture)); break;
    case "mc": ModelBenchmarks.MultipleChoice(stories, shared, Arg("--repo", Directory.GetCurrentDirectory()), int.Parse(Arg("--items", "1000"), CultureInfo.InvariantCulture)); break;
    case "tokenize": TokenizerBenchmarks.Run(shared, Arg("--text", "")); break;
    case "serve": ServeBenchmarks.Run(Arg("--repo", Directory.GetCurrentDirectory())); break;
    case "load-memory": LoadMemory.Run(Arg("--model", stories), Arg("--dtype", "float32")); break;
    case "all":
        ModelBenchmarks.MatmulPeak(seconds);
        ModelBenchmarks.Scoring(stories, seconds);
        ModelBenchmarks.Generation(stories, seconds);
        break;
    case "prepare": Console.WriteLine(ModelBenchmarks.RandomLlama20M(Path.Combine(shared, "models/stories260K/tok512.model"))); break;
    default:
        Console.Error.WriteLine($"unknown benchmark '{suite}'; valid: all, matmul, score, generate, mc, forgetting, train, tokenize, load-memory, prepare");
        return 2;
}
Console.WriteLine($"\n(total {sw.Elapsed.TotalSeconds:F0} s)");
return 0;
