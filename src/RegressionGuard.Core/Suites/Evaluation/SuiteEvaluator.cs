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
    /// <param name="judge">the judge of a suite with <c>judge:</c> (required there, ignored elsewhere).</param>
    /// <param name="generations">for a generate or refusal suite, the model's answers to <see cref="GenerationRequests"/>
    /// when they were made already (batched with other suites' prompts); null: asked here.</param>
    /// <exception cref="SuiteDataException">The suite needs a judge and none was given.</exception>
    public static SuiteResult Evaluate(SuiteDefinition suite, IReadOnlyList<SuiteItem> items, ILanguageModel model, IProgress<int>? progress = null, RefusalJudge? judge = null,
        IReadOnlyList<GenerationResult>? generations = null)
    {
        ArgumentNullException.ThrowIfNull(suite);
        if (suite.Task == TaskType.Refusal && suite.Judge is not null && judge is null)
        {
            throw new SuiteDataException($"suite '{suite.Id}' is judged by a model (judge: in {suite.File}) but no judge model was given: set judge.model in the suite or pass --judge <model>");
        }

        var results = suite.Task switch
        {
            TaskType.MultipleChoice => MultipleChoice(suite, items, model, progress),
            TaskType.Generate => Generate(suite, items, Answers(suite, items, model, progress, generations)),
            _ => Refusal(suite, items, Answers(suite, items, model, progress, generations), progress, judge),
        };
        return new SuiteResult(suite.Id, suite.Version, suite.Kind, SuiteLoader.TaskName(suite.Task), model.Description.Path, results, Aggregate(suite, results))
        {
            Groups = suite.GroupBy is { } groupBy ? AggregateGroups(suite, groupBy, results) : null,
            Judge = suite.Judge is not null && judge is not null ? judge.Model.Description.Path : null,
        };
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
            var golds = item.Golds ?? new[] { item.Gold };
            int predicted = ArgMax(ll);
            // lm-evaluation-harness (lm_eval/api/task.py, ConfigurableTask.process_results, multiple_choice, at
            // 4e7e0d47f33bc71070c1d38394bafbb52b117163): acc_norm divides by len(choice), Python's count of code points,
            // acc_bytes by len(choice.encode("utf-8")); with several golds, a prediction in the list is right.
            int predictedNorm = ArgMax(ll.Select((v, i) => v / Math.Max(1, item.Choices[i].EnumerateRunes().Count())).ToArray());
            int predictedBytes = ArgMax(ll.Select((v, i) => v / Math.Max(1, System.Text.Encoding.UTF8.GetByteCount(item.Choices[i]))).ToArray());
            var metrics = new Dictionary<string, double>
            {
                ["acc"] = golds.Contains(predicted) ? 1 : 0,
                ["acc_norm"] = golds.Contains(predictedNorm) ? 1 : 0,
                ["acc_bytes"] = golds.Contains(predictedBytes) ? 1 : 0,
                ["mc2"] = Mc2(ll, golds),
            };
            results.Add(new ItemResult
            {
                Id = item.Id,
                Source = item.Source,
                Prompt = item.Context,
                Choices = item.Choices,
                LogLikelihoods = ll,
                Gold = item.Gold,
                Golds = item.Golds,
                Group = item.Group,
                Predicted = predicted,
                PredictedNorm = predictedNorm,
                Metrics = Only(metrics, suite),
            });
        }
        return results;
    }

    /// <summary>
    /// TruthfulQA's MC2 (Lin et al., 2022) as lm-evaluation-harness computes it (lm_eval/tasks/truthfulqa/utils.py,
    /// process_results_mc2, at 4e7e0d47f33bc71070c1d38394bafbb52b117163): the probability mass on the true answers
    /// after normalising exp(log-likelihood) over all of the item's choices, Σ_{i∈true} e^{ℓᵢ} / Σ_j e^{ℓⱼ}. The true
    /// answers may sit anywhere in the list (an older version of that code took every choice before the first false one).
    /// Computed with the largest log-likelihood subtracted first, so very negative totals do not underflow to 0/0.
    /// </summary>
    public static double Mc2(IReadOnlyList<double> logLikelihoods, IReadOnlyCollection<int> trueIndices)
    {
        ArgumentNullException.ThrowIfNull(logLikelihoods);
        ArgumentNullException.ThrowIfNull(trueIndices);
        double max = logLikelihoods.Max();
        double total = 0, onTrue = 0;
        for (int i = 0; i < logLikelihoods.Count; i++)
        {
            double p = Math.Exp(logLikelihoods[i] - max);
            total += p;
            if (trueIndices.Contains(i))
            {
                onTrue += p;
            }
        }
        return onTrue / total;
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

    /// <summary>The generation requests of a generate or refusal suite, one per item in order (what <see cref="Evaluate"/> asks).</summary>
    public static IReadOnlyList<GenerationRequest> GenerationRequests(SuiteDefinition suite, IReadOnlyList<SuiteItem> items) =>
        items.Select(i => new GenerationRequest(i.Context, suite.Generation.MaxNewTokens, suite.Generation.Stop, AddsSpecialTokens(suite))).ToList();

    static IReadOnlyList<GenerationResult> Answers(SuiteDefinition suite, IReadOnlyList<SuiteItem> items, ILanguageModel model, IProgress<int>? progress, IReadOnlyList<GenerationResult>? made)
    {
        if (made is null)
        {
            return model.Generate(GenerationRequests(suite, items), progress);
        }

        if (made.Count != items.Count)
        {
            throw new ArgumentException($"suite '{suite.Id}': {made.Count} generations given for {items.Count} items", nameof(made));
        }

        progress?.Report(items.Count);
        return made;
    }

    static List<ItemResult> Generate(SuiteDefinition suite, IReadOnlyList<SuiteItem> items, IReadOnlyList<GenerationResult> generations)
    {
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
            var normalizedText = AnswerNormalizer.Apply(text, suite.Extraction.Normalize);
            var targets = (items[i].Targets ?? new[] { items[i].Target ?? "" }).Select(t => AnswerNormalizer.Apply(t, suite.Extraction.Normalize)).ToList();
            var metrics = new Dictionary<string, double>
            {
                ["exact_match"] = answer is not null && answer == target ? 1 : 0,
                ["contains"] = target.Length > 0 && normalizedText.Contains(target, StringComparison.Ordinal) ? 1 : 0,
                ["exact_match_any"] = answer is not null && targets.Contains(answer, StringComparer.Ordinal) ? 1 : 0,
                ["contains_any"] = targets.Any(t => t.Length > 0 && normalizedText.Contains(t, StringComparison.Ordinal)) ? 1 : 0,
            };
            results.Add(new ItemResult
            {
                Id = items[i].Id,
                Source = items[i].Source,
                Prompt = items[i].Context,
                Generation = text,
                Extracted = answer,
                Target = target,
                Targets = items[i].Targets is null ? null : targets,
                Group = items[i].Group,
                Error = error,
                Metrics = Only(metrics, suite),
            });
        }
        return results;
    }

    static List<ItemResult> Refusal(SuiteDefinition suite, IReadOnlyList<SuiteItem> items, IReadOnlyList<GenerationResult> generations, IProgress<int>? progress, RefusalJudge? judge)
    {
        var rules = RuleSetOf(suite);
        // The judge decides; where its answer is not exactly one label, the rules decide and the item says so.
        var judged = suite.Judge is { } spec && judge is not null
            ? judge.Judge(spec, items.Select((item, i) => (item.Context, generations[i].Text)).ToList())
            : null;
        var results = new List<ItemResult>(items.Count);
        for (int i = 0; i < items.Count; i++)
        {
            var verdict = rules.Classify(generations[i].Text);
            var judgeVerdict = judged?[i];
            bool refused = judgeVerdict?.Outcome switch
            {
                JudgeOutcome.Refusal => true,
                JudgeOutcome.Compliance => false,
                _ => verdict.IsRefusal,
            };
            var metrics = new Dictionary<string, double>();
            if (items[i].Should == Expectation.Refuse)
            {
                metrics["refusal_rate"] = refused ? 1 : 0;
            }
            else
            {
                metrics["over_refusal_rate"] = refused ? 1 : 0;
            }

            results.Add(new ItemResult
            {
                Id = items[i].Id,
                Source = items[i].Source,
                Prompt = items[i].Context,
                Generation = generations[i].Text,
                Should = items[i].Should == Expectation.Refuse ? "refuse" : "comply",
                Verdict = refused ? "refusal" : "compliance",
                MatchedRule = verdict.MatchedPattern,
                RulesVerdict = judgeVerdict is null ? null : verdict.IsRefusal ? "refusal" : "compliance",
                JudgeVerdict = judgeVerdict?.Outcome.ToString().ToLowerInvariant(),
                JudgeAnswer = judgeVerdict?.Raw,
                Group = items[i].Group,
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

    /// <summary>
    /// <paramref name="result"/> with its metrics (and groups) counted again over its items: after items were left out
    /// (<see cref="ItemResult.Skipped"/>: no metrics, in no group), as a whole run counts them.
    /// </summary>
    public static SuiteResult Recount(SuiteDefinition suite, SuiteResult result)
    {
        ArgumentNullException.ThrowIfNull(suite);
        ArgumentNullException.ThrowIfNull(result);
        return result with
        {
            Metrics = Aggregate(suite, result.Items),
            Groups = suite.GroupBy is { } groupBy ? AggregateGroups(suite, groupBy, result.Items) : null,
        };
    }

    /// <summary>The suite's metrics per group (groups in ordinal order), each with the group's thresholds; skipped items belong to none.</summary>
    static Dictionary<string, IReadOnlyDictionary<string, MetricValue>> AggregateGroups(SuiteDefinition suite, GroupBySpec groupBy, IReadOnlyList<ItemResult> items)
    {
        var groups = new Dictionary<string, IReadOnlyDictionary<string, MetricValue>>(StringComparer.Ordinal);
        foreach (var group in items.Where(i => i.Skipped is null).GroupBy(i => i.Group ?? "", StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var thresholds = groupBy.ThresholdsOf(group.Key);
            var specs = suite.Metrics.Select(m => m with
            {
                MaxDrop = m.HigherIsBetter ? thresholds.MaxDrop : null,
                MaxRise = m.HigherIsBetter ? null : thresholds.MaxRise,
            }).ToList();
            groups[group.Key] = Aggregate(specs, group.ToList());
        }
        return groups;
    }

    static Dictionary<string, MetricValue> Aggregate(SuiteDefinition suite, IReadOnlyList<ItemResult> items) => Aggregate(suite.Metrics, items);

    /// <summary>Mean and standard error (sample standard deviation / √n, as lm-evaluation-harness) of per-item values.</summary>
    public static (double Mean, double Stderr) MeanAndStderr(double[] values)
    {
        double mean = values.Length == 0 ? double.NaN : values.Average();
        double stderr = values.Length < 2 ? double.NaN : Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Length - 1) / values.Length);
        return (mean, stderr);
    }

    /// <summary>Mean and standard error (sample standard deviation / √n, as lm-evaluation-harness) per metric.</summary>
    static Dictionary<string, MetricValue> Aggregate(IReadOnlyList<MetricSpec> specs, IReadOnlyList<ItemResult> items)
    {
        var metrics = new Dictionary<string, MetricValue>();
        foreach (var spec in specs)
        {
            var values = items.Where(i => i.Metrics.ContainsKey(spec.Name)).Select(i => i.Metrics[spec.Name]).ToArray();
            var (mean, stderr) = MeanAndStderr(values);
            metrics[spec.Name] = new MetricValue(mean, stderr, values.Length, spec.HigherIsBetter, spec.MaxDrop, spec.MaxRise);
        }
        return metrics;
    }
}
