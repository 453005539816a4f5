using System.Globalization;
using RegressionGuard.Suites.Templates;

namespace RegressionGuard.Suites.Data;

/// <summary>
/// Applies a suite's <c>data.shape</c> steps (<see cref="ShapeStep"/>) to the rows read, in order. Every problem of
/// every row is collected and reported together, each at its step's place in the suite with the data row it happened
/// on; a row that fails a step takes no part in the later steps. Work is linear in the rows (a join by key builds one
/// dictionary); the filter runs in the sandboxed template engine with its limits.
/// </summary>
public static class DataShaping
{
    /// <exception cref="SuiteValidationException">any step failed on any row (all problems at once).</exception>
    public static IReadOnlyList<DataRow> Apply(IReadOnlyList<DataRow> rows, IReadOnlyList<ShapeStep> steps, string baseDirectory, IReadOnlyList<string> allowedRoots)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(steps);
        var errors = new List<SuiteError>();
        IReadOnlyList<DataRow> current = rows;
        foreach (var step in steps)
        {
            var next = new List<DataRow>(current.Count);
            void Fail(string message, DataRow? row) =>
                errors.Add(new SuiteError(step.Position.File, step.Position.Line, step.Position.Column, $"data.shape {step.Name}: {message}") { Row = row?.Where });

            Func<DataRow, int, DataRow?> apply;
            switch (step)
            {
                case JoinStep join:
                    if (Join(join, current, baseDirectory, allowedRoots, Fail) is not { } joined)
                    {
                        continue;
                    }

                    apply = joined;
                    break;
                case FilterStep filter:
                    if (!PromptTemplate.TryParse(new TemplateText($"{{% if {filter.Condition.Text} %}}1{{% endif %}}", filter.Condition.Position), out var condition, out var syntax))
                    {
                        Fail($"the condition '{filter.Condition.Text}' has a syntax error: {syntax}", null);
                        continue;
                    }

                    apply = (row, _) => condition!.Render(row.Fields, null, row.Where) == "1" ? row : null;
                    break;
                default:
                    apply = (row, _) => row with { Fields = Reshape(step, row) };
                    break;
            }
            for (int i = 0; i < current.Count; i++)
            {
                try
                {
                    if (apply(current[i], i) is { } shaped)
                    {
                        next.Add(shaped);
                    }
                }
                catch (SuiteDataException e)
                {
                    Fail(e.Detail ?? e.Message, current[i]);
                }
            }
            current = next;
        }
        if (errors.Count > 0)
        {
            throw new SuiteValidationException(errors);
        }

        return current;
    }

    /// <summary>The value of a field named exactly as in the data, else of a field path (nested JSON).</summary>
    static object? Get(DataRow row, string field)
    {
        if (row.Fields.TryGetValue(field, out var value))
        {
            return value;
        }

        if (FieldPath.SyntaxError(field) is null && !field.Contains(' ', StringComparison.Ordinal))
        {
            try
            {
                return FieldPath.Evaluate(row.Fields, field);
            }
            catch (SuiteDataException)
            {
                // reported below with the field names
            }
        }
        throw new SuiteDataException($"field '{field}' not found; fields: {string.Join(", ", row.Fields.Keys.Select(k => $"'{k}'"))}");
    }

    static Dictionary<string, object?> Copy(DataRow row) => new(row.Fields, StringComparer.Ordinal);

    static IReadOnlyDictionary<string, object?> Reshape(ShapeStep step, DataRow row)
    {
        switch (step)
        {
            case RenameStep rename:
                {
                    var map = rename.Names.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
                    foreach (var from in map.Keys.Where(k => !row.Fields.ContainsKey(k)))
                    {
                        throw new SuiteDataException($"field '{from}' not found; fields: {string.Join(", ", row.Fields.Keys.Select(k => $"'{k}'"))}");
                    }

                    var fields = new Dictionary<string, object?>(StringComparer.Ordinal);
                    foreach (var (name, value) in row.Fields)
                    {
                        var to = map.TryGetValue(name, out var renamed) ? renamed : name;
                        if (!fields.TryAdd(to, value))
                        {
                            throw new SuiteDataException($"two fields would be named '{to}'; rename or select the other one first");
                        }
                    }
                    return fields;
                }
            case SelectStep select:
                return select.Fields.ToDictionary(f => f, f => Get(row, f), StringComparer.Ordinal);
            case SplitStep split:
                {
                    var value = Get(row, split.Field);
                    if (value is not string text)
                    {
                        throw new SuiteDataException($"field '{split.Field}' is {Kind(value)}, not a text to split");
                    }

                    var fields = Copy(row);
                    fields[split.Into] = text.Split(split.Separator).Select(p => p.Trim()).Where(p => p.Length > 0).Cast<object?>().ToList();
                    return fields;
                }
            case MapStep map:
                {
                    var text = FieldPath.AsText(Get(row, map.Field));
                    var fields = Copy(row);
                    if (map.Values.TryGetValue(text, out var mapped))
                    {
                        fields[map.Into] = mapped;
                    }
                    else if (map.HasDefault)
                    {
                        fields[map.Into] = map.Default;
                    }
                    else
                    {
                        throw new SuiteDataException($"field '{map.Field}' is '{text}', which 'values' does not map (it maps {string.Join(", ", map.Values.Keys.Select(k => $"'{k}'"))}); add it, or give a default");
                    }
                    return fields;
                }
            case OneHotStep oneHot:
                {
                    var value = Get(row, oneHot.Field);
                    if (value is not IReadOnlyList<object?> list)
                    {
                        throw new SuiteDataException($"field '{oneHot.Field}' is {Kind(value)}, not a one-hot list such as [0, 1, 0]");
                    }

                    var set = new List<int>();
                    for (int i = 0; i < list.Count; i++)
                    {
                        var on = OneHotEntry(list[i]) ?? throw new SuiteDataException($"field '{oneHot.Field}' entry {i} is {FieldPath.AsText(list[i])}; a one-hot list holds 0/1 or true/false");
                        if (on)
                        {
                            set.Add(i);
                        }
                    }
                    if (set.Count != 1)
                    {
                        throw new SuiteDataException($"field '{oneHot.Field}' has {set.Count} entries set ({FieldPath.AsText(value)}); a one-hot list has exactly one");
                    }

                    var fields = Copy(row);
                    fields[oneHot.Into] = (long)set[0];
                    return fields;
                }
            case ListStep gather:
                {
                    var fields = Copy(row);
                    fields[gather.Into] = gather.Fields
                        .Select(f => row.Fields.TryGetValue(f, out var v) ? v : null)
                        .Where(v => v is not null && !(v is string s && s.Trim().Length == 0))
                        .ToList();
                    return fields;
                }
            default:
                throw new ArgumentOutOfRangeException(nameof(step), step.Name, "not a per-row step");
        }
    }

    static bool? OneHotEntry(object? value) => value switch
    {
        bool b => b,
        long l when l is 0 or 1 => l == 1,
        double d when d is 0 or 1 => d == 1,
        string s => s.Trim().ToLowerInvariant() switch
        {
            "1" or "true" or "1.0" => true,
            "0" or "false" or "0.0" => false,
            _ => null,
        },
        _ => null,
    };

    /// <summary>The kind of a value, without the value: rows failing alike group into one problem.</summary>
    static string Kind(object? value) => value switch
    {
        null => "null",
        string => "a text",
        IReadOnlyList<object?> => "a list",
        IReadOnlyDictionary<string, object?> => "a mapping",
        bool => "a boolean",
        _ => "a number",
    };

    /// <summary>The per-row function of a join, or null (with the problem reported) when the other file cannot be used.</summary>
    static Func<DataRow, int, DataRow?>? Join(JoinStep join, IReadOnlyList<DataRow> rows, string baseDirectory, IReadOnlyList<string> allowedRoots, Action<string, DataRow?> fail)
    {
        IReadOnlyList<DataRow> other;
        try
        {
            other = DataReader.Read(join.Source, baseDirectory, allowedRoots);
        }
        catch (SuiteDataException e)
        {
            fail(e.Message, null);
            return null;
        }
        catch (SuiteValidationException e)
        {
            foreach (var error in e.Errors)
            {
                fail(error.ToString(), null);
            }

            return null;
        }

        if (join.On is null)
        {
            if (other.Count != rows.Count)
            {
                fail($"joining by row number needs as many rows in {join.Source.Path} ({other.Count:N0}) as in the data ({rows.Count:N0}); join by a key with 'on' instead, or fix the files", null);
                return null;
            }

            return (row, i) => row with { Fields = Merge(row, other[i], null) };
        }

        var otherKey = join.OtherOn ?? join.On;
        var byKey = new Dictionary<string, DataRow>(StringComparer.Ordinal);
        foreach (var o in other)
        {
            try
            {
                var key = FieldPath.AsText(Get(o, otherKey));
                if (!byKey.TryAdd(key, o))
                {
                    fail($"key '{key}' appears twice in {join.Source.Path} (at {byKey[key].Where} and {o.Where}); a key joins one row", null);
                }
            }
            catch (SuiteDataException e)
            {
                fail($"{o.Where}: {e.Message}", null);
            }
        }
        return (row, _) =>
        {
            var key = FieldPath.AsText(Get(row, join.On));
            return byKey.TryGetValue(key, out var match)
                ? row with { Fields = Merge(row, match, otherKey) }
                : throw new SuiteDataException($"no row of {join.Source.Path} has {otherKey} '{key}'");
        };

        IReadOnlyDictionary<string, object?> Merge(DataRow row, DataRow o, string? skip)
        {
            var fields = Copy(row);
            foreach (var (name, value) in o.Fields)
            {
                if (name == skip && join.Prefix.Length == 0)
                {
                    continue;
                }

                var to = join.Prefix + name;
                if (!fields.TryAdd(to, value))
                {
                    throw new SuiteDataException($"field '{to}' of {o.Where} is already a field of the row; set 'prefix' (e.g. prefix: \"labels_\") or rename one of them");
                }
            }
            return fields;
        }
    }
}
