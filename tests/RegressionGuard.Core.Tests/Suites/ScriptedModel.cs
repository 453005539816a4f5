using RegressionGuard.Modeling;

namespace RegressionGuard.Core.Tests.Suites;

/// <summary>A fake language model for evaluator tests: answers come from functions of the request, and calls are counted.</summary>
internal sealed class ScriptedModel : ILanguageModel
{
    readonly Func<LogLikelihoodRequest, double> _logLikelihood;
    readonly Func<GenerationRequest, string> _generate;

    public ScriptedModel(Func<LogLikelihoodRequest, double>? logLikelihood = null, Func<GenerationRequest, string>? generate = null)
    {
        _logLikelihood = logLikelihood ?? (_ => 0);
        _generate = generate ?? (_ => "");
    }

    public int Calls { get; private set; }

    public ModelDescription Description { get; } = new("scripted", "Scripted", 100, 512, 0, "float32", "none", () => "scripted");

    public IReadOnlyList<LogLikelihoodResult> LogLikelihood(IReadOnlyList<LogLikelihoodRequest> requests, IProgress<int>? progress = null)
    {
        Calls++;
        progress?.Report(requests.Count);
        return requests.Select(r => new LogLikelihoodResult(_logLikelihood(r), false, 1)).ToArray();
    }

    public IReadOnlyList<RollingLogLikelihoodResult> RollingLogLikelihood(IReadOnlyList<string> documents, RollingOptions options, IProgress<int>? progress = null) =>
        throw new NotSupportedException("suites do not use rolling log-likelihood");

    public IReadOnlyList<GenerationResult> Generate(IReadOnlyList<GenerationRequest> requests, IProgress<int>? progress = null)
    {
        Calls++;
        progress?.Report(requests.Count);
        return requests.Select(r => new GenerationResult(_generate(r), Array.Empty<int>(), FinishReason.Length)).ToArray();
    }

    public void Dispose() { }
}
