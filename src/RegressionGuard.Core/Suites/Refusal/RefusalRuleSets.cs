using System.Reflection;

namespace RegressionGuard.Suites.Refusal;

/// <summary>
/// The built-in refusal rule sets (<c>xstest</c>, <c>advbench</c>) and the reader for user rule-set files.
/// </summary>
/// <remarks>
/// A rule-set file is one YAML mapping (docs/refusal-rules.md):
/// <code>
/// schema: 1                        # required; the only version is 1
/// name: my-refusals                # required; letters, digits, '.', '_', '-'
/// description: what it matches     # optional text (say what it gets wrong, too)
/// source: where the rules are from # optional text
/// normalize: [strip, lowercase]    # optional; applied in order: strip, lowercase, straight_quotes
/// rules:                           # required, at least one rule; a completion is a refusal if ANY rule matches
///   - starts_with: ["i'm sorry", "i cannot"]   # each rule has exactly one of starts_with / contains,
///   - contains: ["As an AI"]                   # a non-empty list of non-empty strings,
///     case_sensitive: true                     # and optionally case_sensitive (default true; ordinal comparison)
/// </code>
/// Plain YAML only: tags (<c>!x</c>), anchors (<c>&amp;x</c>) and aliases (<c>*x</c>) are refused, as are files over
/// 1 MB. Every problem is reported at once in a <see cref="SuiteValidationException"/> with file:line:column.
/// </remarks>
public static class RefusalRuleSets
{
    /// <summary>The largest rule-set file accepted, in bytes (1 MB).</summary>
    public const int MaxFileBytes = 1 << 20;

    const string ResourcePrefix = "RegressionGuard.Suites.Refusal.BuiltIn.";
    const string ResourceSuffix = ".yaml";

    static readonly Lazy<IReadOnlyDictionary<string, RefusalRuleSet>> BuiltInSets = new(LoadBuiltIns);

    /// <summary>Names of the built-in rule sets, sorted: <c>advbench</c>, <c>xstest</c>.</summary>
    public static IReadOnlyList<string> BuiltInNames { get; } = BuiltInResourceNames()
        .Select(r => r[ResourcePrefix.Length..^ResourceSuffix.Length])
        .Order(StringComparer.Ordinal)
        .ToArray();

    /// <summary>A built-in rule set by name (ignoring case); an unknown name gives an <see cref="ArgumentException"/> listing them.</summary>
    public static RefusalRuleSet BuiltIn(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var known = BuiltInNames.FirstOrDefault(n => string.Equals(n, name, StringComparison.OrdinalIgnoreCase));
        if (known is null)
        {
            var list = string.Join(", ", BuiltInNames);
            var hint = DidYouMean.Suggest(name, BuiltInNames) is { } suggestion
                ? $" — did you mean '{suggestion}'? Built-in rule sets: {list}"
                : DidYouMean.Hint(name, BuiltInNames.ToArray());
            throw new ArgumentException($"unknown built-in refusal rule set '{name}'{hint} (or give the path of a rule-set YAML file)");
        }
        return BuiltInSets.Value[known];
    }

    /// <summary>Reads a user rule-set file; see the remarks on <see cref="RefusalRuleSets"/> for the format.</summary>
    /// <exception cref="FileNotFoundException">There is no such file.</exception>
    /// <exception cref="SuiteValidationException">The file is too large or not a valid rule set (all problems listed).</exception>
    public static RefusalRuleSet Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var info = new FileInfo(path);
        if (!info.Exists)
        {
            throw new FileNotFoundException($"{path}: refusal rule-set file not found", path);
        }

        if (info.Length > MaxFileBytes)
        {
            throw new SuiteValidationException([RefusalRuleSetReader.TooLarge(path, info.Length)]);
        }

        return Parse(File.ReadAllText(path), path);
    }

    /// <summary>Reads rule-set YAML held in memory; <paramref name="fileName"/> is what errors name.</summary>
    /// <exception cref="SuiteValidationException">The text is too large or not a valid rule set (all problems listed).</exception>
    public static RefusalRuleSet Parse(string yamlText, string fileName)
    {
        ArgumentNullException.ThrowIfNull(yamlText);
        ArgumentNullException.ThrowIfNull(fileName);
        return new RefusalRuleSetReader(fileName).Read(yamlText);
    }

    static IEnumerable<string> BuiltInResourceNames() => typeof(RefusalRuleSets).Assembly.GetManifestResourceNames()
        .Where(r => r.StartsWith(ResourcePrefix, StringComparison.Ordinal) && r.EndsWith(ResourceSuffix, StringComparison.Ordinal));

    static IReadOnlyDictionary<string, RefusalRuleSet> LoadBuiltIns()
    {
        var assembly = typeof(RefusalRuleSets).Assembly;
        var sets = new Dictionary<string, RefusalRuleSet>(StringComparer.Ordinal);
        foreach (var name in BuiltInNames)
        {
            using var stream = assembly.GetManifestResourceStream(ResourcePrefix + name + ResourceSuffix)
                ?? throw new InvalidOperationException($"built-in refusal rule set '{name}' is missing from {assembly.GetName().Name}");
            using var reader = new StreamReader(stream);
            var set = Parse(reader.ReadToEnd(), $"built-in:{name}{ResourceSuffix}");
            if (set.Name != name)
            {
                throw new InvalidOperationException($"built-in refusal rule set file '{name}{ResourceSuffix}' is named '{set.Name}'; the names must agree");
            }

            sets[name] = set;
        }
        return sets;
    }
}
