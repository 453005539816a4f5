using RegressionGuard.Comparison;
using RegressionGuard.Core.Tests.Suites;
using RegressionGuard.Suites;
using RegressionGuard.Suites.Evaluation;
using RegressionGuard.Suites.Items;
using RegressionGuard.Suites.Loading;

namespace RegressionGuard.Core.Tests.Comparison;

/// <summary>
/// The too-long policy in the paired pipeline of gate, compare and sweep: both models of a pair get the same items
/// (an item is skipped when either model cannot take it, a cut prompt is cut for the smaller context), every skip
/// and cut is counted in both results, and <c>truncate: error</c> stops before any model runs. Models here count
/// one token per character (scripted models, tests only).
/// </summary>
public sealed class PairedEvaluationLengthsTests
{
    static readonly Func<string, int> OneTokenPerChar = text => text.Length;

    /// <summary>Prompts of 4, 10 and 20 characters; max_new_tokens 2; every generation is the target "x".</summary>
    static (SuiteDefinition Suite, IReadOnlyList<SuiteItem> Items) Suite(string truncate, string id = "gen")
    {
        var suite = SuiteLoader.Parse($$$"""
            schema: 1
            id: {{{id}}}
            task: generate
            {{{truncate}}}
            generation: {max_new_tokens: 2}
            templates: {prompt: "{{ q }}", target: "x"}
            items:
              - {q: "aaaa"}
              - {q: "bbbbbbbbbb"}
              - {q: "cccccccccccccccccccc"}
            """, $"/s/{id}.yaml");
        return (suite, SuiteItemBuilder.Build(suite));
    }

    static ScriptedModel Model(int context, List<string> seen) =>
        new(generate: r => { seen.Add(r.Prompt); return "x"; }, contextLength: context, countTokens: OneTokenPerChar);

    static (SuiteResult Base, SuiteResult Tuned, SuiteComparison Comparison, List<string> BaseSaw, List<string> TunedSaw, List<string> Log) RunPair(string truncate, int baseContext, int tunedContext)
    {
        var (suite, items) = Suite(truncate);
        var log = new List<string>();
        var paired = new PairedEvaluation([suite], [items], cache: null, log: log.Add);
        var (baseSaw, tunedSaw) = (new List<string>(), new List<string>());
        var baseResults = new List<SuiteResult>();
        paired.EvaluateBase(Model(baseContext, baseSaw), baseResults);
        var tuned = new List<SuiteResult>();
        var comparisons = new List<SuiteComparison>();
        paired.EvaluateTuned(Model(tunedContext, tunedSaw), baseResults, seed: 1, tuned, comparisons);
        return (baseResults[0], tuned[0], comparisons[0], baseSaw, tunedSaw, log);
    }

    [Test]
    public void An_item_only_the_tuned_model_cannot_take_is_left_out_of_both_models_and_counted()
    {
        // Given truncate: skip, a base context of 24 (room for 22 prompt tokens) and a tuned context of 14 (room for 12)
        // When the pair is evaluated
        var (baseResult, tuned, comparison, baseSaw, tunedSaw, log) = RunPair("truncate: skip", baseContext: 24, tunedContext: 14);

        // Then the 20-token prompt is skipped in both results, counted, and neither metric counts it
        Assert.Multiple(() =>
        {
            Assert.That(baseSaw, Has.Count.EqualTo(3), "the base model could take every item when it ran");
            Assert.That(tunedSaw, Is.EqualTo(new[] { "aaaa", "bbbbbbbbbb" }));
            Assert.That(baseResult.SkippedItems, Is.EqualTo(1));
            Assert.That(tuned.SkippedItems, Is.EqualTo(1));
            Assert.That(baseResult.Items[2].Skipped, Is.EqualTo("prompt of 20 tokens with generation.max_new_tokens 2 does not fit the context of 14 tokens (truncate: skip) on the tuned model"));
            Assert.That(baseResult.Metrics["exact_match"].Count, Is.EqualTo(2), "the base metric is counted again without it");
            Assert.That(tuned.Metrics["exact_match"].Count, Is.EqualTo(2));
            Assert.That(comparison.PairedItems, Is.EqualTo(2));
            Assert.That(comparison.UnpairedItems, Is.Zero);
            Assert.That(comparison.Lengths!.Note, Is.EqualTo("1 item skipped (prompt longer than the context of 14 tokens; first /s/gen.yaml:items[2]:3: prompt of 20 tokens with generation.max_new_tokens 2 does not fit the context of 14 tokens (truncate: skip) on the tuned model)"));
            Assert.That(log, Has.Some.StartsWith("tuned · gen: 1 item(s) the base model took are left out of both models"));
        });
    }

    [Test]
    public void An_item_the_base_model_skipped_is_never_sent_to_the_tuned_model()
    {
        // Given truncate: skip and a base context smaller than the tuned one
        // When the pair is evaluated
        var (baseResult, tuned, comparison, baseSaw, tunedSaw, _) = RunPair("truncate: skip", baseContext: 14, tunedContext: 24);

        // Then both models saw the same two items and both results carry the skipped one at its place
        Assert.Multiple(() =>
        {
            Assert.That(baseSaw, Is.EqualTo(new[] { "aaaa", "bbbbbbbbbb" }));
            Assert.That(tunedSaw, Is.EqualTo(baseSaw));
            Assert.That(baseResult.Items.Select(i => i.Skipped is not null), Is.EqualTo(new[] { false, false, true }));
            Assert.That(tuned.Items.Select(i => i.Skipped is not null), Is.EqualTo(new[] { false, false, true }));
            Assert.That(tuned.ContextLength, Is.EqualTo(14), "the smaller context of the pair");
            Assert.That(comparison.PairedItems, Is.EqualTo(2));
        });
    }

    [Test]
    public void Left_truncation_cuts_a_prompt_for_the_smaller_context_and_both_models_see_the_same_cut()
    {
        // Given truncate: left, a base context of 14 (room 12) and a larger tuned context
        // When the pair is evaluated
        var (baseResult, tuned, comparison, baseSaw, tunedSaw, _) = RunPair("truncate: left", baseContext: 14, tunedContext: 24);

        // Then the 20-character prompt is cut to its last 12 for both, and counted as truncated
        Assert.Multiple(() =>
        {
            Assert.That(baseSaw[2], Is.EqualTo("cccccccccccc"));
            Assert.That(tunedSaw, Is.EqualTo(baseSaw));
            Assert.That(baseResult.TruncatedItems, Is.EqualTo(1));
            Assert.That(tuned.TruncatedItems, Is.EqualTo(1));
            Assert.That(comparison.PairedItems, Is.EqualTo(3));
            Assert.That(comparison.Lengths!.Note, Is.EqualTo("1 prompt truncated left (to the context of 14 tokens)"));
        });
    }

    [Test]
    public void A_prompt_the_base_model_saw_whole_but_the_tuned_model_must_cut_is_left_out_of_both()
    {
        // Given truncate: left and a tuned context smaller than the base's (the base has already seen the whole prompt)
        // When the pair is evaluated
        var (baseResult, tuned, comparison, _, tunedSaw, _) = RunPair("truncate: left", baseContext: 24, tunedContext: 14);

        // Then the tuned model is not given a prompt the base never saw: the item is skipped for both, saying why
        Assert.Multiple(() =>
        {
            Assert.That(tunedSaw, Is.EqualTo(new[] { "aaaa", "bbbbbbbbbb" }));
            Assert.That(baseResult.SkippedItems, Is.EqualTo(1));
            Assert.That(tuned.Items[2].Skipped, Is.EqualTo("the prompt does not reach both models alike: the base model's context is 24 tokens, the tuned model's 14 (truncate: left)"));
            Assert.That(comparison.PairedItems, Is.EqualTo(2));
        });
    }

    [Test]
    public void Truncate_error_stops_before_the_base_model_runs_naming_every_row_of_every_suite()
    {
        // Given two suites with the default policy of generation (error) and a base context of 14
        var (a, aItems) = Suite("", "first");
        var (b, bItems) = Suite("", "second");
        var paired = new PairedEvaluation([a, b], [aItems, bItems], cache: null);
        var model = Model(14, []);

        // When the base model is evaluated
        var e = Assert.Throws<SuiteValidationException>(() => paired.EvaluateBase(model, new List<SuiteResult>()))!;

        // Then both suites' too-long rows are named, and the model was never called
        Assert.That(e.Errors.Select(x => $"{x.File} {x.Row}"), Is.EqualTo(new[] { "/s/first.yaml /s/first.yaml:items[2]:3", "/s/second.yaml /s/second.yaml:items[2]:3" }));
        Assert.That(e.Errors[0].Message, Does.StartWith("the prompt does not fit the model's context of 14 tokens with generation.max_new_tokens 2"));
        Assert.That(model.Calls, Is.Zero);
    }

    [Test]
    public void A_tuned_backend_that_cannot_count_tokens_gets_the_items_the_base_model_got()
    {
        // Given truncate: skip, a base that counts tokens (context 14) and a tuned chat client that cannot
        var (suite, items) = Suite("truncate: skip");
        var paired = new PairedEvaluation([suite], [items], cache: null);
        var baseResults = new List<SuiteResult>();
        paired.EvaluateBase(Model(14, []), baseResults);
        var seen = new List<string>();
        var chat = new ScriptedModel(generate: r => { seen.Add(r.Prompt); return "x"; }, contextLength: 0);

        // When the tuned side is evaluated
        var tuned = paired.EvaluateTuned(0, chat);

        // Then it was not sent the item the base model skipped, and both results skip it
        Assert.That(seen, Is.EqualTo(new[] { "aaaa", "bbbbbbbbbb" }));
        Assert.That(tuned.SkippedItems, Is.EqualTo(1));
        Assert.That(SuiteComparer.Compare(baseResults[0], tuned).PairedItems, Is.EqualTo(2));
    }

    [Test]
    public void After_a_base_backend_that_cannot_count_tokens_an_item_the_tuned_model_cannot_take_leaves_both()
    {
        // Given truncate: skip, a base chat client that got every item whole and a tuned model with a context of 14
        var (suite, items) = Suite("truncate: skip");
        var paired = new PairedEvaluation([suite], [items], cache: null);
        var baseResults = new List<SuiteResult>();
        paired.EvaluateBase(new ScriptedModel(generate: _ => "x", contextLength: 0), baseResults);
        var tunedSaw = new List<string>();

        // When the tuned side is evaluated
        var tuned = paired.EvaluateTuned(0, Model(14, tunedSaw));

        // Then the long item is out of both results and the base metric is counted again without it
        Assert.That(tunedSaw, Has.Count.EqualTo(2));
        Assert.That(baseResults[0].SkippedItems, Is.EqualTo(1));
        Assert.That(baseResults[0].Metrics["exact_match"].Count, Is.EqualTo(2));
        Assert.That(baseResults[0].ContextLength, Is.EqualTo(14));
        Assert.That(tuned.SkippedItems, Is.EqualTo(1));
    }

    [Test]
    public void A_backend_that_cannot_count_tokens_gets_every_prompt_as_it_is_and_says_so()
    {
        // Given a backend without a tokenizer here (a chat client) and truncate: skip
        var (suite, items) = Suite("truncate: skip");
        var log = new List<string>();
        var paired = new PairedEvaluation([suite], [items], cache: null, log: log.Add);
        var seen = new List<string>();
        var chat = new ScriptedModel(generate: r => { seen.Add(r.Prompt); return "x"; }, contextLength: 0);
        var results = new List<SuiteResult>();

        // When the base model is evaluated
        paired.EvaluateBase(chat, results);

        // Then every prompt is sent, the result records no context, and the log says the policy was not applied
        Assert.That(seen, Has.Count.EqualTo(3));
        Assert.That(results[0].ContextLength, Is.Null);
        Assert.That(log, Has.Some.EqualTo("scripted: this backend cannot count prompt tokens or does not say its context; prompts are sent as they are (the suites' truncate policies are not applied)"));
    }
}
