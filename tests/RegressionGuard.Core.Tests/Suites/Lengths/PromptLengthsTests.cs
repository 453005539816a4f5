using RegressionGuard.Suites;
using RegressionGuard.Suites.Items;
using RegressionGuard.Suites.Lengths;
using RegressionGuard.Suites.Loading;

namespace RegressionGuard.Core.Tests.Suites.Lengths;

/// <summary>The too-long policies, with one token per character (a fake count, tests only).</summary>
public sealed class PromptLengthsTests
{
    static readonly Func<string, int> OneTokenPerChar = text => text.Length;

    static (SuiteDefinition Suite, IReadOnlyList<SuiteItem> Items) Generate(string truncate)
    {
        var suite = SuiteLoader.Parse($$$"""
            schema: 1
            id: gen
            task: generate
            {{{truncate}}}
            generation: {max_new_tokens: 4}
            templates: {prompt: "{{ q }}", target: "x"}
            items:
              - {q: "short"}
              - {q: "a prompt far too long"}
            """, "/s/gen.yaml");
        return (suite, SuiteItemBuilder.Build(suite));
    }

    [Test]
    public void Error_is_the_default_for_generation_and_names_every_row_that_does_not_fit()
    {
        var (suite, items) = Generate("");

        var fit = PromptLengths.Apply(suite, items, OneTokenPerChar, contextLength: 12);

        Assert.That(fit.Errors.Single().ToString(), Is.EqualTo("/s/gen.yaml:1:1: the prompt does not fit the model's context of 12 tokens with generation.max_new_tokens 4; set truncate: left (cut its start) or truncate: skip (leave it out, counted) (row /s/gen.yaml:items[1]:2)"));
    }

    [Test]
    public void Skip_leaves_the_item_out_and_counts_it()
    {
        var (suite, items) = Generate("truncate: skip");

        var fit = PromptLengths.Apply(suite, items, OneTokenPerChar, contextLength: 12);

        Assert.That(fit.Items.Select(i => i.Context), Is.EqualTo(new[] { "short" }));
        Assert.That(fit.Skipped.Single().Source, Is.EqualTo("/s/gen.yaml:items[1]:2"));
        Assert.That(fit.Summary("gen", 12), Is.EqualTo("gen: skipped 1 item(s) whose prompt does not fit the context of 12 tokens (truncate: skip), first /s/gen.yaml:items[1]:2"));
        Assert.That(fit.Errors, Is.Empty);
    }

    [Test]
    public void Left_cuts_the_start_of_a_generation_prompt_to_leave_room_for_the_new_tokens()
    {
        var (suite, items) = Generate("truncate: left");

        var fit = PromptLengths.Apply(suite, items, OneTokenPerChar, contextLength: 12);

        Assert.That(fit.Items.Select(i => i.Context), Is.EqualTo(new[] { "short", "too long" }), "12 - 4 = 8 tokens kept, the end");
        Assert.That(fit.Truncated, Is.EqualTo(1));
    }

    [Test]
    public void Left_is_the_default_for_multiple_choice_whose_contexts_the_runtime_cuts()
    {
        var suite = SuiteLoader.Parse("""
            schema: 1
            id: mc
            task: multiple_choice
            templates: {prompt: "{{ q }}"}
            choices: {templates: ["{{ a }}", "{{ b }}"]}
            answer: gold
            items:
              - {q: "a long question here", a: "yes", b: "no", gold: A}
            """, "/s/mc.yaml");
        var items = SuiteItemBuilder.Build(suite);

        var fit = PromptLengths.Apply(suite, items, OneTokenPerChar, contextLength: 8);

        Assert.That(suite.Truncate, Is.EqualTo(TooLongPolicy.Left));
        Assert.That(fit.Items.Single(), Is.SameAs(items[0]), "the runtime keeps the continuation and cuts the context's start");
        Assert.That(fit.Truncated, Is.EqualTo(1));
    }

    [Test]
    public void An_unknown_policy_is_a_load_error_with_did_you_mean()
    {
        var e = Assert.Throws<SuiteValidationException>(() => Generate("truncate: skp"))!;

        Assert.That(e.Errors.Single().Message, Does.StartWith("unknown truncate policy 'skp' — did you mean 'skip'?"));
    }
}
