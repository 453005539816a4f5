using System.Globalization;
using System.Text.RegularExpressions;
using RegressionGuard.Suites;
using RegressionGuard.Suites.Loading;
using RegressionGuard.Training.Methods;
using YamlDotNet.RepresentationModel;

namespace RegressionGuard.Training.Sweeps;

/// <summary>One fine-tuning run of a sweep: a name and its settings (defaults overlaid with the run's own).</summary>
public sealed record SweepRun(string Name, FineTuneOptions Options);

/// <summary>
/// A sweep file (<c>schema: 1</c>): the base model, the fine-tuning data, the L_f corpus, the ledger, the N grid
/// (checkpoint steps) and the runs (methods × sizes). Paths are relative to the sweep file and may use ${variables}.
/// </summary>
public sealed record SweepConfig
{
    public required string File { get; init; }
    public required string Model { get; init; }
    public required string Data { get; init; }
    public required string Corpus { get; init; }
    public bool Truncate { get; init; } = true;
    public required string Ledger { get; init; }
    public required string Out { get; init; }
    public required IReadOnlyList<int> Steps { get; init; }
    public required IReadOnlyList<SweepRun> Runs { get; init; }
    public IReadOnlyList<string> Suites { get; init; } = Array.Empty<string>();

    /// <summary>Text on which KL(base ‖ tuned) is measured per checkpoint (<c>kl_train</c>); default: the fine-tuning data.</summary>
    public string? KlTrainData { get; init; }

    static readonly string[] TopKeys = { "schema", "model", "data", "eval_data", "corpus", "truncate", "ledger", "out", "steps", "defaults", "runs", "suites", "kl_train_data" };
    static readonly string[] RunKeys =
    {
        "name", "method", "batch_size", "seq_len", "grad_accum", "lr", "warmup", "schedule", "weight_decay", "grad_clip", "seed", "dtype",
        "eval_fraction", "eval_batches", "lora_r", "lora_alpha", "lora_dropout", "lora_targets", "train_embeddings", "replay_data",
        "ema_lambda", "consistency_weight", "replay_buffer", "consistency_layers",
    };

    public static SweepConfig Load(string path, IReadOnlyDictionary<string, string>? variables = null)
    {
        var file = Path.GetFullPath(path);
        if (!System.IO.File.Exists(file))
        {
            throw new SuiteValidationException(new[] { new SuiteError(file, 1, 1, "sweep file not found") });
        }

        var errors = new List<SuiteError>();
        var root = SafeYaml.LoadMapping(System.IO.File.ReadAllText(file), file, errors);
        if (root is null)
        {
            throw new SuiteValidationException(errors);
        }

        var map = new YamlMap(root, file, errors);
        map.RejectUnknown(TopKeys);
        if (map.Int("schema", 1, 1) is null && !map.Has("schema"))
        {
            map.Error(map.Node, "missing key 'schema' (write 'schema: 1')");
        }

        foreach (var key in new[] { "model", "data", "corpus", "ledger", "out", "steps", "runs" })
        {
            map.Require(key, key switch
            {
                "model" => "the base model (HF folder or llama2.c .bin)",
                "data" => "the fine-tuning text (.txt or .jsonl)",
                "corpus" => "the L_f evaluation corpus (.jsonl or .txt)",
                "ledger" => "the ledger database to append to, e.g. ledger.db",
                "out" => "a folder for the runs' checkpoints",
                "steps" => "the checkpoint steps N, e.g. [25, 50, 100]",
                _ => "a list of runs, each {name, method, ...}",
            });
        }

        var folder = Path.GetDirectoryName(file)!;
        string Resolve(string key) => Substitute(map, key, map.String(key) ?? "");
        string Substitute(YamlMap owner, string key, string value)
        {
            value = Regex.Replace(value, @"\$\{([A-Za-z_][A-Za-z0-9_]*)\}", m =>
            {
                var name = m.Groups[1].Value;
                var env = "REGRESSIONGUARD_" + name.ToUpperInvariant();
                var v = variables is not null && variables.TryGetValue(name, out var x) ? x : Environment.GetEnvironmentVariable(env);
                if (string.IsNullOrEmpty(v))
                {
                    var at = owner.PositionOf(key);
                    errors.Add(new SuiteError(file, at.Line, at.Column, $"variable '{name}' is not set; pass --set {name}=<value> or set {env}"));
                    return m.Value;
                }
                return v;
            });
            return value.Length == 0 ? "" : Path.GetFullPath(value, folder);
        }

        var steps = new List<int>();
        if (map.Raw("steps") is YamlSequenceNode seq)
        {
            foreach (var item in seq.Children)
            {
                if (item is YamlScalarNode s && int.TryParse(s.Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n > 0)
                {
                    steps.Add(n);
                }
                else
                {
                    map.Error(item, $"'steps' entries must be positive integers, got '{(item as YamlScalarNode)?.Value}'");
                }
            }
        }
        else if (map.Raw("steps") is { } bad)
        {
            map.Error(bad, "'steps' must be a list of positive integers, e.g. [25, 50, 100]");
        }
        steps = steps.Distinct().Order().ToList();

        var defaults = map.Map("defaults");
        defaults?.RejectUnknown(RunKeys.Where(k => k != "name").ToArray());
        var runs = new List<SweepRun>();
        if (map.Raw("runs") is YamlSequenceNode runNodes)
        {
            foreach (var node in runNodes.Children)
            {
                if (node is not YamlMappingNode m)
                {
                    map.Error(node, "each run must be a mapping {name, method, ...}");
                    continue;
                }
                var run = new YamlMap(m, file, errors, "runs[]");
                run.RejectUnknown(RunKeys);
                run.Require("name", "a unique run name, e.g. lora-r4-qv");
                run.Require("method", "lora, full, hft or ilora");
                var name = run.String("name");
                if (name is not null && runs.Any(r => r.Name == name))
                {
                    run.Error(run.Raw("name")!, $"run name '{name}' is used twice");
                }

                var options = Options(run, defaults, steps, folder, errors);
                if (options?.ReplayData is not null && run.String("replay_data") is { } rawReplay)
                {
                    options = options with { ReplayData = Substitute(run, "replay_data", rawReplay) };
                }

                if (name is not null && options is not null)
                {
                    runs.Add(new SweepRun(name, options));
                }
            }
        }
        var config = new SweepConfig
        {
            File = file,
            Model = Resolve("model"),
            Data = Resolve("data"),
            Corpus = Resolve("corpus"),
            KlTrainData = map.Has("kl_train_data") ? Resolve("kl_train_data") : null,
            Truncate = map.Raw("truncate") is YamlScalarNode t ? t.Value != "false" : true,
            Ledger = Resolve("ledger"),
            Out = Resolve("out"),
            Steps = steps,
            Runs = runs,
            Suites = (map.StringList("suites") ?? Array.Empty<string>()).Select(s => Path.GetFullPath(s, folder)).ToList(),
        };
        if (errors.Count > 0)
        {
            throw new SuiteValidationException(errors.OrderBy(e => e.Line).ThenBy(e => e.Column).ToList());
        }

        return config;
    }

    static FineTuneOptions? Options(YamlMap run, YamlMap? defaults, IReadOnlyList<int> steps, string folder, List<SuiteError> errors)
    {
        string? Str(string key) => run.String(key) ?? defaults?.String(key);
        int? Int(string key, int min, int max) => run.Int(key, min, max) ?? defaults?.Int(key, min, max);
        double? Dbl(string key, double min, double max) => run.Double(key, min, max) ?? defaults?.Double(key, min, max);
        var method = Str("method");
        FineTuningMethod parsed;
        if (method is null || !Enum.TryParse(method, ignoreCase: true, out parsed))
        {
            if (method is not null)
            {
                run.Error(run.Raw("method") ?? run.Node, $"unknown method '{method}'{DidYouMean.Hint(method, new[] { "lora", "full", "hft", "ilora" })}");
            }

            return null;
        }
        var replay = Str("replay_data");
        var options = new FineTuneOptions
        {
            Method = parsed,
            Steps = steps.Count == 0 ? 1 : steps[^1],
            SaveSteps = steps,
            BatchSize = Int("batch_size", 1, 4096) ?? 8,
            SeqLen = Int("seq_len", 2, 1 << 20) ?? 128,
            GradientAccumulation = Int("grad_accum", 1, 1024) ?? 1,
            LearningRate = Dbl("lr", 0, 10) ?? 1e-3,
            WarmupSteps = Int("warmup", 0, int.MaxValue) ?? 0,
            Schedule = Str("schedule") ?? "constant",
            WeightDecay = Dbl("weight_decay", 0, 10) ?? 0,
            GradClip = Dbl("grad_clip", 0, 1e9) ?? 1.0,
            Seed = Int("seed", int.MinValue, int.MaxValue) ?? 1234,
            DType = Str("dtype") ?? "float32",
            EvalEvery = 0,
            EvalBatches = Int("eval_batches", 1, 100000) ?? 8,
            EvalFraction = Dbl("eval_fraction", 0, 0.99) ?? 0.05,
            LoraRank = Int("lora_r", 1, 100000) ?? 8,
            LoraAlpha = Dbl("lora_alpha", 0, 1e6) ?? 16,
            LoraDropout = Dbl("lora_dropout", 0, 0.99) ?? 0,
            LoraTargets = run.StringList("lora_targets") ?? defaults?.StringList("lora_targets") ?? new[] { "q_proj", "v_proj" },
            TrainEmbeddings = (Str("train_embeddings") ?? "false") == "true",
            ReplayData = replay is null ? null : Path.GetFullPath(replay, folder),
            EmaLambda = Dbl("ema_lambda", 0, 1) ?? 0.99,
            ConsistencyWeight = Dbl("consistency_weight", 0, 1e6) ?? 1.0,
            ReplayBufferSize = Int("replay_buffer", 1, 10_000_000) ?? 500,
            ConsistencyLayers = Str("consistency_layers") ?? "all",
        };
        foreach (var problem in options.Validate())
        {
            errors.Add(new SuiteError(run.File, (int)run.Node.Start.Line, (int)run.Node.Start.Column, problem));
        }

        return options;
    }
}
