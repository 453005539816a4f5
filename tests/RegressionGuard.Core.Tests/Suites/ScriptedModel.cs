using RegressionGuard.Modeling;

namespace RegressionGuard.Core.Tests.Suites;

/// <summary>A fake language model for evaluator tests: answers come from functions of the request, and calls are counted.</summary>
internal sealed class ScriptedModel : ILanguageModel
{
    readonly Func<LogLikelihoodRequest, double> _logLikelihood;
    readonly Func<GenerationRequest, string> _generate;

    readonly Func<string, int>? _countTokens;

    /// <param name="countTokens">the model's token count of a prompt (null: the backend cannot count, as a chat client).</param>
    public ScriptedModel(Func<LogLikelihoodRequest, double>? logLikelihood = null, Func<GenerationRequest, string>? generate = null,
        int contextLength = 512, Func<string, int>? countTokens = null)
    {
        _logLikelihood = logLikelihood ?? (_ => 0);
        _generate = generate ?? (_ => "");
        _countTokens = countTokens;
        Description = new("scripted", "Scripted", 100, contextLength, 0, "float32", "none", () => "scripted");
    }

    public int Calls { get; private set; }

    public ModelDescription Description { get; }

    public int? CountPromptTokens(string text, bool addSpecialTokens) => _countTokens?.Invoke(text);

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
