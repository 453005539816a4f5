using RegressionGuard.Testing;
using RegressionGuard.Torch.Runtime;
using static TorchSharp.torch;

namespace RegressionGuard.Torch.Tests.Models;

/// <summary>
/// I-LoRA's consistency loss (<c>consistency_layers: all</c>) reads every decoder layer's output from
/// <c>LayerOutputs</c>: a forward must record exactly one hidden state per layer, each the layer's own output.
/// </summary>
public sealed class LayerOutputsTests
{
    public static IEnumerable<TestCaseData> Families()
    {
        yield return new TestCaseData(new LlamaSpec { VocabSize = 260, NumLayers = 3 }).SetName("A Llama forward records one hidden state per decoder layer");
        yield return new TestCaseData(new Gpt2Spec { VocabSize = 260, NumLayers = 3 }).SetName("A GPT-2 forward records one hidden state per block");
    }

    [TestCaseSource(nameof(Families))]
    public void Records_every_layer(TinyModelSpec spec)
    {
        // Given a tiny model with three layers and a list to record into
        using var dir = new TempFolder();
        TinyModels.WriteHfFolder(dir.Path, spec, StorageDType.F32, 1);
        var tokenizer = TinyTokenizers.WriteByteLevel(dir.Path, spec.VocabSize);
        using var model = ModelLoader.Load(dir.Path, tokenizer);
        using var scope = NewDisposeScope();
        using var mode = inference_mode();
        var recorded = new List<Tensor>();
        var input = tensor(new long[] { 1, 17, 42, 5, 88 }, new long[] { 1, 5 });

        // When the model runs one forward pass
        model.Transformer.LayerOutputs = recorded;
        try
        {
            model.Transformer.ForwardHidden(input, arange(5).unsqueeze(0), null, null);
        }
        finally
        {
            model.Transformer.LayerOutputs = null;
        }

        // Then every layer's output was recorded, and they are distinct hidden states
        Assert.That(recorded, Has.Count.EqualTo(spec.NumLayers));
        Assert.That(recorded.Select(h => h.shape), Is.All.EqualTo(new long[] { 1, 5, spec.HiddenSize }));
        Assert.That(recorded[0].allclose(recorded[^1]), Is.False, "the first and last layers' outputs differ");
    }
}
