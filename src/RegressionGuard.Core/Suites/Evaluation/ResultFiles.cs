using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace RegressionGuard.Suites.Evaluation;

/// <summary>JSON forms of suite results: <c>items.jsonl</c> (one item per line), <c>metrics.json</c>, and the <c>--json</c> summary.</summary>
public static class ResultFiles
{
    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>{"suite", "version", "items", "metrics": {name: {"value", "stderr", "higher_is_better", ...}}, and with
    /// group_by "groups": {group: {name: {...}}}, with a judge "judge": {"model", "unparseable"}}; "items" counts the
    /// items scored; when the prompts were checked against the model's context, "skipped" (items left out as too long,
    /// each in items.jsonl with its reason), "truncated" (prompts cut from the left), "context_length" and "truncate"</summary>
    public static object Summary(SuiteResult result) => new
    {
        suite = result.Suite,
        version = result.Version,
        kind = result.Kind,
        task = result.Task,
        model = result.Model,
        items = result.Items.Count - result.SkippedItems,
        skipped = result.ContextLength is null ? (int?)null : result.SkippedItems,
        truncated = result.ContextLength is null ? (int?)null : result.TruncatedItems,
        context_length = result.ContextLength,
        truncate = result.Truncate,
        metrics = Metrics(result.Metrics),
        groups = result.Groups?.ToDictionary(g => g.Key, g => Metrics(g.Value)),
        judge = result.Judge is null ? null : new { model = result.Judge, unparseable = result.JudgeUnparseable },
    };

    static Dictionary<string, object> Metrics(IReadOnlyDictionary<string, MetricValue> metrics) => metrics.ToDictionary(kv => kv.Key, kv => (object)new
    {
        value = kv.Value.Value,
        stderr = kv.Value.Stderr,
        higher_is_better = kv.Value.HigherIsBetter,
        n = kv.Value.Count,
        max_drop = kv.Value.MaxDrop,
        max_rise = kv.Value.MaxRise,
    });

    public static string SummaryJson(SuiteResult result, bool indented = false) =>
        JsonSerializer.Serialize(Summary(result), new JsonSerializerOptions(Json) { WriteIndented = indented });

    /// <summary>Writes items.jsonl and metrics.json into <paramref name="folder"/> (created), each atomically.</summary>
    public static void Write(SuiteResult result, string folder)
    {
        Directory.CreateDirectory(folder);
        WriteAtomically(Path.Combine(folder, "items.jsonl"), w =>
        {
            foreach (var item in result.Items)
            {
                w.WriteLine(JsonSerializer.Serialize(item, Json));
            }
        });
        WriteAtomically(Path.Combine(folder, "metrics.json"), w => w.WriteLine(SummaryJson(result, indented: true)));
    }

    static void WriteAtomically(string path, Action<TextWriter> write)
    {
        var tmp = $"{path}.tmp-{Environment.ProcessId}";
        using (var writer = new StreamWriter(tmp, false, new System.Text.UTF8Encoding(false)))
        {
            write(writer);
        }

        File.Move(tmp, path, overwrite: true);
    }
}
