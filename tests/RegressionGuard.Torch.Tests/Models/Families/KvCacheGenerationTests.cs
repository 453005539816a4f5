using RegressionGuard.Torch.Models.Shared;
using static TorchSharp.torch;

namespace RegressionGuard.Torch.Tests.Models.Families;

/// <summary>Greedy decoding with the preallocated KV cache equals recomputing the whole prefix at every step, past the sliding window too.</summary>
public sealed class KvCacheGenerationTests
{
    public static IEnumerable<TestCaseData> Cases()
    {
        yield return new TestCaseData("qwen3-lengths", Array.Empty<(string, string)>()).SetName("Qwen3 with a window of 5 decodes the same with and without the cache");
        yield return new TestCaseData("phi4-mini-lengths", new[] { ("original_max_position_embeddings", "512") }).SetName("Phi-4-mini with a window of 8 decodes the same with and without the cache");
        yield return new TestCaseData("phi4-mini", Array.Empty<(string, string)>()).SetName("Phi-4-mini with longrope short factors decodes the same with and without the cache");
        yield return new TestCaseData("mistral-window", Array.Empty<(string, string)>()).SetName("Mistral with a window of 5 decodes the same with and without the cache");
        yield return new TestCaseData("qwen2-window", Array.Empty<(string, string)>()).SetName("Qwen2 with a window of 4 on layer 1 decodes the same with and without the cache");
    }

    [TestCaseSource(nameof(Cases))]
    public void Greedy_generation_with_the_cache_equals_full_recomputation(string name, (string Key, string Json)[] changes)
    {
        // Given a model whose window (or long factors) a 20-token sequence passes
        using var model = FamilyCheckpoints.Random(FamilyCheckpoints.Config(name, changes));
        var prompt = new long[] { 3, 14, 15, 9, 26, 5 };
        const int steps = 14;
        using var scope = NewDisposeScope();
        using var mode = inference_mode();

        // When it decodes greedily with the cache, one token per step after the prompt
        var cached = new List<long>(prompt);
        var cachedLast = new List<Tensor>();
        using (var cache = new KvCache(model.NumLayers, 1, model.NumKeyValueHeads, prompt.Length + steps, model.HeadDim, ScalarType.Float32, CPU))
        {
            var input = tensor(prompt, new long[] { 1, prompt.Length });
            var positions = arange(prompt.Length, dtype: ScalarType.Int64).unsqueeze(0);
            for (int step = 0; step < steps; step++)
            {
                using var logits = model.Forward(input, positions, null, cache); // (1, T, V)
                var last = logits[0, -1].clone();
                cachedLast.Add(last);
                long next = last.argmax().item<long>();
                cached.Add(next);
                input = tensor(new[] { next }, new long[] { 1, 1 });
                positions = tensor(new long[] { cached.Count - 1 }, new long[] { 1, 1 });
            }
        }

        // and again recomputing every prefix from scratch
        var full = new List<long>(prompt);
        var fullLast = new List<Tensor>();
        for (int step = 0; step < steps; step++)
        {
            using var logits = FamilyCheckpoints.Logits(model, full.ToArray());
            var last = logits[0, -1].clone();
            fullLast.Add(last);
            full.Add(last.argmax().item<long>());
        }

        // Then the tokens are the same and every step's logits agree within 1e-4
        Assert.That(cached, Is.EqualTo(full));
        for (int step = 0; step < steps; step++)
        {
            var difference = (cachedLast[step] - fullLast[step]).abs().max().item<float>();
            Assert.That(difference, Is.LessThan(1e-4f), $"step {step}: largest |Δlogit| {difference}");
        }
    }
}
