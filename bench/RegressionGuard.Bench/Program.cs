using System.Diagnostics;
using System.Globalization;
using RegressionGuard.Bench;
using RegressionGuard.Modeling;

CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
var argsList = args.ToList();
string Arg(string name, string fallback)
{
    int i = argsList.IndexOf(name);
    return i >= 0 && i + 1 < argsList.Count ? argsList[i + 1] : fallback;
}

var suite = argsList.Count > 0 && !argsList[0].StartsWith("--", StringComparison.Ordinal) ? argsList[0] : "all";
var shared = Path.GetFullPath(Arg("--shared", Path.Combine(AppContext.BaseDirectory, "../../../../../../../shared"))); // relative paths are resolved here: the data sandbox takes absolute roots
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
    case "lf-warm":
        ForgettingWarmBenchmarks.Run(stories, shared, int.Parse(Arg("--documents", "221"), CultureInfo.InvariantCulture), int.Parse(Arg("--documents-20m", "64"), CultureInfo.InvariantCulture),
            int.Parse(Arg("--repeats", "3"), CultureInfo.InvariantCulture), Arg("--dtype", "float32"));
        break;
    case "train": TrainingBenchmarks.Run(stories, shared, int.Parse(Arg("--steps", "12"), CultureInfo.InvariantCulture)); break;
    case "mc": ModelBenchmarks.MultipleChoice(stories, shared, Arg("--repo", Directory.GetCurrentDirectory()), int.Parse(Arg("--items", "1000"), CultureInfo.InvariantCulture)); break;
    case "mc-shared": SpeedBenchmarks.SharedPrefixMultipleChoice(stories, shared, Arg("--repo", Directory.GetCurrentDirectory()), int.Parse(Arg("--items", "1000"), CultureInfo.InvariantCulture), int.Parse(Arg("--items-20m", "1000"), CultureInfo.InvariantCulture), Arg("--dtype", "float32")); break;
    case "mc-shared-precision": SpeedBenchmarks.SharedPrefixPrecision(shared, Arg("--repo", Directory.GetCurrentDirectory()), int.Parse(Arg("--items", "50"), CultureInfo.InvariantCulture), Path.Combine(Path.GetDirectoryName(stories)!, "tok512.model")); break;
    case "decode": SpeedBenchmarks.Decode(stories, int.Parse(Arg("--steps", "256"), CultureInfo.InvariantCulture), int.Parse(Arg("--repeats", "5"), CultureInfo.InvariantCulture), argsList.Contains("--peer") ? double.Parse(Arg("--peer", "0"), CultureInfo.InvariantCulture) : null, Arg("--prompts", "1,32,64").Split(',').Select(p => int.Parse(p, CultureInfo.InvariantCulture)).ToArray()); break;
    case "decode-overhead": DecodeOverheadBenchmarks.Run(stories, int.Parse(Arg("--steps", "256"), CultureInfo.InvariantCulture), int.Parse(Arg("--repeats", "5"), CultureInfo.InvariantCulture)); break;
    case "generate-suites": SuiteGenerationBenchmarks.Run(Path.GetFullPath(Arg("--repo", Directory.GetCurrentDirectory())), Arg("--batch-sizes", "4,32").Split(',').Select(b => int.Parse(b, CultureInfo.InvariantCulture)).ToArray(), int.Parse(Arg("--repeats", "7"), CultureInfo.InvariantCulture)); break;
    case "tokenize": TokenizerBenchmarks.Run(shared, Arg("--text", "")); break;
    case "serve": ServeBenchmarks.Run(Arg("--repo", Directory.GetCurrentDirectory()), Arg("--concurrency", "1,4,8").Split(',').Select(c => int.Parse(c, CultureInfo.InvariantCulture)).ToArray(), argsList.Contains("--log"), int.Parse(Arg("--batch-size", RemoteModelSpec.DefaultBatchSize.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture), int.Parse(Arg("--repeats", "3"), CultureInfo.InvariantCulture), argsList.Contains("--model-batch") ? int.Parse(Arg("--model-batch", "0"), CultureInfo.InvariantCulture) : null, argsList.Contains("--server-threads") ? int.Parse(Arg("--server-threads", "0"), CultureInfo.InvariantCulture) : null); break;
    case "openmp-pools": OpenMpPoolBenchmarks.Run(Path.GetFullPath(Arg("--repo", Directory.GetCurrentDirectory())), argsList.Contains("--row") ? Arg("--row", "") : null); break;
    case "load-memory": LoadMemory.Run(Arg("--model", stories), Arg("--dtype", "float32")); break;
    case "all":
        ModelBenchmarks.MatmulPeak(seconds);
        ModelBenchmarks.Scoring(stories, seconds);
        ModelBenchmarks.Generation(stories, seconds);
        break;
    case "realsize-write": RealSize.Write(Arg("--shape", "qwen3-0.6b"), Arg("--out", "/tmp/rg-realsize/" + Arg("--shape", "qwen3-0.6b")), Arg("--repo", Directory.GetCurrentDirectory()), shared); break;
    case "realsize-lora": RealSize.WriteLora(Arg("--model", "/tmp/rg-realsize/qwen3-0.6b"), Arg("--out", "/tmp/rg-realsize/qwen3-0.6b-lora"), int.Parse(Arg("--rank", "16"), CultureInfo.InvariantCulture)); break;
    case "realsize-diagnose-layer": RealSize.DiagnoseLayerCost(int.Parse(Arg("--top-k", "10"), CultureInfo.InvariantCulture)); break;
    case "realsize-load": RealSize.Load(Arg("--model", "/tmp/rg-realsize/qwen3-0.6b")); break;
    case "realsize-score":
        RealSize.Score(Arg("--model", "/tmp/rg-realsize/qwen3-0.6b"), int.Parse(Arg("--batch", "8"), CultureInfo.InvariantCulture), int.Parse(Arg("--tokens", "1024"), CultureInfo.InvariantCulture),
            int.Parse(Arg("--repetitions", "2"), CultureInfo.InvariantCulture), Arg("--ids", "/tmp/rg-realsize/ids-8x1024.i32"));
        break;
    case "prepare": Console.WriteLine(ModelBenchmarks.RandomLlama20M(Path.Combine(shared, "models/stories260K/tok512.model"))); break;
    default:
        Console.Error.WriteLine($"unknown benchmark '{suite}'; valid: all, matmul, score, generate, mc, mc-shared, mc-shared-precision, decode, decode-overhead, generate-suites, forgetting, lf-warm, train, tokenize, serve, openmp-pools, load-memory, realsize-write, realsize-lora, realsize-diagnose-layer, realsize-load, realsize-score, prepare");
        return 2;
}
Console.WriteLine($"\n(total {sw.Elapsed.TotalSeconds:F0} s)");
return 0;
