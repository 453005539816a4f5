using RegressionGuard.Testing;
using RegressionGuard.Torch.Runtime;
using static TorchSharp.torch;

namespace RegressionGuard.Torch.Tests.Models;

/// <summary>
/// Tiny random HF folders written by the tests load and give the logits of the independent plain-C# reference
/// (tests/RegressionGuard.Testing/Checkpoints/ReferenceForward.cs).
/// </summary>
public sealed class HfFolderLogitsTests
{
    static readonly int[] Tokens = { 1, 17, 42, 5, 88, 3, 60, 60, 12, 95, 0, 33 };

    public static IEnumerable<TestCaseData> Cases()
    {
        var llama = new LlamaSpec { VocabSize = 260 };
        yield return new TestCaseData(llama, StorageDType.F32, 1).SetName("Llama with grouped-query attention matches the reference");
        yield return new TestCaseData(llama with { TieWordEmbeddings = true }, StorageDType.F32, 1).SetName("Llama with tied embeddings matches the reference");
        yield return new TestCaseData(llama with { QkvBias = true }, StorageDType.F32, 1).SetName("Qwen2 with q k v biases matches the reference");
        yield return new TestCaseData(llama with { RopeScaling = new Llama3RopeScaling() }, StorageDType.F32, 1).SetName("Llama 3 rope scaling matches the reference");
        yield return new TestCaseData(llama with { RopeTheta = 500000 }, StorageDType.F32, 3).SetName("A sharded Llama checkpoint matches the reference");
        yield return new TestCaseData(llama, StorageDType.BF16, 1).SetName("A bf16 Llama checkpoint matches the reference");
        yield return new TestCaseData(llama, StorageDType.F16, 1).SetName("An fp16 Llama checkpoint is converted and matches the reference");
        yield return new TestCaseData(new Gpt2Spec { VocabSize = 260 }, StorageDType.F32, 1).SetName("GPT-2 with Conv1D weights matches the reference");
        yield return new TestCaseData(new Gpt2Spec { VocabSize = 260 }, StorageDType.BF16, 2).SetName("A sharded bf16 GPT-2 matches the reference");
    }

    [TestCaseSource(nameof(Cases))]
    public void Logits_match(TinyModelSpec spec, StorageDType dtype, int shards)
    {
        using var dir = new TempFolder();
        var checkpoint = TinyModels.WriteHfFolder(dir.Path, spec, dtype, shards);
        var tokenizer = TinyTokenizers.WriteByteLevel(dir.Path, spec.VocabSize);
        using var model = ModelLoader.Load(dir.Path, tokenizer);
        var expected = ReferenceForward.Logits(spec, checkpoint.Weights, Tokens);

        using var scope = NewDisposeScope();
        using var mode = inference_mode();
        var input = tensor(Tokens.Select(t => (long)t).ToArray(), new long[] { 1, Tokens.Length });
        var logits = model.Transformer.Forward(input, arange(Tokens.Length).unsqueeze(0), null, null).squeeze(0); // (T, V)
        var actual = logits.data<float>().ToArray();
        double worst = 0, scale = 0;
        for (int t = 0; t < Tokens.Length; t++)
        {
            for (int v = 0; v < spec.VocabSize; v++)
            {
                worst = Math.Max(worst, Math.Abs(actual[t * spec.VocabSize + v] - expected[t, v]));
                scale = Math.Max(scale, Math.Abs(expected[t, v]));
            }
        }

        Assert.That(scale, Is.GreaterThan(0.5), "the reference logits are not trivially small");
        Assert.That(worst, Is.LessThanOrEqualTo(1e-4 * Math.Max(1, scale)));
    }

    [Test]
    public void A_bf16_checkpoint_computed_in_bf16_stays_close_to_the_reference()
    {
        using var dir = new TempFolder();
        var spec = new LlamaSpec { VocabSize = 260 };
        var checkpoint = TinyModels.WriteHfFolder(dir.Path, spec, StorageDType.BF16);
        var tokenizer = TinyTokenizers.WriteByteLevel(dir.Path, spec.VocabSize);
        using var model = ModelLoader.Load(dir.Path, tokenizer, new ComputeOptions { DType = "bfloat16" });
        Assert.That(model.Transformer.Module.parameters().All(p => p.dtype == ScalarType.BFloat16));
        var expected = ReferenceForward.Logits(spec, checkpoint.Weights, Tokens);
        using var scope = NewDisposeScope();
        using var mode = inference_mode();
        var input = tensor(Tokens.Select(t => (long)t).ToArray(), new long[] { 1, Tokens.Length });
        var logits = model.Transformer.Forward(input, arange(Tokens.Length).unsqueeze(0), null, null).squeeze(0).to_type(ScalarType.Float32);
        var actual = logits.data<float>().ToArray();
        double worst = 0;
        for (int t = 0; t < Tokens.Length; t++)
        {
            for (int v = 0; v < spec.VocabSize; v++)
            {
                worst = Math.Max(worst, Math.Abs(actual[t * spec.VocabSize + v] - expected[t, v]));
            }
        }

        Assert.That(worst, Is.LessThan(0.1), "bf16 activations keep about 3 significant digits");
    }
}
