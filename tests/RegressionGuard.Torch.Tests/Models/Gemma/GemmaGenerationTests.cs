using RegressionGuard.Modeling;
using RegressionGuard.Testing;
using RegressionGuard.Torch.Models.Shared;
using RegressionGuard.Torch.Runtime;
using static TorchSharp.torch;

namespace RegressionGuard.Torch.Tests.Models.Gemma;

/// <summary>
/// Generation with the KV cache equals step-by-step recomputation of the whole sequence without a cache, also after
/// the sequence has grown past the sliding window (4 in the tiny checkpoints).
/// </summary>
public sealed class GemmaGenerationTests
{
    const int Window = 4;

    /// <summary>Greedy continuation of <paramref name="prompt"/> by running the full sequence again for every new id.</summary>
    static List<int> Recompute(ICausalTransformer model, int[] prompt, int steps)
    {
        var ids = prompt.ToList();
        var generated = new List<int>();
        using var mode = inference_mode();
        for (int step = 0; step < steps; step++)
        {
            using var scope = NewDisposeScope();
            var input = tensor(ids.Select(i => (long)i).ToArray(), new long[] { 1, ids.Count });
            var logits = model.Forward(input, arange(ids.Count).unsqueeze(0), null, null); // (1, T, V)
            int next = (int)logits[0, -1].argmax().item<long>();
            generated.Add(next);
            ids.Add(next);
        }

        return generated;
    }

    [TestCase(GemmaGoldens.Gemma2)]
    [TestCase(GemmaGoldens.Gemma3)]
    public void Cached_decoding_gives_the_logits_of_full_recomputation_past_the_window(string name)
    {
        // Given a tiny Gemma, a 3-id prompt, a KV cache and 12 decoding steps (the sequence ends at 3 × the window)
        using var dir = new TempFolder();
        using var loaded = ModelLoader.Load(GemmaGoldens.CopyTo(name, dir.Path));
        var model = loaded.Transformer;
        var ids = new List<long> { 2, 301, 17 };
        using var mode = inference_mode();
        using var cache = new KvCache(model.NumLayers, 1, model.NumKeyValueHeads, 16, model.HeadDim, ScalarType.Float32, CPU);
        using var scope = NewDisposeScope();
        var last = model.Forward(tensor(ids.ToArray(), new long[] { 1, 3 }), arange(3).unsqueeze(0), null, cache)[0, -1]; // (V)
        double worst = 0;
        for (int step = 0; step < 12; step++)
        {
            // When each step feeds one id through the cache
            var full = model.Forward(tensor(ids.ToArray(), new long[] { 1, ids.Count }), arange(ids.Count).unsqueeze(0), null, null)[0, -1];
            worst = Math.Max(worst, (last - full).abs().max().item<float>());
            long next = full.argmax().item<long>();
            ids.Add(next);
            last = model.Forward(tensor(new[] { next }, new long[] { 1, 1 }), full_like(tensor(new long[] { 0 }), ids.Count - 1).unsqueeze(0), null, cache)[0, -1];
        }

        // Then each step's logits equal those of recomputing the whole sequence
        Assert.That(ids, Has.Count.EqualTo(15).And.Count.GreaterThan(3 * Window));
        Assert.That(worst, Is.LessThanOrEqualTo(1e-4));
    }

    [TestCase(GemmaGoldens.Gemma2)]
    [TestCase(GemmaGoldens.Gemma3)]
    public void Batched_greedy_generation_equals_recomputation_for_each_prompt(string name)
    {
        // Given two prompts of different lengths, generated together (the shorter one left-padded) with the KV cache
        using var dir = new TempFolder();
        using var lm = new TorchLanguageModel(ModelLoader.Load(GemmaGoldens.CopyTo(name, dir.Path)));
        var prompts = new[] { "ab", "the weather" };
        var results = lm.Generate(prompts.Select(p => new GenerationRequest(p, 12)).ToArray());

        for (int r = 0; r < prompts.Length; r++)
        {
            // When the same prompt is continued by recomputing the full sequence for every id
            var prompt = lm.EncodeDocument(prompts[r]);
            var expected = Recompute(lm.Model.Transformer, prompt, results[r].TokenIds.Count);

            // Then the ids are the same, and the sequence went past the sliding window
            Assert.That(results[r].TokenIds, Is.EqualTo(expected), prompts[r]);
            Assert.That(prompt.Length + results[r].TokenIds.Count, Is.GreaterThan(2 * Window), prompts[r]);
        }
    }
}
