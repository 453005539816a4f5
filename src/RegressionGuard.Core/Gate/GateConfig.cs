using System.Globalization;
using RegressionGuard.Diagnostics;
using RegressionGuard.Modeling;
using RegressionGuard.Suites;
using RegressionGuard.Suites.Loading;
using RegressionGuard.Suites.Sandbox;
using RegressionGuard.Suites.Templates;
using YamlDotNet.RepresentationModel;

namespace RegressionGuard.Gate;

/// <summary>A suite entry of the gate config: a file or glob, with optional threshold overrides for all its metrics.</summary>
public sealed record GateSuite(string Path, double? MaxDrop, double? MaxRise);

/// <summary>The forgetting block: corpus, law, budget and tolerance, and P/N ("auto" = read from the tuned checkpoint).</summary>
public sealed record GateForgetting(string Corpus, bool Truncate, string? Law, double Budget, double Tolerance, long? P, long? N)
{
    /// <summary>A sweep ledger (.db or .csv) whose learning–forgetting frontier the report shows beside this run's L_f.</summary>
    public string? Ledger { get; init; }
}

/// <summary>
/// <c>regressionguard.yaml</c>: what the gate runs and how it decides (docs/gate.md). Validated like suites: every
/// problem at once, each at file:line:col, unknown keys with did-you-mean. Paths are relative to the config file.
/// </summary>
public sealed record GateConfig
{
    public required string File { get; init; }
    public required string Base { get; init; }
    public required string Tuned { get; init; }

    /// <summary>The base model behind an OpenAI-compatible server (<c>base: { endpoint, model, tokenizer }</c>); then <see cref="Base"/> is its endpoint#model.</summary>
    public RemoteModelSpec? BaseRemote { get; init; }

    /// <summary>The tuned model behind an OpenAI-compatible server; then <see cref="Tuned"/> is its endpoint#model.</summary>
    public RemoteModelSpec? TunedRemote { get; init; }
    public string? Tokenizer { get; init; }
    public required IReadOnlyList<GateSuite> Suites { get; init; }
    public IReadOnlyDictionary<string, string> Variables { get; init; } = new Dictionary<string, string>();
    public GateThresholds Thresholds { get; init; } = new();
    public string Correction { get; init; } = "holm";
    public GateForgetting? Forgetting { get; init; }
    public string Output { get; init; } = "regressionguard-report";
    public string? Cache { get; init; }
    public bool UseCache { get; init; } = true;
    public string DType { get; init; } = "float32";
    public int BatchSize { get; init; } = 16;
    public int? Threads { get; init; }
    public string? ChatFormat { get; init; }
    public int Seed { get; init; } = 20240111;

    /// <summary>Weight-space diagnostics of the tuned model against the base (<c>diagnostics:</c>); null = not computed.</summary>
    public DiagnoseOptions? Diagnostics { get; init; }

    static readonly string[] TopKeys = { "schema", "base", "tuned", "tokenizer", "suites", "variables", "thresholds", "correction", "forgetting", "output", "cache", "compute", "chat_format", "seed", "diagnostics" };

    public static GateConfig Load(string path, IReadOnlyDictionary<string, string>? overrides = null)
    {
        var file = System.IO.Path.GetFullPath(path);
        if (!System.IO.File.Exists(file))
        {
            throw new SuiteValidationException(new[] { new SuiteError(file, 1, 1, "gate config not found; create regressionguard.yaml (see docs/gate.md) or pass --config <file>") });
        }

        string text;
        try
        {
            text = SuiteSandbox.ReadInputText(file, SafeYaml.MaxBytes);
        }
        catch (SuiteDataException e)
        {
            throw new SuiteValidationException(new[] { new SuiteError(file, 1, 1, e.Message) });
        }

        return Parse(text, file, overrides, checkFiles: true);
    }

    /// <summary>
    /// Reads a gate config. Every problem is reported in one pass, each at the line that causes it. With
    /// <paramref name="checkFiles"/> (as <see cref="Load"/> does) the files it names are checked too: base, tuned,
    /// tokenizer, law and corpus exist, each suite (or glob) names existing suites, and those suites load — their
    /// problems are reported together with the config's.
    /// </summary>
    public static GateConfig Parse(string text, string file, IReadOnlyDictionary<string, string>? overrides = null, bool checkFiles = false)
    {
        var errors = new List<SuiteError>();
        var root = SafeYaml.LoadMapping(text, file, errors);
        if (root is null)
        {
            throw new SuiteValidationException(errors);
        }

        var map = new YamlMap(root, file, errors);
        map.RejectUnknown(TopKeys);
        if (!map.Has("schema"))
        {
            map.Error(map.Node, "missing key 'schema' (write 'schema: 1')");
        }

        map.Int("schema", 1, 1);
        map.Require("base", "the base model: HF folder or llama2.c .bin");
        map.Require("tuned", "the fine-tuned model: HF folder or PEFT adapter folder");
        map.Require("suites", "a list of suite files or globs");
        var folder = System.IO.Path.GetDirectoryName(file)!;
        string? PathOf(YamlMap m, string key) => m.String(key) is { Length: > 0 } v ? System.IO.Path.GetFullPath(v, folder) : null;
        RemoteModelSpec? RemoteOf(string key) => map.Raw(key) is YamlMappingNode ? RemoteModelSpec.Read(map.Map(key)!, folder) : null;
        bool IsRemote(string key) => map.Raw(key) is YamlMappingNode;
        var baseRemote = RemoteOf("base");
        var tunedRemote = RemoteOf("tuned");

        var suites = new List<GateSuite>();
        var suiteNodes = new List<YamlNode>();
        if (map.Raw("suites") is YamlSequenceNode seq)
        {
            foreach (var item in seq.Children)
            {
                if (item is YamlScalarNode s)
                {
                    suites.Add(new GateSuite(System.IO.Path.GetFullPath(s.Value ?? "", folder), null, null));
                    suiteNodes.Add(s);
                }
                else if (item is YamlMappingNode m)
                {
                    var sm = new YamlMap(m, file, errors, "suites[]");
                    sm.RejectUnknown("path", "max_drop", "max_rise");
                    sm.Require("path", "a suite file or glob");
                    if (PathOf(sm, "path") is { } p)
                    {
                        suites.Add(new GateSuite(p, sm.Double("max_drop", 0, 1e9), sm.Double("max_rise", 0, 1e9)));
                        suiteNodes.Add(sm.Raw("path")!);
                    }
                }
                else
                {
                    map.Error(item, "each suite must be a path or {path, max_drop | max_rise}");
                }
            }
        }
        else if (map.Raw("suites") is { } bad)
        {
            map.Error(bad, "'suites' must be a list of suite files or globs");
        }

        var variables = new Dictionary<string, string>(StringComparer.Ordinal);
        if (map.Map("variables") is { } vars)
        {
            foreach (var key in vars.Keys)
            {
                if (vars.String(key) is { } value)
                {
                    variables[key] = value;
                }
            }
        }

        if (overrides is not null)
        {
            foreach (var (k, v) in overrides)
            {
                variables[k] = v;
            }
        }

        var thresholds = new GateThresholds();
        if (map.Map("thresholds") is { } t)
        {
            t.RejectUnknown("max_drop", "max_rise", "alpha", "require_significance", "min_items");
            thresholds = new GateThresholds(t.Double("max_drop", 0, 1e9), t.Double("max_rise", 0, 1e9), t.Double("alpha", 1e-12, 0.5) ?? 0.05,
                Bool(t, "require_significance") ?? true, t.Int("min_items", 1, int.MaxValue) ?? 1);
        }
        var correction = map.String("correction") ?? "holm";
        if (correction is not ("holm" or "none"))
        {
            map.Error(map.Raw("correction")!, $"'correction' must be holm or none, got '{correction}'");
        }

        GateForgetting? forgetting = null;
        if (map.Map("forgetting") is { } f)
        {
            f.RejectUnknown("corpus", "truncate", "law", "budget", "tolerance", "P", "N", "ledger");
            f.Require("corpus", "the L_f evaluation corpus (.jsonl or .txt)");
            f.Require("budget", "the largest acceptable L_f in nats per token");
            var budget = f.Double("budget", 0, 1e6);
            long? Scale(string key)
            {
                var raw = f.String(key);
                if (raw is null or "auto")
                {
                    return null;
                }

                if (long.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v > 0)
                {
                    return v;
                }

                f.Error(f.Raw(key)!, $"'forgetting.{key}' must be 'auto' (read from the tuned checkpoint) or a positive integer, got '{raw}'");
                return null;
            }
            if (PathOf(f, "corpus") is { } corpus && budget is double b)
            {
                forgetting = new GateForgetting(corpus, Bool(f, "truncate") ?? true, PathOf(f, "law"), b, f.Double("tolerance", 0, 100) ?? 0.1, Scale("P"), Scale("N"))
                {
                    Ledger = PathOf(f, "ledger"),
                };
            }
        }

        foreach (var (key, remote) in new[] { ("base", baseRemote), ("tuned", tunedRemote) })
        {
            if (remote?.Api == RemoteApi.Chat && map.Raw("forgetting") is { } forgettingNode)
            {
                map.Error(forgettingNode, $"'forgetting' needs the log-probabilities of both models, and '{key}' is a chat endpoint (api: chat) that returns only text; remove 'forgetting:' or serve {key} through /v1/completions (api: completions, with its tokenizer)");
            }
        }
        var compute = map.Map("compute");
        compute?.RejectUnknown("dtype", "batch_size", "threads");
        var dtype = compute?.String("dtype") ?? "float32";
        if (compute is not null && dtype is not ("float32" or "bfloat16"))
        {
            compute.Error(compute.Raw("dtype")!, $"'compute.dtype' must be float32 or bfloat16, got '{dtype}'");
        }

        string? cache = map.String("cache");
        var chat = map.String("chat_format");
        if (chat is not null && !ChatFormats.Names.Contains(chat))
        {
            map.Error(map.Raw("chat_format")!, $"unknown chat format '{chat}'{DidYouMean.Hint(chat, ChatFormats.Names)}");
        }

        if (checkFiles)
        {
            void MustExist(YamlMap m, string key, string what)
            {
                if (PathOf(m, key) is { } p && !System.IO.File.Exists(p) && !System.IO.Directory.Exists(p))
                {
                    m.Error(m.Raw(key)!, $"{what} not found: {p}");
                }
            }

            if (!IsRemote("base"))
            {
                MustExist(map, "base", "base model");
            }

            if (!IsRemote("tuned"))
            {
                MustExist(map, "tuned", "tuned model");
            }

            MustExist(map, "tokenizer", "tokenizer");
            if (map.Map("forgetting") is { } fm)
            {
                MustExist(fm, "corpus", "forgetting corpus");
                MustExist(fm, "law", "law file");
                MustExist(fm, "ledger", "sweep ledger");
            }

            for (int i = 0; i < suites.Count; i++)
            {
                var pattern = suites[i].Path;
                var matched = SuiteFiles.Expand(pattern, folder);
                if (matched.Count == 0 || (matched.Count == 1 && !System.IO.File.Exists(matched[0])))
                {
                    map.Error(suiteNodes[i], pattern.IndexOfAny(['*', '?', '[']) >= 0 ? $"suite pattern '{pattern}' matches no file" : $"suite file not found: {pattern}");
                    continue;
                }

                foreach (var suiteFile in matched)
                {
                    try
                    {
                        SuiteLoader.Load(suiteFile, variables);
                    }
                    catch (SuiteValidationException e)
                    {
                        errors.AddRange(e.Errors);
                    }
                }
            }
        }


        var config = new GateConfig
        {
            File = file,
            Base = baseRemote?.Display ?? (IsRemote("base") ? "" : PathOf(map, "base") ?? ""),
            Tuned = tunedRemote?.Display ?? (IsRemote("tuned") ? "" : PathOf(map, "tuned") ?? ""),
            BaseRemote = baseRemote,
            TunedRemote = tunedRemote,
            Tokenizer = PathOf(map, "tokenizer"),
            Suites = suites,
            Variables = variables,
            Thresholds = thresholds,
            Correction = correction,
            Forgetting = forgetting,
            Output = PathOf(map, "output") ?? System.IO.Path.Combine(folder, "regressionguard-report"),
            Cache = cache is null or "default" or "none" ? null : System.IO.Path.GetFullPath(cache, folder),
            UseCache = cache != "none",
            DType = dtype,
            BatchSize = compute?.Int("batch_size", 1, 4096) ?? 16,
            Threads = compute?.Int("threads", 1, 1024),
            ChatFormat = chat,
            Seed = map.Int("seed", int.MinValue, int.MaxValue) ?? 20240111,
            Diagnostics = DiagnosticsOf(map),
        };
        if (errors.Count > 0)
        {
            throw new SuiteValidationException(errors.OrderBy(e => e.File == file ? 0 : 1).ThenBy(e => e.File, StringComparer.Ordinal).ThenBy(e => e.Line).ThenBy(e => e.Column).ToList());
        }

        return config;
    }

    /// <summary><c>diagnostics: true</c> (top 10, ε 0.3/0.5/0.7), <c>false</c>, or <c>{ top_k, epsilons }</c>.</summary>
    static DiagnoseOptions? DiagnosticsOf(YamlMap map)
    {
        if (map.Raw("diagnostics") is not { } raw)
        {
            return null;
        }

        if (raw is not YamlMappingNode)
        {
            return Bool(map, "diagnostics") == true ? new DiagnoseOptions() : null;
        }

        var d = map.Map("diagnostics")!;
        d.RejectUnknown("top_k", "epsilons");
        var epsilons = new List<double>();
        foreach (var text in d.StringList("epsilons") ?? [])
        {
            if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var e))
            {
                epsilons.Add(e);
            }
            else
            {
                d.Error(d.Raw("epsilons")!, $"'diagnostics.epsilons' must be numbers strictly between 0 and 1, got '{text}'");
            }
        }
        var options = new DiagnoseOptions(d.Int("top_k", 1, 4096) ?? 10, epsilons.Count > 0 ? epsilons : null);
        foreach (var problem in options.Validate())
        {
            d.Error(raw, $"diagnostics: {problem}");
        }

        return options;
    }

    static bool? Bool(YamlMap map, string key)
    {
        var raw = map.String(key);
        if (raw is null)
        {
            return null;
        }

        if (raw is "true" or "false")
        {
            return raw == "true";
        }

        map.Error(map.Raw(key)!, $"'{map.Qualified(key)}' must be true or false, got '{raw}'");
        return null;
    }
}
