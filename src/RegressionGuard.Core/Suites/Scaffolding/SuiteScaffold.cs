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
    public static SuiteScaffold Create(string dataFile, TaskType task, string suiteFile, IReadOnlyDictionary<SuiteRole, string>? given = null)
    {
        ArgumentNullException.ThrowIfNull(suiteFile);
        var sample = ColumnInspector.Inspect(dataFile);
        var plan = RoleGuesser.Guess(sample, task, given);
        var suite = Path.GetFullPath(suiteFile);
        var id = IdOf(sample.File);
        var (dataPath, variables) = DataPathFor(sample.File, Path.GetDirectoryName(suite)!);
        var scaffold = new SuiteScaffold(plan, suite, id, dataPath, variables, "");
        return scaffold with { Text = SuiteScaffoldWriter.Write(scaffold) };
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
