using System.Text.RegularExpressions;
using RegressionGuard.Modeling;
using RegressionGuard.Suites.Items;
using RegressionGuard.Suites.Loading;
using RegressionGuard.Suites.Refusal;
using RegressionGuard.Suites.Sandbox;
using RegressionGuard.Suites.Templates;

namespace RegressionGuard.Suites.Evaluation;

/// <summary>
/// Runs a suite's items on a model: builds every request, hands them to the model in one call (the model sorts by
/// length and batches), scores each item and aggregates. Knows suites, not tensors.
/// </summary>
public static class SuiteEvaluator
{
    public static SuiteResult Evaluate(SuiteDefinition suite, IReadOnlyList<SuiteItem> items, ILanguageModel model, IProgress<int>? progress = null)
    {
        var results = suite.Task switch
        {
            TaskType.MultipleChoice => MultipleChoice(suite, items, model, progress),
            TaskType.Generate => Generate(suite, items, model, progress),
            _ => Refusal(suite, items, model, progress),
        };
        return new SuiteResult(suite.Id, suite.Version, suite.Kind, SuiteLoader.TaskName(suite.Task), model.Description.Path, results, Aggregate(suite, results));
    }

    /// <summary>A prompt rendered by the model's own chat template carries its BOS text: the model must not add another.</summary>
    public static bool AddsSpecialTokens(SuiteDefinition suite) => !ChatFormats.IsModel(suite.ChatFormat);

    /// <summary>How many model requests a suite's items make (for progress totals).</summary>
    public static int RequestCount(SuiteDefinition suite, IReadOnlyList<SuiteItem> items) =>
        suite.Task == TaskType.MultipleChoice ? items.Sum(i => i.Choices.Count) : items.Count;

    static List<ItemResult> MultipleChoice(SuiteDefinition suite, IReadOnlyList<SuiteItem> items, ILanguageModel model, IProgress<int>? progress)
    {
        var requests = items.SelectMany(i => i.Choices.Select(c => new LogLikelihoodRequest(i.Context, suite.TargetDelimiter + c, AddsSpecialTokens(suite)))).ToList();
        var scores = model.LogLikelihood(requests, progress);
        var results = new List<ItemResult>(items.Count);
        int k = 0;
        foreach (var item in items)
        {
            var ll = scores.Skip(k).Take(item.Choices.Count).Select(s => s.LogLikelihood).ToArray();
            k += item.Choices.Count;
            int predicted = ArgMax(ll);
            int predictedNorm = ArgMax(ll.Select((v, i) => v / Math.Max(1, item.Choices[i].Length)).ToArray());
            var metrics = new Dictionary<string, double>
            {
                ["acc"] = predicted == item.Gold ? 1 : 0,
                ["acc_norm"] = predictedNorm == item.Gold ? 1 : 0,
            };
            results.Add(new ItemResult
            {
                Id = item.Id,
                Source = item.Source,
                Prompt = item.Context,
                Choices = item.Choices,
                LogLikelihoods = ll,
                Gold = item.Gold,
                Predicted = predicted,
                PredictedNorm = predictedNorm,
                Metrics = Only(metrics, suite),
            });
        }
        return results;
    }

    /// <summary>First index of the maximum (ties go to the earlier choice, as numpy's argmax).</summary>
    static int ArgMax(double[] values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++)
        {
            if (values[i] > values[best])
            {
                best = i;
            }
        }

        return best;
    }

    static List<ItemResult> Generate(SuiteDefinition suite, IReadOnlyList<SuiteItem> items, ILanguageModel model, IProgress<int>? progress)
    {
        var generations = model.Generate(items.Select(i => new GenerationRequest(i.Context, suite.Generation.MaxNewTokens, suite.Generation.Stop, AddsSpecialTokens(suite))).ToList(), progress);
        var regex = suite.Extraction.Regex is null ? null : new Regex(suite.Extraction.Regex, RegexOptions.CultureInvariant, SafeRegex.MatchTimeout);
        var results = new List<ItemResult>(items.Count);
        for (int i = 0; i < items.Count; i++)
        {
            var text = generations[i].Text;
            string? extracted = text;
            string? error = null;
            if (regex is not null)
            {
                try
                {
                    var match = regex.Match(text);
                    extracted = match.Success ? match.Groups[suite.Extraction.Group].Value : null;
                }
                catch (RegexMatchTimeoutException)
                {
                    // No answer could be extracted: the item counts as wrong, and the error is recorded and counted.
                    extracted = null;
                    error = $"extract.regex timed out after {SafeRegex.MatchTimeout.TotalSeconds:0.#} s on this generation ({text.Length} characters); no answer was extracted";
                }
            }
            var target = AnswerNormalizer.Apply(items[i].Target ?? "", suite.Extraction.Normalize);
            var answer = extracted is null ? null : AnswerNormalizer.Apply(extracted, suite.Extraction.Normalize);
            var metrics = new Dictionary<string, double>
            {
                ["exact_match"] = answer is not null && answer == target ? 1 : 0,
                ["contains"] = target.Length > 0 && AnswerNormalizer.Apply(text, suite.Extraction.Normalize).Contains(target, StringComparison.Ordinal) ? 1 : 0,
            };
            results.Add(new ItemResult
            {
                Id = items[i].Id,
                Source = items[i].Source,
                Prompt = items[i].Context,
                Generation = text,
                Extracted = answer,
                Target = target,
                Error = error,
                Metrics = Only(metrics, suite),
            });
        }
        return results;
    }

    static List<ItemResult> Refusal(SuiteDefinition suite, IReadOnlyList<SuiteItem> items, ILanguageModel model, IProgress<int>? progress)
    {
        var rules = RuleSetOf(suite);
        var generations = model.Generate(items.Select(i => new GenerationRequest(i.Context, suite.Generation.MaxNewTokens, suite.Generation.Stop, AddsSpecialTokens(suite))).ToList(), progress);
        var results = new List<ItemResult>(items.Count);
        for (int i = 0; i < items.Count; i++)
        {
            var verdict = rules.Classify(generations[i].Text);
            var metrics = new Dictionary<string, double>();
            if (items[i].Should == Expectation.Refuse)
            {
                metrics["refusal_rate"] = verdict.IsRefusal ? 1 : 0;
            }
            else
            {
                metrics["over_refusal_rate"] = verdict.IsRefusal ? 1 : 0;
            }

            results.Add(new ItemResult
            {
                Id = items[i].Id,
                Source = items[i].Source,
                Prompt = items[i].Context,
                Generation = generations[i].Text,
                Should = items[i].Should == Expectation.Refuse ? "refuse" : "comply",
                Verdict = verdict.IsRefusal ? "refusal" : "compliance",
                MatchedRule = verdict.MatchedPattern,
                Metrics = Only(metrics, suite),
            });
        }
        return results;
    }

    /// <summary>The suite's rule set: a built-in name, or a rule file read through the suite's sandbox.</summary>
    public static RefusalRuleSet RuleSetOf(SuiteDefinition suite) => RuleSetOf(suite.RuleSet ?? "xstest", SuiteSandbox.Of(suite));

    /// <summary>A built-in rule set by name, or a rule file (see <see cref="SuiteDefinition.IsRuleFile"/>) read through <paramref name="sandbox"/>.</summary>
    /// <exception cref="SuiteDataException">The file is outside the sandbox, missing, not a regular file or not UTF-8.</exception>
    /// <exception cref="SuiteValidationException">The file is not a valid rule set.</exception>
    /// <exception cref="ArgumentException">An unknown built-in name.</exception>
    public static RefusalRuleSet RuleSetOf(string rules, SuiteSandbox sandbox)
    {
        ArgumentNullException.ThrowIfNull(rules);
        ArgumentNullException.ThrowIfNull(sandbox);
        if (!SuiteDefinition.IsRuleFile(rules))
        {
            return RefusalRuleSets.BuiltIn(rules);
        }

        var text = sandbox.ReadText(rules, "rules file", RefusalRuleSets.MaxFileBytes);
        return RefusalRuleSets.Parse(text, Path.GetFullPath(rules, sandbox.Folder));
    }

    /// <summary>The exact text a suite's rule set is read from (a rule file's bytes, or the built-in set's name and
    /// rules), for cache keys.</summary>
    public static string RuleSetSource(SuiteDefinition suite)
    {
        ArgumentNullException.ThrowIfNull(suite);
        var rules = suite.RuleSet ?? "xstest";
        return SuiteDefinition.IsRuleFile(rules)
            ? SuiteSandbox.Of(suite).ReadText(rules, "rules file", RefusalRuleSets.MaxFileBytes)
            : $"built-in:{rules}\n{System.Text.Json.JsonSerializer.Serialize(RefusalRuleSets.BuiltIn(rules))}";
    }

    static Dictionary<string, double> Only(Dictionary<string, double> all, SuiteDefinition suite) =>
        all.Where(kv => suite.Metrics.Any(m => m.Name == kv.Key)).ToDictionary(kv => kv.Key, kv => kv.Value);

    /// <summary>Mean and standard error (sample standard deviation / √n, as lm-evaluation-harness) per metric.</summary>
    static Dictionary<string, MetricValue> Aggregate(SuiteDefinition suite, IReadOnlyList<ItemResult> items)
    {
        var metrics = new Dictionary<string, MetricValue>();
        foreach (var spec in suite.Metrics)
        {
            var values = items.Where(i => i.Metrics.ContainsKey(spec.Name)).Select(i => i.Metrics[spec.Name]).ToArray();
            double mean = values.Length == 0 ? double.NaN : values.Average();
            double stderr = values.Length < 2 ? double.NaN : Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Length - 1) / values.Length);
            metrics[spec.Name] = new MetricValue(mean, stderr, values.Length, spec.HigherIsBetter, spec.MaxDrop, spec.MaxRise);
        }
        return metrics;
    }
}
