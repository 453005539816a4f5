using RegressionGuard.Comparison;
using RegressionGuard.Suites;
using RegressionGuard.Suites.Items;
using RegressionGuard.Suites.Loading;
using RegressionGuard.Testing;
using RegressionGuard.Torch.Runtime;

namespace RegressionGuard.Torch.Tests.Comparison;

/// <summary>A gate's generate and refusal suites reach the model as one batch, and what it generates does not depend on the batch.</summary>
public sealed class CrossSuiteGenerationTests
{
    /// <summary>The organism's reasoning (generate) and refusal suites, 12 items each, with the organism base model's data.</summary>
    static (IReadOnlyList<SuiteDefinition> Suites, IReadOnlyList<IReadOnlyList<SuiteItem>> Items) OrganismGenerationSuites()
    {
        var organism = RepositoryFiles.Path("suites/organism");
        var suites = new[] { "reasoning.yaml", "refusal.yaml" }
            .Select(f => SuiteLoader.Load(Path.Combine(organism, f)))
            .ToList();
        return (suites, suites.Select(s => (IReadOnlyList<SuiteItem>)SuiteItemBuilder.Build(s, limit: 12)).ToList());
    }

    static List<string> GeneratedTexts(int batchSize, out int forwardCalls)
    {
        var (suites, items) = OrganismGenerationSuites();
        using var model = TorchLanguageModel.Load(RepositoryFiles.Path("suites/organism/models/base"), compute: new ComputeOptions { BatchSize = batchSize });
        var paired = new PairedEvaluation(suites, items, cache: null);
        var texts = Enumerable.Range(0, suites.Count).SelectMany(i => paired.EvaluateTuned(i, model).Items.Select(r => r.Generation!)).ToList();
        forwardCalls = model.ForwardCalls;
        return texts;
    }

    [Test]
    public void The_prompts_of_all_generating_suites_run_in_one_batch_and_give_the_same_texts_as_batch_size_1()
    {
        // Given the organism's two generating suites (24 prompts of different lengths together)
        // When a gate evaluates them on the tuned side with batch size 32 and with batch size 1
        var batched = GeneratedTexts(32, out int batchedCalls);
        var single = GeneratedTexts(1, out int singleCalls);

        // Then the 24 prompts of both suites ran as one generation batch, and greedy decoding gave the same text for
        // every item whatever the batch and its left padding (exact string equality)
        Assert.Multiple(() =>
        {
            Assert.That(batchedCalls, Is.EqualTo(1), "both suites' prompts in one batch of 32");
            Assert.That(singleCalls, Is.EqualTo(24));
            Assert.That(batched, Has.Count.EqualTo(24));
            Assert.That(batched, Is.EqualTo(single));
        });
    }
}
