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
        return JsonSerializer.Deserialize<GateReport>(json, Options)
            ?? throw new InvalidDataException("not a RegressionGuard report: the JSON is null");
    }
}
