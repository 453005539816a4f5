using RegressionGuard.Testing;
using RegressionGuard.Torch.Checkpoints;
using RegressionGuard.Torch.Runtime;
using static TorchSharp.torch;

namespace RegressionGuard.Torch.Tests.Checkpoints;

/// <summary>
/// What loading a real-size checkpoint relies on, on tiny ones: bf16 files become bf16 parameters bit for bit (never
/// through fp32), a tied head is one tensor however the file stores it, and the chunked log-probabilities of scoring
/// equal a log-softmax over the whole logits.
/// </summary>
public sealed class RealSizeLoadingTests
{
    [Test]
    public void A_bf16_checkpoint_loads_into_bf16_parameters_bit_for_bit()
    {
        // Given a tiny Llama stored in bf16
        using var dir = new TempFolder();
        var spec = new LlamaSpec { VocabSize = 260, NumLayers = 2 };
        TinyModels.WriteHfFolder(dir.Path, spec, StorageDType.BF16);
        TinyTokenizers.WriteByteLevel(dir.Path, spec.VocabSize);

        // When it loads with bf16 compute
        using var model = ModelLoader.Load(dir.Path, null, new ComputeOptions { DType = "bfloat16" });

        // Then every parameter is bf16 and holds exactly the stored bytes
        using var file = SafetensorsFile.Open(dir.File("model.safetensors"));
        var parameters = model.Transformer.Module.named_parameters().ToList();
        Assert.That(parameters.Select(p => p.parameter.dtype).Distinct(), Is.EqualTo(new[] { ScalarType.BFloat16 }));
        foreach (var (name, parameter) in parameters)
        {
            using var stored = file.Read(name);
            Assert.That(stored.dtype, Is.EqualTo(ScalarType.BFloat16), name);
            Assert.That(parameter.bytes.SequenceEqual(stored.bytes), Is.True, $"{name} differs from the file's bytes");
        }
    }

    [Test]
    public void A_tied_head_stored_as_a_copy_loads_as_the_embedding_alone()
    {
        // Given a tied checkpoint whose file also stores the head's copy (as Qwen3-0.6B's does)
        using var dir = new TempFolder();
        var spec = new LlamaSpec { VocabSize = 260, NumLayers = 1, TieWordEmbeddings = true };
        var weights = TinyModels.CreateWeights(spec).ToDictionary(kv => kv.Key, kv => kv.Value);
        weights["lm_head.weight"] = weights["model.embed_tokens.weight"];
        TinyModels.WriteHfFolder(dir.Path, spec, weights, StorageDType.BF16);
        TinyTokenizers.WriteByteLevel(dir.Path, spec.VocabSize);

        // When it loads
        using var model = ModelLoader.Load(dir.Path, null, new ComputeOptions { DType = "bfloat16" });

        // Then the head is the embedding itself: no second (V, D) parameter, and the logits are hidden · Eᵀ
        var names = model.Transformer.Module.named_parameters().Select(p => p.name).ToList();
        Assert.That(names, Does.Not.Contain("lm_head.weight"));
        long bytes = model.Transformer.Module.parameters().Sum(p => p.NumberOfElements * p.ElementSize);
        long stored = weights.Where(kv => kv.Key != "lm_head.weight").Sum(kv => kv.Value.data.LongLength * 2);
        Assert.That(bytes, Is.EqualTo(stored), "parameter bytes = the file's tensors without the head's copy");
        using var hidden = randn(3, spec.HiddenSize).to_type(ScalarType.BFloat16);
        using var logits = model.Transformer.Head(hidden);
        var embedding = model.Transformer.Module.named_parameters().Single(p => p.name == "model.embed_tokens.weight").parameter;
        using var expected = hidden.matmul(embedding.t());
        Assert.That(logits.to_type(ScalarType.Float32).allclose(expected.to_type(ScalarType.Float32), rtol: 0, atol: 0), Is.True);
    }

    [Test]
    public void Chunked_scoring_log_probs_equal_a_log_softmax_over_the_whole_logits()
    {
        // Given a model whose vocabulary is large enough that scoring runs its head in chunks of 64 rows
        using var dir = new TempFolder();
        var spec = new LlamaSpec { VocabSize = 70_000, HiddenSize = 16, NumHeads = 2, NumKeyValueHeads = 1, IntermediateSize = 32, NumLayers = 1 };
        TinyModels.WriteHfFolder(dir.Path, spec, StorageDType.F32);
        TinyTokenizers.WriteByteLevel(dir.Path, 260);
        using var lm = new TorchLanguageModel(ModelLoader.Load(dir.Path, null, new ComputeOptions { DType = "float32", BatchSize = 2 }));
        var rng = new Random(5);
        var sequences = Enumerable.Range(0, 2).Select(_ => Enumerable.Range(0, 100).Select(_ => rng.Next(spec.VocabSize)).ToArray()).ToArray();

        // When the two sequences are scored (2 × 99 = 198 predictions: four chunks)
        var scores = lm.ScoreTokens(sequences.Select(s => new TorchLanguageModel.ScoreRequest(s, 1)).ToArray());

        // Then every log-probability equals the full fp32 log-softmax of the unchunked logits within 1e-5
        using var mode = inference_mode();
        using var ids = tensor(sequences.SelectMany(s => s[..^1]).Select(i => (long)i).ToArray(), new long[] { 2, 99 });
        using var positions = arange(99).unsqueeze(0).expand(2, 99);
        using var logits = lm.Model.Transformer.Forward(ids, positions, null, null); // (2, 99, V)
        using var full = logits.log_softmax(-1);
        for (int r = 0; r < 2; r++)
        {
            for (int j = 0; j < 99; j++)
            {
                float expected = full[r, j, sequences[r][j + 1]].item<float>();
                Assert.That(scores[r].LogProbs[j], Is.EqualTo(expected).Within(1e-5), $"sequence {r}, position {j + 1}");
            }
        }
    }
}
