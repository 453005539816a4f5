using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using RegressionGuard.Suites.Evaluation;

namespace RegressionGuard.Reports;

/// <summary>
/// The JSON form of a <see cref="GateReport"/> (<c>report.json</c>): indented, snake_case names, enums as lowercase
/// strings, invariant numbers and properties in declaration order, so that two runs with the same results differ only
/// in <c>generated_utc</c> and <c>duration_seconds</c>.
/// </summary>
public static class ReportJson
{
    /// <summary>The serializer options of <c>report.json</c>.</summary>
    public static readonly JsonSerializerOptions Options = new(ResultFiles.Json)
    {
        WriteIndented = true,
        // a null where the report has a value, or a missing record member, is a broken report, not a null to render later
        RespectNullableAnnotations = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false) },
    };

    /// <summary>The report as indented JSON.</summary>
    public static string Serialize(GateReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        return JsonSerializer.Serialize(report, Options);
    }

    /// <summary>Reads a report written by <see cref="Serialize"/>; the schema version must be <see cref="GateReport.CurrentSchemaVersion"/>.</summary>
    /// <exception cref="InvalidDataException">not a report, or a schema version this build does not read.</exception>
    public static GateReport Deserialize(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        if (HasLoneSurrogate(json))
        {
            throw new InvalidDataException("not a RegressionGuard report: the text holds an unpaired UTF-16 surrogate");
        }

        using (var document = JsonDocument.Parse(json))
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidDataException("not a RegressionGuard report: the JSON is not an object");
            }

            if (!document.RootElement.TryGetProperty("schema_version", out var version) || version.ValueKind != JsonValueKind.Number || !version.TryGetInt32(out int found))
            {
                throw new InvalidDataException($"not a RegressionGuard report: no integer schema_version (supported: {GateReport.CurrentSchemaVersion})");
            }

            if (found != GateReport.CurrentSchemaVersion)
            {
                throw new InvalidDataException($"unsupported report schema_version {found}: this version of RegressionGuard reads schema_version {GateReport.CurrentSchemaVersion}");
            }
        }
        var report = JsonSerializer.Deserialize<GateReport>(json, Options)
            ?? throw new InvalidDataException("not a RegressionGuard report: the JSON is null");
        RequireValues(report, "report", new NullabilityInfoContext(), depth: 0);
        return report;
    }

    /// <summary>
    /// A member the model declares non-nullable but the JSON left out is null after deserialization; found by fuzzing
    /// (a report without a flip list failed in the renderer). Every such member, at any depth, is an error here.
    /// </summary>
    internal static void RequireValues(object value, string path, NullabilityInfoContext context, int depth, string what = "report")
    {
        var type = value.GetType();
        if (depth > 16 || type.IsPrimitive || type.IsEnum || value is string or decimal or DateTimeOffset or DateTime)
        {
            return;
        }

        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetIndexParameters().Length > 0)
            {
                continue;
            }

            var name = JsonNamingPolicy.SnakeCaseLower.ConvertName(property.Name);
            var nullability = context.Create(property);
            switch (property.GetValue(value))
            {
                case null when nullability.ReadState == NullabilityState.NotNull:
                    throw new InvalidDataException($"not a complete RegressionGuard {what}: {path}.{name} is missing or null");
                case null:
                    break;
                case string:
                    break;
                case System.Collections.IEnumerable items:
                    bool itemsRequired = nullability.GenericTypeArguments is [{ ReadState: NullabilityState.NotNull }] || nullability.ElementType?.ReadState == NullabilityState.NotNull;
                    int i = 0;
                    foreach (var item in items)
                    {
                        if (item is null && itemsRequired)
                        {
                            throw new InvalidDataException($"not a complete RegressionGuard {what}: {path}.{name}[{i}] is null");
                        }

                        if (item is not null)
                        {
                            RequireValues(item, $"{path}.{name}[{i}]", context, depth + 1, what);
                        }

                        i++;
                    }
                    break;
                case var member:
                    RequireValues(member, $"{path}.{name}", context, depth + 1, what);
                    break;
            }
        }
    }

    static bool HasLoneSurrogate(string text)
    {
        for (int i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(text[i]))
            {
                return true;
            }
        }
        return false;
    }
}
