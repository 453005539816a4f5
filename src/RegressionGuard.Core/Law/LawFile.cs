using System.Globalization;
using System.Text;
using RegressionGuard.Suites;
using RegressionGuard.Suites.Loading;
using YamlDotNet.RepresentationModel;

namespace RegressionGuard.Law;

/// <summary>
/// <c>law.yaml</c>: a fitted forgetting law as a human-readable, diff-friendly YAML file. Keys are written in a fixed
/// order, numbers in invariant culture with round-trip precision (so a loaded law predicts exactly what the fit did),
/// strings double-quoted. Layout (schema 1):
/// <code>
/// schema: 1
/// form: saturating                  # saturating | power | linear
/// equation: "L_f = E_f - A_f * (P^a * N^b)^(-1); L_ft = E_ft + A_ft * (P^a * N^b)^(-1)"
/// units: nats per token
/// fit_space: log                    # residuals log L − log L̂
/// selection: auto                   # auto | explicit
/// parameters:                       # the form's parameters in fixed order
///   E_f:
///     value: 2.0012
///     ci: [1.9801, 2.0213]          # bootstrap percentile interval at uncertainty.level
/// uncertainty:                      # see LawUncertainty
///   level: 0.95
///   method: bootstrap over runs
///   resamples: 300
///   redrawn: 0
///   seed: 20240110
///   widening: 1.58                  # few-runs correction factor (1 = none)
///   reference: {P: …, N: …}         # or {L_ft: …} for the linear form (block style in the file)
///   residual_sd_log: 0.0101
///   covariance:                     # of the centred parameters, one row per parameter
///     E_f: [ … ]
/// diagnostics: {r2, rmse, loo_rmse, rows, runs}
/// provenance: {corpus, model, ledger, rows, fitted_utc, tool_version}
/// candidates:                       # every form tried; refused ones carry 'refused' instead of numbers
///   - {form, parameters, r2, rmse, loo_rmse, chosen}
/// </code>
/// <see cref="Load"/> reads through <see cref="SafeYaml"/> and <see cref="YamlMap"/>: unknown keys, missing keys, wrong
/// types and inconsistent values are all reported together in one <see cref="SuiteValidationException"/>, each with
/// file:line:col.
/// </summary>
public static class LawFile
{
    /// <summary>The only schema version so far.</summary>
    public const int Schema = 1;

    /// <summary>The unit every loss in a law file is in.</summary>
    public const string Units = "nats per token";

    const string FitSpace = "log";
    const string Method = "bootstrap over runs";

    static readonly string[] TopKeys = ["schema", "form", "equation", "units", "fit_space", "selection", "parameters", "uncertainty", "diagnostics", "provenance", "candidates"];
    static readonly string[] UncertaintyKeys = ["level", "method", "resamples", "redrawn", "seed", "widening", "reference", "residual_sd_log", "covariance"];
    static readonly string[] DiagnosticsKeys = ["r2", "rmse", "loo_rmse", "rows", "runs"];
    static readonly string[] ProvenanceKeys = ["corpus", "model", "ledger", "rows", "fitted_utc", "tool_version"];
    static readonly string[] CandidateKeys = ["form", "parameters", "r2", "rmse", "loo_rmse", "refused", "chosen"];
    static readonly string[] Selections = ["explicit", LawForms.Auto];

    /// <summary>Writes <paramref name="fit"/> to <paramref name="path"/> (through a temporary file, so a reader never sees half a law).</summary>
    public static void Save(LawFit fit, string path, LawProvenance provenance)
    {
        ArgumentNullException.ThrowIfNull(path);
        var text = Format(fit, provenance);
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var temporary = full + ".tmp";
        File.WriteAllText(temporary, text, new UTF8Encoding(false));
        File.Move(temporary, full, overwrite: true);
    }

    /// <summary>The text <see cref="Save"/> writes.</summary>
    public static string Format(LawFit fit, LawProvenance provenance)
    {
        ArgumentNullException.ThrowIfNull(fit);
        ArgumentNullException.ThrowIfNull(provenance);
        var u = fit.Uncertainty;
        var w = new StringBuilder();
        void Line(string text) => w.Append(text).Append('\n');

        Line("# RegressionGuard forgetting law. L_f and L_ft in nats per token; P = trainable non-embedding parameters, N = optimizer steps.");
        Line($"schema: {Schema}");
        Line($"form: {LawForms.Name(fit.Form)}");
        Line($"equation: {YamlText.Quote(LawForms.Equation(fit.Form))}");
        Line($"units: {Units}");
        Line($"fit_space: {FitSpace}");
        Line($"selection: {fit.Selection}");
        Line("parameters:");
        foreach (var p in fit.Parameters)
        {
            Line($"  {p.Name}:");
            Line($"    value: {Number(p.Value)}");
            Line($"    ci: [{Number(p.Lower)}, {Number(p.Upper)}]");
        }
        Line("uncertainty:");
        Line($"  level: {Number(u.Level)}");
        Line($"  method: {Method}");
        Line($"  resamples: {Int(u.Resamples)}");
        Line($"  redrawn: {Int(u.Redrawn)}");
        Line($"  seed: {Int(u.Seed)}");
        Line($"  widening: {Number(u.Widening)}");
        Line("  reference:");
        if (u.ReferenceP is { } rp)
        {
            Line($"    P: {Number(rp)}");
        }

        if (u.ReferenceN is { } rn)
        {
            Line($"    N: {Number(rn)}");
        }

        if (u.ReferenceLft is { } rl)
        {
            Line($"    L_ft: {Number(rl)}");
        }

        Line($"  residual_sd_log: {Number(u.ResidualSdLog)}");
        Line("  covariance:");
        for (int i = 0; i < u.CentredNames.Count; i++)
        {
            Line($"    {u.CentredNames[i]}: [{string.Join(", ", Enumerable.Range(0, u.CentredNames.Count).Select(j => Number(u.Covariance[i, j])))}]");
        }

        var d = fit.Diagnostics;
        Line("diagnostics:");
        Line($"  r2: {Number(d.R2)}");
        Line($"  rmse: {Number(d.Rmse)}");
        Line($"  loo_rmse: {Number(d.LooRmse)}");
        Line($"  rows: {Int(d.Rows)}");
        Line($"  runs: {Int(d.Runs)}");
        Line("provenance:");
        Line($"  corpus: {QuoteOrNull(fit.CorpusHash)}");
        Line($"  model: {QuoteOrNull(fit.ModelHash)}");
        Line($"  ledger: {YamlText.Quote(provenance.LedgerHash)}");
        Line($"  rows: {Int(d.Rows)}");
        Line($"  fitted_utc: {YamlText.Quote(provenance.FittedUtc.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture))}");
        Line($"  tool_version: {YamlText.Quote(provenance.ToolVersion)}");
        Line("candidates:");
        foreach (var c in fit.Candidates)
        {
            Line($"  - form: {LawForms.Name(c.Form)}");
            Line($"    parameters: {Int(c.ParameterCount)}");
            if (c.Refusal is { } refusal)
            {
                Line($"    refused: {YamlText.Quote(refusal)}");
                continue;
            }
            Line($"    r2: {Number(c.R2!.Value)}");
            Line($"    rmse: {Number(c.Rmse!.Value)}");
            Line($"    loo_rmse: {Number(c.LooRmse!.Value)}");
            Line($"    chosen: {(c.Chosen ? "true" : "false")}");
        }
        return w.ToString();
    }

    /// <summary>Reads the law in <paramref name="path"/>.</summary>
    /// <exception cref="FileNotFoundException">No file at <paramref name="path"/>.</exception>
    /// <exception cref="SuiteValidationException">Every problem in the file, each with file:line:col.</exception>
    public static ForgettingLaw Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{path}: law file not found; write one with 'LawFile.Save' after fitting a ledger", path);
        }

        return Parse(Suites.Sandbox.StrictUtf8.ReadAllText(path), path);
    }

    /// <summary>Reads a law from <paramref name="text"/>; <paramref name="file"/> names it in errors.</summary>
    /// <exception cref="SuiteValidationException">Every problem in the text, each with file:line:col.</exception>
    public static ForgettingLaw Parse(string text, string file)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(file);
        var errors = new List<SuiteError>();
        if (text.TrimStart('\uFEFF').Trim().Length == 0)
        {
            throw new SuiteValidationException([new SuiteError(file, 1, 1, "the law file is empty; expected a mapping with 'schema: 1', 'form', 'parameters', 'uncertainty', 'diagnostics' and 'provenance' (see LawFile.Save)")]);
        }

        var root = SafeYaml.LoadMapping(text, file, errors);
        if (root is null)
        {
            throw new SuiteValidationException(errors);
        }

        var law = new Reader(new YamlMap(root, file, errors)).Read();
        if (errors.Count > 0 || law is null)
        {
            throw new SuiteValidationException(errors.OrderBy(e => e.Line).ThenBy(e => e.Column).ToList());
        }

        return law;
    }

    // ------------------------------------------------------------------ writing

    static string Number(double value) => value switch
    {
        double.NaN => ".nan",
        double.PositiveInfinity => ".inf",
        double.NegativeInfinity => "-.inf",
        _ => value.ToString("R", CultureInfo.InvariantCulture),
    };

    static string Int(int value) => value.ToString(CultureInfo.InvariantCulture);

    static string QuoteOrNull(string? value) => value is null ? "null" : YamlText.Quote(value);


    // ------------------------------------------------------------------ reading

    /// <summary>Reads one law file's mapping, collecting every problem in the map's error list.</summary>
    sealed class Reader(YamlMap top)
    {
        public ForgettingLaw? Read()
        {
            top.RejectUnknown(TopKeys);
            foreach (var key in new[] { "schema", "form", "parameters", "uncertainty", "diagnostics", "provenance" })
            {
                top.Require(key, What(key));
            }

            if (top.Int("schema", 1, int.MaxValue) is { } schema && schema != Schema)
            {
                top.Error(top.Raw("schema")!, $"'schema' is {schema}, but this RegressionGuard reads law files of schema {Schema}; refit the law or upgrade RegressionGuard");
            }

            top.String("equation");
            Fixed(top, "units", Units);
            Fixed(top, "fit_space", FitSpace);
            string selection = top.String("selection") ?? "explicit";
            if (top.Raw("selection") is { } selectionNode && !Selections.Contains(selection))
            {
                top.Error(selectionNode, $"'selection' must be one of {string.Join(", ", Selections)}, got '{selection}'");
            }

            LawForm? form = ReadForm(top, "form");
            var parameters = form is { } f ? ReadParameters(f) : null;
            var uncertainty = form is { } g ? ReadUncertainty(g) : null;
            var diagnostics = ReadDiagnostics();
            var (corpus, model, provenance) = ReadProvenance(diagnostics?.Rows);
            var candidates = ReadCandidates();

            if (form is null || parameters is null || uncertainty is null || diagnostics is null || provenance is null || candidates is null || top.Errors.Count > 0)
            {
                return null;
            }

            return ForgettingLaw.Create(form.Value, parameters, uncertainty, diagnostics, candidates, selection, corpus, model, provenance);
        }

        static string What(string key) => key switch
        {
            "schema" => "the law file schema version, 1",
            "form" => "saturating, power or linear",
            "parameters" => "the form's parameters with value and ci",
            "uncertainty" => "bootstrap covariance, reference point and residual scatter",
            "diagnostics" => "r2, rmse, loo_rmse, rows, runs",
            _ => "corpus, model, ledger, rows, fitted_utc, tool_version",
        };

        static void Fixed(YamlMap map, string key, string expected)
        {
            if (map.String(key) is { } value && value != expected)
            {
                map.Error(map.Raw(key)!, $"'{map.Qualified(key)}' must be '{expected}', got '{value}'");
            }
        }

        static LawForm? ReadForm(YamlMap map, string key)
        {
            if (map.String(key) is not { } name)
            {
                return null;
            }

            if (LawForms.TryParse(name, out var form))
            {
                return form;
            }

            var names = LawForms.All.Select(LawForms.Name).ToList();
            map.Error(map.Raw(key)!, $"unknown law form '{name}' in '{map.Qualified(key)}'{DidYouMean.Hint(name, names)}");
            return null;
        }

        List<LawParameter>? ReadParameters(LawForm form)
        {
            if (top.Map("parameters") is not { } map)
            {
                return null;
            }

            var names = LawForms.ParameterNames(form).ToArray();
            map.RejectUnknown(names);
            var result = new List<LawParameter>();
            foreach (var name in names)
            {
                if (!map.Has(name))
                {
                    map.Error(map.Node, $"missing parameter '{map.Qualified(name)}' (the {LawForms.Name(form)} form has {string.Join(", ", names)})");
                    continue;
                }
                if (map.Map(name) is not { } p)
                {
                    continue;
                }

                p.RejectUnknown("value", "ci");
                p.Require("value", "the fitted value");
                p.Require("ci", "the confidence interval [lower, upper]");
                double? value = Number(p, "value");
                if (value is { } parsed && !double.IsFinite(parsed))
                {
                    p.Error(p.Raw("value")!, $"'{p.Qualified("value")}' must be a finite number, got {(double.IsNaN(parsed) ? ".nan" : parsed > 0 ? ".inf" : "-.inf")}");
                    value = null;
                }

                var ci = Numbers(p, "ci", 2, "[lower, upper]");
                if (ci is not null && ci[0] > ci[1])
                {
                    p.Error(p.Raw("ci")!, $"'{p.Qualified("ci")}' must be [lower, upper] with lower ≤ upper, got [{ci[0].ToString(CultureInfo.InvariantCulture)}, {ci[1].ToString(CultureInfo.InvariantCulture)}]");
                }

                if (value is { } v && ci is not null)
                {
                    result.Add(new LawParameter(name, v, ci[0], ci[1]));
                }
            }
            return result.Count == names.Length ? result : null;
        }

        LawUncertainty? ReadUncertainty(LawForm form)
        {
            if (top.Map("uncertainty") is not { } map)
            {
                return null;
            }

            map.RejectUnknown(UncertaintyKeys);
            foreach (var key in new[] { "level", "resamples", "seed", "reference", "residual_sd_log", "covariance" })
            {
                map.Require(key, key switch
                {
                    "level" => "the interval level, e.g. 0.95",
                    "reference" => "the reference point of the centred parameters",
                    "covariance" => "the covariance of the centred parameters",
                    _ => "a number",
                });
            }

            Fixed(map, "method", Method);
            double? level = Number(map, "level", 0, 1, exclusive: true);
            int? resamples = map.Int("resamples", 1, int.MaxValue);
            int redrawn = map.Int("redrawn", 0, int.MaxValue) ?? 0;
            int? seed = map.Int("seed", int.MinValue, int.MaxValue);
            double widening = Number(map, "widening", 1, double.MaxValue) ?? 1;
            double? sd = Number(map, "residual_sd_log", 0, double.MaxValue);

            double? refP = null, refN = null, refLft = null;
            if (map.Map("reference") is { } reference)
            {
                if (LawForms.UsesScale(form))
                {
                    reference.RejectUnknown("P", "N");
                    reference.Require("P", "the reference P, the geometric mean of the fitted rows' P");
                    reference.Require("N", "the reference N, the geometric mean of the fitted rows' N");
                    refP = Number(reference, "P", double.Epsilon, double.MaxValue);
                    refN = Number(reference, "N", double.Epsilon, double.MaxValue);
                }
                else
                {
                    reference.RejectUnknown("L_ft");
                    reference.Require("L_ft", "the reference L_ft, the mean of the fitted rows' L_ft");
                    refLft = Number(reference, "L_ft");
                }
            }

            var names = LawForms.CentredNames(form);
            double[,]? covariance = null;
            if (map.Map("covariance") is { } cov)
            {
                cov.RejectUnknown(names.ToArray());
                covariance = new double[names.Count, names.Count];
                bool complete = true;
                for (int i = 0; i < names.Count; i++)
                {
                    if (!cov.Has(names[i]))
                    {
                        cov.Error(cov.Node, $"missing row '{cov.Qualified(names[i])}' (the covariance has one row per centred parameter: {string.Join(", ", names)})");
                        complete = false;
                        continue;
                    }
                    var row = Numbers(cov, names[i], names.Count, $"{names.Count} numbers, one per centred parameter ({string.Join(", ", names)})");
                    if (row is null)
                    {
                        complete = false;
                        continue;
                    }
                    for (int j = 0; j < names.Count; j++)
                    {
                        covariance[i, j] = row[j];
                    }
                }
                if (complete)
                {
                    CheckCovariance(cov, names, covariance);
                }
                else
                {
                    covariance = null;
                }
            }

            bool scaleOk = LawForms.UsesScale(form) ? refP is not null && refN is not null : refLft is not null;
            if (level is null || resamples is null || seed is null || sd is null || covariance is null || !scaleOk)
            {
                return null;
            }

            return new LawUncertainty(level.Value, resamples.Value, redrawn, seed.Value, widening, refP, refN, refLft, names, covariance, sd.Value);
        }

        static void CheckCovariance(YamlMap cov, IReadOnlyList<string> names, double[,] c)
        {
            for (int i = 0; i < names.Count; i++)
            {
                if (!(c[i, i] >= 0) || !double.IsFinite(c[i, i]))
                {
                    cov.Error(cov.Raw(names[i])!, $"'{cov.Qualified(names[i])}': the variance (entry {i + 1}) must be a finite number ≥ 0, got {c[i, i].ToString(CultureInfo.InvariantCulture)}");
                }

                for (int j = i + 1; j < names.Count; j++)
                {
                    double scale = Math.Max(Math.Abs(c[i, j]), Math.Abs(c[j, i]));
                    if (!double.IsFinite(c[i, j]) || Math.Abs(c[i, j] - c[j, i]) > 1e-9 * scale)
                    {
                        cov.Error(cov.Raw(names[j])!, $"the covariance must be symmetric: '{cov.Qualified(names[i])}' entry {j + 1} is {c[i, j].ToString(CultureInfo.InvariantCulture)} but '{cov.Qualified(names[j])}' entry {i + 1} is {c[j, i].ToString(CultureInfo.InvariantCulture)}");
                    }
                }
            }
        }

        LawDiagnostics? ReadDiagnostics()
        {
            if (top.Map("diagnostics") is not { } map)
            {
                return null;
            }

            map.RejectUnknown(DiagnosticsKeys);
            foreach (var key in DiagnosticsKeys)
            {
                map.Require(key, key is "rows" or "runs" ? "a count" : "a number");
            }

            double? r2 = Number(map, "r2"), rmse = Number(map, "rmse", 0, double.MaxValue), loo = Number(map, "loo_rmse", 0, double.MaxValue);
            int? rows = map.Int("rows", 1, int.MaxValue), runs = map.Int("runs", 1, int.MaxValue);
            if (r2 is null || rmse is null || loo is null || rows is null || runs is null)
            {
                return null;
            }

            return new LawDiagnostics(r2.Value, rmse.Value, loo.Value, rows.Value, runs.Value);
        }

        (string? Corpus, string? Model, LawProvenance? Provenance) ReadProvenance(int? diagnosticRows)
        {
            if (top.Map("provenance") is not { } map)
            {
                return (null, null, null);
            }

            map.RejectUnknown(ProvenanceKeys);
            foreach (var key in new[] { "ledger", "rows", "fitted_utc", "tool_version" })
            {
                map.Require(key, key switch
                {
                    "ledger" => "the hash of the ledger rows the law was fitted to",
                    "rows" => "the number of rows fitted",
                    "fitted_utc" => "when the law was fitted, e.g. \"2025-03-14T15:09:26Z\"",
                    _ => "the RegressionGuard version that fitted it",
                });
            }

            string? corpus = map.String("corpus"), model = map.String("model"), ledger = map.String("ledger"), version = map.String("tool_version");
            int? rows = map.Int("rows", 1, int.MaxValue);
            if (rows is { } r && diagnosticRows is { } dr && r != dr)
            {
                map.Error(map.Raw("rows")!, $"'{map.Qualified("rows")}' is {r} but 'diagnostics.rows' is {dr}; both count the rows the law was fitted to");
            }

            DateTimeOffset? fitted = null;
            if (map.String("fitted_utc") is { } text)
            {
                if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed))
                {
                    fitted = parsed;
                }
                else
                {
                    map.Error(map.Raw("fitted_utc")!, $"'{map.Qualified("fitted_utc")}' must be a UTC date and time like \"2025-03-14T15:09:26Z\", got '{text}'");
                }
            }
            if (ledger is null || fitted is null || version is null)
            {
                return (corpus, model, null);
            }

            return (corpus, model, new LawProvenance(ledger, fitted.Value, version));
        }

        List<LawCandidate>? ReadCandidates()
        {
            var node = top.Raw("candidates");
            if (node is null)
            {
                return [];
            }

            if (node is not YamlSequenceNode list)
            {
                top.Error(node, $"'candidates' must be a list of mappings, got a {YamlMap.Describe(node)}");
                return null;
            }
            var result = new List<LawCandidate>();
            for (int i = 0; i < list.Children.Count; i++)
            {
                if (list.Children[i] is not YamlMappingNode item)
                {
                    top.Error(list.Children[i], $"'candidates[{i}]' must be a mapping with {string.Join(", ", CandidateKeys)}, got a {YamlMap.Describe(list.Children[i])}");
                    continue;
                }
                var map = new YamlMap(item, top.File, top.Errors, $"candidates[{i}]");
                map.RejectUnknown(CandidateKeys);
                map.Require("form", "saturating, power or linear");
                map.Require("parameters", "the form's parameter count");
                var form = ReadForm(map, "form");
                int? count = map.Int("parameters", 1, 100);
                string? refused = map.String("refused");
                double? r2 = Number(map, "r2"), rmse = Number(map, "rmse", 0, double.MaxValue), loo = Number(map, "loo_rmse", 0, double.MaxValue);
                bool chosen = false;
                if (map.String("chosen") is { } flag)
                {
                    if (flag is "true" or "false")
                    {
                        chosen = flag == "true";
                    }
                    else
                    {
                        map.Error(map.Raw("chosen")!, $"'{map.Qualified("chosen")}' must be true or false, got '{flag}'");
                    }
                }
                if (refused is null && (r2 is null || rmse is null || loo is null))
                {
                    map.Error(item, $"'{map.Where}' needs r2, rmse and loo_rmse, or 'refused' with the reason the form could not be fitted");
                }

                if (form is { } f && count is { } c)
                {
                    result.Add(new LawCandidate(f, c, r2, rmse, loo, refused, chosen));
                }
            }
            return result;
        }

        // ---------------------------------------------------------- numbers

        /// <summary>A number (also <c>.nan</c>, <c>.inf</c>, <c>-.inf</c>), optionally within [min, max] (or (min, max)).</summary>
        static double? Number(YamlMap map, string key, double min = double.NegativeInfinity, double max = double.PositiveInfinity, bool exclusive = false)
        {
            var node = map.Raw(key);
            if (node is null)
            {
                return null;
            }

            if (Parse(node) is not { } value)
            {
                map.Error(node, $"'{map.Qualified(key)}' must be a number, got {Show(node)}");
                return null;
            }
            bool inside = exclusive ? value > min && value < max : value >= min && value <= max;
            if (!double.IsNaN(value) && !inside)
            {
                string range = exclusive ? $"strictly between {Bound(min)} and {Bound(max)}"
                    : min == double.Epsilon && max == double.MaxValue ? "a positive finite number"
                    : max == double.MaxValue ? $"a finite number ≥ {Bound(min)}"
                    : $"between {Bound(min)} and {Bound(max)}";
                map.Error(node, $"'{map.Qualified(key)}' must be {range}, got {value.ToString(CultureInfo.InvariantCulture)}");
                return null;
            }
            if (double.IsNaN(value) && (min > double.NegativeInfinity || max < double.PositiveInfinity))
            {
                map.Error(node, $"'{map.Qualified(key)}' must be a number, got .nan");
                return null;
            }
            return value;
        }

        static string Bound(double value) => value.ToString(CultureInfo.InvariantCulture);

        /// <summary>A list of exactly <paramref name="count"/> numbers.</summary>
        static double[]? Numbers(YamlMap map, string key, int count, string what)
        {
            var node = map.Raw(key);
            if (node is null)
            {
                return null;
            }

            if (node is not YamlSequenceNode list || list.Children.Count != count)
            {
                string got = node is YamlSequenceNode l ? $"a list of {l.Children.Count}" : Show(node);
                map.Error(node, $"'{map.Qualified(key)}' must be a list of {what}, got {got}");
                return null;
            }
            var values = new double[count];
            bool ok = true;
            for (int i = 0; i < count; i++)
            {
                if (Parse(list.Children[i]) is { } v && !double.IsNaN(v))
                {
                    values[i] = v;
                }
                else
                {
                    map.Error(list.Children[i], $"'{map.Qualified(key)}' entry {i + 1} must be a number, got {Show(list.Children[i])}");
                    ok = false;
                }
            }
            return ok ? values : null;
        }

        static double? Parse(YamlNode node)
        {
            if (node is not YamlScalarNode { Style: YamlDotNet.Core.ScalarStyle.Plain, Value: { } text })
            {
                return null;
            }

            switch (text)
            {
                case ".nan" or ".NaN" or ".NAN": return double.NaN;
                case ".inf" or ".Inf" or ".INF" or "+.inf": return double.PositiveInfinity;
                case "-.inf" or "-.Inf" or "-.INF": return double.NegativeInfinity;
            }
            return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? value : null;
        }

        static string Show(YamlNode node) => node is YamlScalarNode s ? $"'{s.Value}'" : $"a {YamlMap.Describe(node)}";
    }
}
