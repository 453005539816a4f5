using RegressionGuard.Caching;
using RegressionGuard.Suites;
using RegressionGuard.Suites.Refusal;
using RegressionGuard.Torch.Runtime;

namespace RegressionGuard.Gate;

/// <summary>
/// The judge models of judged refusal suites (<c>judge:</c>), loaded once each through the runtime and shared by
/// every suite (and both models of a gate) that names them. A judge given on the command line replaces every suite's
/// <c>judge.model</c>. Judge verdicts go through <paramref name="cache"/>.
/// </summary>
public sealed class SuiteJudges : IDisposable
{
    readonly Dictionary<string, RefusalJudge> _byPath;
    readonly List<TorchLanguageModel> _models;
    readonly string? _override;

    SuiteJudges(Dictionary<string, RefusalJudge> byPath, List<TorchLanguageModel> models, string? overridePath)
    {
        _byPath = byPath;
        _models = models;
        _override = overridePath;
    }

    /// <summary>Which judge model a suite uses: the command line's, else its own <c>judge.model</c>; null when it has no judge.</summary>
    /// <exception cref="SuiteValidationException">A judged suite has no judge model anywhere.</exception>
    public static string? PathFor(SuiteDefinition suite, string? overridePath)
    {
        ArgumentNullException.ThrowIfNull(suite);
        if (suite.Judge is not { } judge)
        {
            return null;
        }

        return overridePath is not null ? Path.GetFullPath(overridePath)
            : judge.Model ?? throw new SuiteValidationException(new[] { new SuiteError(suite.File, judge.Prompt.Position.Line, 1, $"suite '{suite.Id}' is judged by a model but names none: set 'judge.model' (a model folder or .bin) or pass --judge <model>") });
    }

    /// <summary>Loads every judge model the suites need (none when no suite is judged).</summary>
    /// <exception cref="SuiteValidationException">A judged suite has no judge model.</exception>
    public static SuiteJudges Load(IEnumerable<SuiteDefinition> suites, string? overridePath, ComputeOptions compute, ContentCache? cache)
    {
        ArgumentNullException.ThrowIfNull(suites);
        var paths = suites.Select(s => PathFor(s, overridePath)).OfType<string>().Distinct(StringComparer.Ordinal).ToList();
        var byPath = new Dictionary<string, RefusalJudge>(StringComparer.Ordinal);
        var models = new List<TorchLanguageModel>();
        try
        {
            foreach (var path in paths)
            {
                var model = new TorchLanguageModel(ModelLoader.Load(path, null, compute));
                models.Add(model);
                byPath[path] = new RefusalJudge(model, cache);
            }
        }
        catch
        {
            models.ForEach(m => m.Dispose());
            throw;
        }
        return new SuiteJudges(byPath, models, overridePath);
    }

    /// <summary>The judge of <paramref name="suite"/>, or null when it is not judged.</summary>
    public RefusalJudge? For(SuiteDefinition suite) => PathFor(suite, _override) is { } path ? _byPath[path] : null;

    public void Dispose()
    {
        foreach (var model in _models)
        {
            model.Dispose();
        }
    }
}
