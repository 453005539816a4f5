using RegressionGuard.Modeling;
using RegressionGuard.Testing;
using RegressionGuard.Torch.Runtime;

namespace RegressionGuard.Torch.Tests.Runtime;

/// <summary>ModelLoader.Open: a model described, identified and tokenising at once, its weights read on the first forward.</summary>
public sealed class DeferredLoadTests
{
    static string OrganismBase => RepositoryFiles.Path("suites/organism/models/base");

    [Test]
    public void An_opened_model_reads_its_weights_on_the_first_forward_and_not_before()
    {
        // Given the organism's base model opened, and the same model loaded
        using var opened = new TorchLanguageModel(ModelLoader.Open(OrganismBase));
        using var loaded = new TorchLanguageModel(ModelLoader.Load(OrganismBase));

        // When it is described, hashed and asked to tokenise
        var (a, b) = (opened.Description, loaded.Description);
        var counted = opened.CountPromptTokens("Where does Mira live?", true);
        var document = opened.EncodeDocument("Mira lives in Tarrow.");

        // Then it says what the loaded model says, and its weights are still unread
        Assert.That((a.Path, a.Architecture, a.VocabSize, a.ContextLength, a.Parameters, a.DType, a.Tokenizer, a.TokenizerHash),
            Is.EqualTo((b.Path, b.Architecture, b.VocabSize, b.ContextLength, b.Parameters, b.DType, b.Tokenizer, b.TokenizerHash)));
        Assert.That(a.ContentHash(), Is.EqualTo(b.ContentHash()));
        Assert.That(counted, Is.EqualTo(loaded.CountPromptTokens("Where does Mira live?", true)));
        Assert.That(document, Is.EqualTo(loaded.EncodeDocument("Mira lives in Tarrow.")));
        Assert.That(opened.Model.IsLoaded, Is.False);

        // When it scores (the first forward runs inside the runtime's dispose scope and inference mode)
        var requests = new[] { new LogLikelihoodRequest("Where does Mira live?", " Tarrow"), new LogLikelihoodRequest("2 + 3 =", " 5") };
        var first = opened.LogLikelihood(requests);
        var again = opened.LogLikelihood(requests);

        // Then the weights are loaded, outlive that scope, and score exactly as the loaded model does
        Assert.That(opened.Model.IsLoaded, Is.True);
        Assert.That(first, Is.EqualTo(loaded.LogLikelihood(requests)));
        Assert.That(again, Is.EqualTo(first));
    }

    [Test]
    public void The_shape_read_without_weights_equals_the_loaded_model_s_for_every_family_golden()
    {
        var folders = Directory.GetDirectories(RepositoryFiles.Path("tests/goldens/families"))
            .Concat(Directory.GetDirectories(RepositoryFiles.Path("tests/goldens/gemma")))
            .Append(OrganismBase)
            .Where(f => File.Exists(Path.Combine(f, "config.json")))
            .ToList();
        Assert.That(folders, Has.Count.GreaterThanOrEqualTo(10));
        foreach (var folder in folders)
        {
            var shape = ModelLoader.ReadShape(folder);
            var (model, _) = ModelLoader.LoadTransformer(folder, new ComputeOptions(), TorchSharp.torch.CPU);
            using (model)
            {
                Assert.That(shape, Is.EqualTo(ModelShape.Of(model)), folder);
            }
        }
    }
}
