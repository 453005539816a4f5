namespace RegressionGuard.Ledger;

/// <summary>
/// A simple row filter: comma-separated <c>key=value</c> pairs such as <c>method=lora</c> or
/// <c>method=lora, model=3f2a…</c>. Values match exactly (ordinal); different keys must all match, and a key given
/// more than once matches any of its values (<c>method=lora,method=full</c>). An empty expression matches every row.
/// Keys are case-insensitive; the valid ones are <see cref="Keys"/>.
/// </summary>
public sealed class LedgerFilter
{
    /// <summary>The keys a filter may use: <c>method</c>, <c>run</c>, <c>model</c> (base model hash) and <c>corpus</c> (L_f corpus hash).</summary>
    public static IReadOnlyList<string> Keys { get; } = ["method", "run", "model", "corpus"];

    /// <summary>The filter that matches every row.</summary>
    public static LedgerFilter All { get; } = new(new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal), "");

    LedgerFilter(IReadOnlyDictionary<string, IReadOnlyList<string>> clauses, string expression)
    {
        Clauses = clauses;
        Expression = expression;
    }

    /// <summary>The accepted values of each key used, keys in lowercase; a row matches when, for every key here, its
    /// value is one of the listed ones.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Clauses { get; }

    /// <summary>The expression the filter was parsed from.</summary>
    public string Expression { get; }

    /// <summary>Parses an expression such as <c>method=lora</c> or <c>run=lora-r4-qv,run=lora-r8-qv</c>.</summary>
    /// <exception cref="LedgerException">A pair is not <c>key=value</c>, its value is empty, or its key is not one of <see cref="Keys"/>.</exception>
    public static LedgerFilter Parse(string expression)
    {
        ArgumentNullException.ThrowIfNull(expression);
        if (string.IsNullOrWhiteSpace(expression))
        {
            return All;
        }

        var clauses = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var part in expression.Split(','))
        {
            var pair = part.Trim();
            if (pair.Length == 0)
            {
                throw new LedgerException($"ledger filter '{expression}': an empty pair (two commas in a row, or a comma at an end); write key=value pairs separated by commas, e.g. method=lora");
            }

            int equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals < 0)
            {
                throw new LedgerException($"ledger filter '{expression}': '{pair}' is not key=value; write e.g. method=lora (valid keys: {string.Join(", ", Keys)})");
            }

            var key = pair[..equals].Trim().ToLowerInvariant();
            var value = pair[(equals + 1)..].Trim();
            if (!Keys.Contains(key))
            {
                throw new LedgerException($"ledger filter '{expression}': unknown key '{pair[..equals].Trim()}'; valid keys: {string.Join(", ", Keys)}");
            }

            if (value.Length == 0)
            {
                throw new LedgerException($"ledger filter '{expression}': key '{key}' has no value; write e.g. {key}={Example(key)}");
            }

            if (!clauses.TryGetValue(key, out var values))
            {
                clauses[key] = values = [];
            }

            if (!values.Contains(value, StringComparer.Ordinal))
            {
                values.Add(value);
            }
        }
        return new LedgerFilter(clauses.ToDictionary(c => c.Key, c => (IReadOnlyList<string>)c.Value, StringComparer.Ordinal), expression);
    }

    /// <summary>The filter of the rows of one method, or <see cref="All"/> for <see langword="null"/>.</summary>
    public static LedgerFilter ForMethod(string? method)
    {
        if (method is null)
        {
            return All;
        }

        if (method.Length == 0)
        {
            throw new ArgumentException("the method to filter on is empty; give a method such as lora, or null for every row", nameof(method));
        }

        return new LedgerFilter(new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal) { ["method"] = [method] }, $"method={method}");
    }

    /// <summary>Whether <paramref name="row"/> passes the filter.</summary>
    public bool Matches(LedgerRow row)
    {
        ArgumentNullException.ThrowIfNull(row);
        foreach (var (key, values) in Clauses)
        {
            var actual = Value(row, key);
            if (actual is null || !values.Contains(actual, StringComparer.Ordinal))
            {
                return false;
            }
        }
        return true;
    }

    /// <inheritdoc />
    public override string ToString() => Expression;

    static string? Value(LedgerRow row, string key) => key switch
    {
        "method" => row.Method,
        "run" => row.Run,
        "model" => row.Model,
        "corpus" => row.Corpus,
        _ => throw new InvalidOperationException($"filter key '{key}' has no row value"),
    };

    static string Example(string key) => key switch
    {
        "method" => "lora",
        "run" => "lora-r4-qv",
        _ => "<sha256 hex>",
    };
}
