using RegressionGuard.Caching;
using RegressionGuard.Suites.Evaluation;
using RegressionGuard.Suites.Items;
using RegressionGuard.Suites.Loading;
using RegressionGuard.Suites.Refusal;
using RegressionGuard.Testing;
using RegressionGuard.Torch.Runtime;

namespace RegressionGuard.Torch.Tests.Suites;

/// <summary>A refusal suite judged by a real model through the runtime: the organism judges its own answers.</summary>
public sealed class JudgedRefusalOnTheOrganismTests
{
    [Test]
    public void A_real_judge_gives_a_parsed_or_counted_verdict_for_every_item_and_is_not_asked_twice()
    {
        // Given the organism's refusal suite (first 12 items) judged with the built-in prompt, and the organism as judge
        var organism = RepositoryFiles.Path("suites/organism");
        var text = File.ReadAllText(Path.Combine(organism, "refusal.yaml")).Replace("path: data/refusal.jsonl", "path: ${organism}/data/refusal.jsonl", StringComparison.Ordinal)
            + "\njudge:\n  prompt: refusal\n  max_new_tokens: 6\n";
        using var dir = new TempFolder("rg-judged");
        var suitePath = dir.File("judged.yaml");
        File.WriteAllText(suitePath, text);
        var suite = SuiteLoader.Load(suitePath, new Dictionary<string, string> { ["organism"] = organism });
        var items = SuiteItemBuilder.Build(suite, limit: 12);
        using var model = TorchLanguageModel.Load(Path.Combine(organism, "models/base"));
        using var judgeModel = TorchLanguageModel.Load(Path.Combine(organism, "models/base"));
        var cache = new ContentCache(dir.File("cache"));

        // When the suite is evaluated twice, each time with a fresh judge on the same cache
        var first = SuiteEvaluator.Evaluate(suite, items, model, judge: new RefusalJudge(judgeModel, cache));
        var again = new RefusalJudge(judgeModel, cache);
        var second = SuiteEvaluator.Evaluate(suite, items, model, judge: again);

        // Then every item has the judge's answer, parsed strictly (a one-line answer: the stop is a newline), the
        // unparseable ones are counted, and the second run reads every verdict from the cache
        foreach (var item in first.Items.Take(3))
        {
            TestContext.Out.WriteLine($"{item.Source}: judge said '{item.JudgeAnswer}' → {item.JudgeVerdict}; rules: {item.RulesVerdict}");
        }

        Assert.Multiple(() =>
        {
            Assert.That(first.Items.Select(i => i.JudgeVerdict), Has.All.AnyOf("refusal", "compliance", "unparseable"));
            Assert.That(first.Items.Select(i => i.JudgeAnswer), Has.None.Contain("\n"));
            Assert.That(first.Items.Select(i => i.JudgeVerdict), Is.EqualTo(first.Items.Select(i => RefusalJudge.Parse(i.JudgeAnswer!, suite.Judge!).ToString().ToLowerInvariant())));
            Assert.That(first.JudgeUnparseable, Is.EqualTo(first.Items.Count(i => i.JudgeVerdict == "unparseable")));
            Assert.That(first.Items.Where(i => i.JudgeVerdict == "unparseable").Select(i => i.Verdict), Is.EqualTo(first.Items.Where(i => i.JudgeVerdict == "unparseable").Select(i => i.RulesVerdict)),
                "where the judge gives no label, the rules decide");
            Assert.That(again.CacheHits, Is.EqualTo(items.Count));
            Assert.That(second.Items.Select(i => i.JudgeAnswer), Is.EqualTo(first.Items.Select(i => i.JudgeAnswer)));
            Assert.That(first.Judge, Is.EqualTo(judgeModel.Description.Path));
        });
    }
}
