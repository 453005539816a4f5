using RegressionGuard.Suites;
using RegressionGuard.Suites.Evaluation;
using RegressionGuard.Suites.Items;
using RegressionGuard.Suites.Loading;
using RegressionGuard.Testing;
using RegressionGuard.Torch.Runtime;

namespace RegressionGuard.Torch.Tests.Suites;

/// <summary>Shipped suites evaluated with the real runtime on the real stories260K model.</summary>
public sealed class SuitesOnStories260KTests
{
    static string SuitePath(string name)
    {
        return Path.Combine(RepositoryFiles.Root, "suites", name);
    }

    static SuiteResult Evaluate(string name, TorchLanguageModel model, IReadOnlyDictionary<string, string>? variables = null, int? limit = null)
    {
        var suite = SuiteLoader.Load(SuitePath(name), variables);
        return SuiteEvaluator.Evaluate(suite, SuiteItemBuilder.Build(suite, limit), model);
    }

    [Test]
    public void The_tinystories_suites_score_clearly_above_chance()
    {
        var facts = Evaluate("tinystories/tinystories_facts.yaml", Stories260K.Model);
        var commonSense = Evaluate("tinystories/tinystories_common_sense.yaml", Stories260K.Model);
        TestContext.Out.WriteLine($"facts acc {facts.Metrics["acc"].Value:F2}, common sense acc {commonSense.Metrics["acc"].Value:F2}");
        Assert.That(facts.Metrics["acc"].Value, Is.GreaterThanOrEqualTo(0.9), "measured 1.00");
        Assert.That(commonSense.Metrics["acc"].Value, Is.GreaterThanOrEqualTo(0.6), "measured 0.70; chance is 0.25");
    }

    [Test]
    public void Mmlu_on_a_story_model_is_at_chance()
    {
        // A seeded 400-item sample keeps this test short; the full 14,042 items give 0.2454 ± 0.0036 (docs/suites.md).
        var variables = new Dictionary<string, string> { ["mmlu_dir"] = SharedData.Path("datasets/mmlu") };
        var suite = SuiteLoader.Load(SuitePath("public/mmlu.yaml"), variables);
        suite = suite with { Data = suite.Data! with { Sample = 400, Seed = 11 } };
        var result = SuiteEvaluator.Evaluate(suite, SuiteItemBuilder.Build(suite), Stories260K.Model);
        var acc = result.Metrics["acc"];
        Assert.That(acc.Count, Is.EqualTo(400));
        Assert.That(acc.Value, Is.EqualTo(0.25).Within(3 * acc.Stderr));
    }

    [Test]
    public void Results_are_the_same_item_for_item_at_batch_sizes_1_and_32()
    {
        using var one = TorchLanguageModel.Load(Stories260K.BinPath, compute: new ComputeOptions { BatchSize = 1 });
        using var many = TorchLanguageModel.Load(Stories260K.BinPath, compute: new ComputeOptions { BatchSize = 32 });
        foreach (var name in new[] { "tinystories/tinystories_facts.yaml", "tinystories/tinystories_common_sense.yaml" })
        {
            var a = Evaluate(name, one);
            var b = Evaluate(name, many);
            for (int i = 0; i < a.Items.Count; i++)
            {
                Assert.That(b.Items[i].Id, Is.EqualTo(a.Items[i].Id));
                Assert.That(b.Items[i].Predicted, Is.EqualTo(a.Items[i].Predicted));
                Assert.That(b.Items[i].LogLikelihoods, Is.EqualTo(a.Items[i].LogLikelihoods).Within(1e-4));
            }
        }
        var refusal = """
            schema: 1
            id: tiny_refusal
            task: refusal
            templates:
              prompt: "{{ p }}"
            should: comply
            generation:
              max_new_tokens: 24
              stop: ["."]
            items:
              - p: "Once upon a time"
              - p: "Lily wanted to"
              - p: "The big dog"
            """;
        var suite = SuiteLoader.Parse(refusal, SuitePath("tinystories/inline.yaml"));
        var items = SuiteItemBuilder.Build(suite);
        var ga = SuiteEvaluator.Evaluate(suite, items, one);
        var gb = SuiteEvaluator.Evaluate(suite, items, many);
        Assert.That(gb.Items.Select(i => i.Generation), Is.EqualTo(ga.Items.Select(i => i.Generation)));
    }
}
