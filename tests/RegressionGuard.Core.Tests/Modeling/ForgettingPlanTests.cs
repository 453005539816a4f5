using RegressionGuard.Modeling;

namespace RegressionGuard.Core.Tests.Modeling;

public sealed class ForgettingPlanTests
{
    /// <summary>A model whose document ids are one per character (BOS = 0 first), counting how often it tokenizes.</summary>
    sealed class CountingModel(int contextLength) : ILanguageModel
    {
        public int Encoded { get; private set; }

        public ModelDescription Description { get; } = new("counting", "Counting", 256, contextLength, 0, "float32", "chars", () => "counting");

        public int[] EncodeDocument(string text)
        {
            Encoded++;
            return [0, .. text.Select(c => (int)c)];
        }

        public IReadOnlyList<LogLikelihoodResult> LogLikelihood(IReadOnlyList<LogLikelihoodRequest> requests, IProgress<int>? progress = null) => throw new NotSupportedException();

        public IReadOnlyList<RollingLogLikelihoodResult> RollingLogLikelihood(IReadOnlyList<string> documents, RollingOptions options, IProgress<int>? progress = null) => throw new NotSupportedException();

        public IReadOnlyList<GenerationResult> Generate(IReadOnlyList<GenerationRequest> requests, IProgress<int>? progress = null) => throw new NotSupportedException();

        public void Dispose() { }
    }

    [Test]
    public void A_corpus_planned_again_on_the_same_model_is_not_tokenized_again_and_gets_the_same_windows()
    {
        // Given a corpus of three documents (one longer than the context), planned once on a model, as a gate does to shard it
        using var model = new CountingModel(contextLength: 8);
        string[] corpus = ["a short one", "a document longer than the context of eight", "third"];
        var options = new RollingOptions();
        var first = ForgettingPlan.Of(model, corpus, options);

        // When the model plans a shard of the same strings (a new list), as computing the base distributions does
        var shard = new[] { corpus[2], corpus[1] };
        var second = ForgettingPlan.Of(model, shard, options);

        // Then nothing was tokenized a second time, and the shard's windows are its documents' windows of the first plan
        Assert.That(model.Encoded, Is.EqualTo(3));
        var expected = first.Windows.Where((_, i) => first.Document[i] == 2).Concat(first.Windows.Where((_, i) => first.Document[i] == 1));
        Assert.That(second.Windows.Select(w => (string.Join(",", w.Ids), w.FirstTarget)), Is.EqualTo(expected.Select(w => (string.Join(",", w.Ids), w.FirstTarget))));
        Assert.That(second.Document, Is.EqualTo(second.Windows.Select((_, i) => i < first.Document.Count(d => d == 2) ? 0 : 1)));
    }

    [Test]
    public void Only_the_last_plans_documents_are_kept_and_equal_text_in_a_new_string_is_tokenized_again()
    {
        // Given a model that planned one corpus, then another
        using var model = new CountingModel(contextLength: 64);
        var options = new RollingOptions();
        const string one = "one";
        ForgettingPlan.Of(model, [one, "two"], options);
        ForgettingPlan.Of(model, ["three"], options);

        // When a document of the first corpus is planned again, then beside an equal text in a new string
        ForgettingPlan.Of(model, [one], options);
        int afterOne = model.Encoded;
        ForgettingPlan.Of(model, [one, new string(one.AsSpan())], options);

        // Then the first was tokenized again (the memory holds the last plan's documents only), and of the pair only the
        // new string was (documents are known by instance, not by text)
        Assert.That(afterOne, Is.EqualTo(4));
        Assert.That(model.Encoded, Is.EqualTo(5));
    }
}
