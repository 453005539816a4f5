using RegressionGuard.Corpora;
using RegressionGuard.Modeling;

namespace RegressionGuard.Remote.Tests.Forgetting;

/// <summary>L_f through servers without the exact extension (vLLM's protocol only): bounds that hold the exact value, never an approximate number.</summary>
[NonParallelizable]
public sealed class TopKForgettingTests
{
    [Test]
    public async Task Without_the_extension_L_f_is_reported_as_bounds_that_contain_the_in_process_value()
    {
        // Given the organism's base and mild models served with the standard protocol only, and the in-process L_f
        var corpus = CorpusReader.Read(Organism.Path("data/forgetting.jsonl")).Select(d => d.Text).Take(6).ToArray();
        var options = new RollingOptions(Truncate: true);
        ILanguageModel localBase = Organism.Base, localMild = Organism.Mild;
        var exact = localMild.CrossEntropyAgainst(localBase.NextTokenDistributions(corpus, options, null));
        await using var baseApp = await Organism.Serve(Organism.Base, "base", extensions: false);
        await using var mildApp = await Organism.Serve(Organism.Mild, "mild", extensions: false);
        using var remoteBase = RemoteLanguageModel.Open(Organism.Spec(baseApp, "base"));
        using var remoteMild = RemoteLanguageModel.Open(Organism.Spec(mildApp, "mild"));

        // When L_f is measured through the servers
        Assert.That(remoteMild.Capabilities.ExactCrossEntropy, Is.False);
        var bounded = remoteMild.CrossEntropyAgainst(remoteBase.NextTokenDistributions(corpus, options, null));

        // Then it is not exact: L_f is NaN, and the bounds hold the in-process value; the top-1 agreement is exact
        Assert.That(bounded.Exact, Is.False);
        Assert.That(bounded.Lf, Is.NaN);
        Assert.That(bounded.Bounds!.Lower, Is.LessThanOrEqualTo(exact.Lf + 1e-5));
        Assert.That(bounded.Bounds.Upper, Is.GreaterThanOrEqualTo(exact.Lf - 1e-5));
        Assert.That(bounded.Bounds.Reason, Does.Contain("top 20 log-probabilities"));
        Assert.That(bounded.TopOneAgreement, Is.EqualTo(exact.TopOneAgreement).Within(1e-9));
        Assert.That(bounded.PredictedTokens, Is.EqualTo(exact.PredictedTokens));
    }

    [Test]
    public async Task With_the_extension_L_f_through_serve_equals_the_in_process_value()
    {
        // Given the organism's models behind `serve` with its L_f extension
        var corpus = CorpusReader.Read(Organism.Path("data/forgetting.jsonl")).Select(d => d.Text).Take(6).ToArray();
        var options = new RollingOptions(Truncate: true);
        ILanguageModel localBase = Organism.Base, localMild = Organism.Mild;
        var exact = localMild.CrossEntropyAgainst(localBase.NextTokenDistributions(corpus, options, null));
        await using var baseApp = await Organism.Serve(Organism.Base, "base");
        await using var mildApp = await Organism.Serve(Organism.Mild, "mild");
        using var remoteBase = RemoteLanguageModel.Open(Organism.Spec(baseApp, "base"));
        using var remoteMild = RemoteLanguageModel.Open(Organism.Spec(mildApp, "mild"));

        // When L_f is measured through the servers
        var served = remoteMild.CrossEntropyAgainst(remoteBase.NextTokenDistributions(corpus, options, null));

        // Then it is exact and equal
        Assert.That(served.Exact, Is.True);
        Assert.That(served.Lf, Is.EqualTo(exact.Lf).Within(1e-6));
        Assert.That(served.Kl, Is.EqualTo(exact.Kl).Within(1e-6));
    }

    [TestCase(1)]
    [TestCase(8)]
    public async Task Log_likelihoods_through_serve_equal_the_in_process_ones_whatever_the_concurrency(int concurrency)
    {
        // Given requests of several shapes (one-token and longer continuations, an empty context, trailing spaces)
        var requests = new[]
        {
            new LogLikelihoodRequest("Tom lives in", " the town"),
            new LogLikelihoodRequest("Tom lives in ", "a"),
            new LogLikelihoodRequest("", "Once upon a time"),
            new LogLikelihoodRequest("Q: 2 + 2 = ?\nA:", " 4"),
            new LogLikelihoodRequest("Q: 2 + 2 = ?\nA:", " 5"),
        };
        var local = Organism.Base.LogLikelihood(requests);
        await using var app = await Organism.Serve(Organism.Base, "base");
        using var remote = RemoteLanguageModel.Open(Organism.Spec(app, "base", concurrency: concurrency));

        // When they are scored through the server
        var served = remote.LogLikelihood(requests);

        // Then every sum, greedy flag and token count is the in-process one
        for (int i = 0; i < requests.Length; i++)
        {
            Assert.That(served[i].LogLikelihood, Is.EqualTo(local[i].LogLikelihood).Within(1e-5), $"request {i}");
            Assert.That(served[i].IsGreedy, Is.EqualTo(local[i].IsGreedy), $"request {i}");
            Assert.That(served[i].TokenCount, Is.EqualTo(local[i].TokenCount), $"request {i}");
        }
    }
}
