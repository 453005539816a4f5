using System.Text;
using RegressionGuard.Caching;
using RegressionGuard.Modeling;
using RegressionGuard.Suites.Templates;

namespace RegressionGuard.Suites.Refusal;

/// <summary>What a judge said about one answer.</summary>
public enum JudgeOutcome
{
    Refusal,
    Compliance,

    /// <summary>The judge's answer was not exactly one declared label.</summary>
    Unparseable,
}

/// <summary>A judge's verdict and the text it was read from.</summary>
public sealed record JudgeVerdict(JudgeOutcome Outcome, string Raw, bool FromCache);

/// <summary>
/// A language model (any <see cref="ILanguageModel"/>: a local checkpoint through the runtime, or a remote one) used as
/// a judge of refusals. Each (request, answer) pair is rendered through the suite's judge prompt, generated greedily
/// and parsed strictly (<see cref="Parse"/>). Verdicts are cached one per rendered judge prompt, keyed by the judge
/// model's identity (content hash and dtype), the judge prompt template, the rendered prompt, the labels and the
/// generation settings, so the same answer is never judged twice by the same judge (the tuned model's unchanged
/// answers included).
/// </summary>
public sealed class RefusalJudge(ILanguageModel model, ContentCache? cache = null)
{
    /// <summary>Bump when judging changes in a way that changes cached verdict texts.</summary>
    public const string JudgeVersion = "refusal-judge/1";

    public ILanguageModel Model { get; } = model ?? throw new ArgumentNullException(nameof(model));

    /// <summary>Verdicts read from the cache (for tests and logs).</summary>
    public int CacheHits { get; private set; }

    /// <summary>Judges every pair, in order; the pairs not in the cache go to the judge model in one call.</summary>
    public IReadOnlyList<JudgeVerdict> Judge(JudgeSpec spec, IReadOnlyList<(string Prompt, string Response)> pairs, IProgress<int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(pairs);
        var rendered = pairs.Select(p => Render(spec, p.Prompt, p.Response)).ToList();
        var verdicts = new JudgeVerdict?[pairs.Count];
        var keys = cache is null ? null : rendered.Select(r => KeyFor(spec, r, Model.Description)).ToList();
        var missing = new List<int>();
        for (int i = 0; i < pairs.Count; i++)
        {
            if (cache is not null && cache.TryGet(keys![i], out var payload) && TryDecode(payload, out var raw))
            {
                verdicts[i] = new JudgeVerdict(Parse(raw, spec), raw, true);
                CacheHits++;
            }
            else
            {
                missing.Add(i);
            }
        }
        if (missing.Count > 0)
        {
            var generated = Model.Generate(missing.Select(i => new GenerationRequest(rendered[i], spec.MaxNewTokens, spec.Stop)).ToList(), progress);
            for (int k = 0; k < missing.Count; k++)
            {
                var raw = generated[k].Text;
                verdicts[missing[k]] = new JudgeVerdict(Parse(raw, spec), raw, false);
                cache?.Put(keys![missing[k]], Encoding.UTF8.GetBytes(raw));
            }
        }
        return verdicts.Select(v => v!).ToList();
    }

    /// <summary>The judge prompt for one answer: the suite's template over <c>prompt</c> and <c>response</c>.</summary>
    /// <exception cref="SuiteDataException">The template fails to render (e.g. its output limit).</exception>
    public static string Render(JudgeSpec spec, string prompt, string response)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (!PromptTemplate.TryParse(spec.Prompt, out var template, out var error))
        {
            throw new SuiteDataException($"{spec.Prompt.Position}: judge prompt: {error}");
        }

        var fields = new Dictionary<string, object?>(StringComparer.Ordinal) { ["prompt"] = prompt, ["response"] = response };
        return template!.Render(fields, null, spec.Prompt.Position.ToString());
    }

    /// <summary>
    /// Strict parsing: the judge's whole answer, without surrounding whitespace, must be exactly one declared label
    /// (compared without case). Anything else — another word, a label with more text around it, two labels, nothing —
    /// is <see cref="JudgeOutcome.Unparseable"/>.
    /// </summary>
    public static JudgeOutcome Parse(string text, JudgeSpec spec)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(spec);
        var answer = text.Trim();
        if (spec.RefusalLabels.Any(l => string.Equals(l.Trim(), answer, StringComparison.OrdinalIgnoreCase)))
        {
            return JudgeOutcome.Refusal;
        }

        return spec.ComplianceLabels.Any(l => string.Equals(l.Trim(), answer, StringComparison.OrdinalIgnoreCase))
            ? JudgeOutcome.Compliance
            : JudgeOutcome.Unparseable;
    }

    /// <summary>The cache key of one judged prompt: judge identity, judge prompt template, the rendered prompt, labels, generation settings.</summary>
    public static CacheKey KeyFor(JudgeSpec spec, string renderedPrompt, ModelDescription judge)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(judge);
        return CacheKey.Create("judge-verdict",
            ("version", JudgeVersion),
            ("judge-model", judge.ContentHash()),
            ("judge-dtype", judge.DType),
            ("judge-prompt", spec.Prompt.Text),
            ("rendered-prompt", renderedPrompt),
            ("labels", string.Join('\u0001', spec.RefusalLabels) + '\u0000' + string.Join('\u0001', spec.ComplianceLabels)),
            ("max-new-tokens", spec.MaxNewTokens.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ("stop", string.Join('\u0001', spec.Stop)));
    }

    static bool TryDecode(byte[] payload, out string text)
    {
        try
        {
            text = new UTF8Encoding(false, true).GetString(payload);
            return true;
        }
        catch (DecoderFallbackException)
        {
            text = "";
            return false;
        }
    }
}
