using System.Text.RegularExpressions;
using RegressionGuard.Suites.Data;
using RegressionGuard.Suites.Loading;

namespace RegressionGuard.Suites.Scaffolding;

/// <summary>
/// A starter suite for a data file: the guessed <see cref="Plan"/>, where the suite will be written, how it names its
/// data, and the YAML text. Nothing is written to disk here.
/// </summary>
/// <param name="SuiteFile">The full path the suite is meant for (its folder anchors <paramref name="DataPath"/>).</param>
/// <param name="Id">The suite id: the data file's name without its extension, reduced to letters, digits, _ . -.</param>
/// <param name="DataPath">The suite's <c>data.path</c>: relative to the suite's folder when the data lies inside it,
/// else <c>${name_dir}/file</c>, because a suite may read only inside its own folder or a folder given by a variable.</param>
/// <param name="Variables">The variable <paramref name="DataPath"/> uses, with the data file's folder as its value;
/// empty for a relative path.</param>
public sealed partial record SuiteScaffold(
    SuitePlan Plan,
    string SuiteFile,
    string Id,
    string DataPath,
    IReadOnlyDictionary<string, string> Variables,
    string Text)
{
    /// <summary>Reads a sample of <paramref name="dataFile"/>, guesses the roles for <paramref name="task"/> and writes
    /// the suite text for <paramref name="suiteFile"/>.</summary>
    /// <exception cref="SuiteDataException">the data cannot be read, or a given field is not in it.</exception>
    /// <exception cref="SuiteGuessException">a role the suite needs cannot be guessed.</exception>
    public static SuiteScaffold Create(string dataFile, TaskType task, string suiteFile, IReadOnlyDictionary<SuiteRole, string>? given = null, ScaffoldOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(suiteFile);
        options ??= new ScaffoldOptions();
        var suite = Path.GetFullPath(suiteFile);
        var suiteFolder = Path.GetDirectoryName(suite)!;
        var variables = new Dictionary<string, string>(StringComparer.Ordinal);

        // Shaping the scaffold needs, read exactly as the suite will: a separate labels file joined by row number,
        // and fields whose names a template cannot hold (spaces) renamed.
        var shape = new List<ShapeStep>();
        var shapeText = new List<string>();
        var roots = new List<string>();
        var at = new SourcePosition(suite, 1, 1);
        if (options.LabelsFile is { } labelsFile)
        {
            var full = Path.GetFullPath(labelsFile);
            var (labelsPath, labelsVariables) = DataPathFor(full, suiteFolder);
            foreach (var (k, v) in labelsVariables)
            {
                variables[k] = v;
            }

            roots.Add(Path.GetDirectoryName(full)!);
            bool oneValuePerLine = Path.GetExtension(full).ToLowerInvariant() is ".lst" or ".txt" or "";
            shape.Add(new JoinStep(at, new DataSourceSpec(full)
            {
                Format = oneValuePerLine ? "csv" : DataReader.AutoFormat,
                Columns = oneValuePerLine ? ["label"] : null,
                Header = oneValuePerLine ? false : null,
            }, null, null, ""));
            shapeText.Add(oneValuePerLine
                ? $"- join: {{path: {YamlText.Scalar(labelsPath)}, format: csv, columns: [label], header: false}}"
                : $"- join: {{path: {YamlText.Scalar(labelsPath)}}}");
        }

        var renamed = new Dictionary<SuiteRole, string>();
        var renames = new List<KeyValuePair<string, string>>();
        foreach (var (role, value) in given ?? new Dictionary<SuiteRole, string>())
        {
            var parts = value.Split(',').Select(p => p.Trim()).ToList();
            var names = parts.Select(part =>
            {
                if (YamlText.IsTemplateName(part) || FieldPath.SyntaxError(part) is null && !part.Contains(' ', StringComparison.Ordinal))
                {
                    return part;
                }

                var existing = renames.FirstOrDefault(r => r.Key == part);
                if (existing.Key is not null)
                {
                    return existing.Value;
                }

                var name = TemplateName(part, renames.Select(r => r.Value));
                renames.Add(new(part, name));
                return name;
            }).ToList();
            renamed[role] = string.Join(",", names);
        }
        if (renames.Count > 0)
        {
            shape.Add(new RenameStep(at, renames));
            shapeText.Add($"- rename: {{{string.Join(", ", renames.Select(r => $"{YamlText.Quote(r.Key)}: {YamlText.Scalar(r.Value)}"))}}}");
        }

        var sample = ColumnInspector.Inspect(dataFile, ColumnInspector.DefaultSampleRows, options.Format ?? DataReader.AutoFormat, shape, roots);
        var plan = RoleGuesser.Guess(sample, task, renamed);
        plan = plan with { AnswerBase = AnswerBaseOf(plan, options.AnswerBase), Completion = options.Completion ?? LooksLikeCompletion(plan) };
        var id = IdOf(sample.File);
        var (dataPath, dataVariables) = DataPathFor(sample.File, suiteFolder);
        foreach (var (k, v) in dataVariables)
        {
            variables[k] = v;
        }

        var scaffold = new SuiteScaffold(plan, suite, id, dataPath, variables, "") { Format = options.Format, Shape = shapeText };
        return scaffold with { Text = SuiteScaffoldWriter.Write(scaffold) };
    }

    /// <summary>A context (ctx, context) continued by endings: the data of a completion-style set such as HellaSwag.</summary>
    static bool LooksLikeCompletion(SuitePlan plan)
    {
        if (plan.Task != TaskType.MultipleChoice || plan.Guess(SuiteRole.Question) is not { } question || plan.Guess(SuiteRole.Choices) is not { } choices)
        {
            return false;
        }

        static string Last(string path) => path.Split('.', ',')[^1].Trim().ToLowerInvariant();
        var context = Last(question.Field);
        return (context.StartsWith("ctx", StringComparison.Ordinal) || context.Contains("context", StringComparison.Ordinal))
            && choices.Field.Split(',').All(c => Last(c).Contains("ending", StringComparison.Ordinal));
    }

    /// <summary><c>data.format</c> when given on the command line (null: from the extension).</summary>
    public string? Format { get; init; }

    /// <summary>The <c>data.shape</c> steps, one YAML flow line each.</summary>
    public IReadOnlyList<string> Shape { get; init; } = [];

    /// <summary>A field name a template can hold, for a column named with spaces or symbols ("Best Answer" → best_answer).</summary>
    static string TemplateName(string column, IEnumerable<string> taken)
    {
        var name = InvalidVariableCharacters().Replace(column.ToLowerInvariant(), "_").Trim('_');
        if (name.Length == 0 || char.IsAsciiDigit(name[0]))
        {
            name = "field_" + name;
        }

        var used = taken.ToHashSet(StringComparer.Ordinal);
        var unique = name;
        for (int i = 2; used.Contains(unique); i++)
        {
            unique = $"{name}_{i}";
        }

        return unique;
    }

    /// <summary>
    /// The <c>answer_base</c> to write for integer answers read as positions (no labels): 0 when some sampled answer
    /// is 0, <paramref name="given"/> when the command line says; otherwise it cannot tell, and says what to pass.
    /// </summary>
    static int? AnswerBaseOf(SuitePlan plan, int? given)
    {
        if (plan.Task != TaskType.MultipleChoice || plan.AnswerField is null || plan.Labels is not null || plan.LabelsField is not null)
        {
            return given;
        }

        var answers = plan.Data.Field(plan.AnswerField);
        var integers = answers?.Values.Select(v => v switch
        {
            long l => (long?)l,
            double d when Math.Floor(d) == d && Math.Abs(d) < 1e15 => (long)d,
            string t when t.Trim() is { Length: > 0 } x && x.All(char.IsAsciiDigit) && long.TryParse(x, out var n) => n,
            _ => null,
        }).ToList();
        if (integers is null || integers.Count == 0 || integers.Any(i => i is null))
        {
            return given; // letters
        }

        if (given is not null)
        {
            return given;
        }

        if (integers.Contains(0))
        {
            return 0;
        }

        throw new SuiteGuessException(
            [new MissingRole(SuiteRole.Answer, "answer", "answer_base", $"the integer answers in {YamlText.Show(plan.AnswerField)} run from {integers.Min()} to {integers.Max()} and never use 0, so they may count from 0 or from 1; pass --answer-base 0 or --answer-base 1")],
            plan.Data.Fields.Select(f => f.Path).ToList());
    }

    /// <summary>"--set name=value" for each variable (empty when there are none).</summary>
    public string SetArguments => string.Concat(Variables.Select(v => $" --set {YamlText.ShellWord($"{v.Key}={v.Value}")}"));

    static string IdOf(string dataFile)
    {
        var id = InvalidIdCharacters().Replace(Path.GetFileNameWithoutExtension(dataFile), "_").TrimStart('_', '.', '-');
        return id.Length == 0 ? "suite" : id;
    }

    static (string Path, IReadOnlyDictionary<string, string> Variables) DataPathFor(string dataFile, string suiteFolder)
    {
        var relative = Path.GetRelativePath(suiteFolder, dataFile);
        bool inside = !Path.IsPathRooted(relative) && relative != ".." && !relative.StartsWith(".." + Path.DirectorySeparatorChar, StringComparison.Ordinal);
        if (inside && !relative.Contains("${", StringComparison.Ordinal))
        {
            return (relative.Replace(Path.DirectorySeparatorChar, '/'), new Dictionary<string, string>());
        }

        var folder = Path.GetDirectoryName(dataFile)!;
        var name = InvalidVariableCharacters().Replace(Path.GetFileName(folder), "_").Trim('_');
        var variable = (name.Length == 0 || char.IsAsciiDigit(name[0]) ? "data" + (name.Length == 0 ? "" : "_" + name) : name) + "_dir";
        return ($"${{{variable}}}/{Path.GetFileName(dataFile)}", new Dictionary<string, string> { [variable] = folder });
    }

    [GeneratedRegex("[^A-Za-z0-9_.-]+")]
    private static partial Regex InvalidIdCharacters();

    [GeneratedRegex("[^A-Za-z0-9_]+")]
    private static partial Regex InvalidVariableCharacters();
}
