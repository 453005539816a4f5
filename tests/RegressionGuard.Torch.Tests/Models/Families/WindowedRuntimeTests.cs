using RegressionGuard.Modeling;
using RegressionGuard.Testing;
using RegressionGuard.Torch.Runtime;

namespace RegressionGuard.Torch.Tests.Models.Families;

/// <summary>
/// Through the runtime (tokenizer, batching, left padding, the KV cache), sliding-window models give the same
/// generations and scores one request at a time and 8 at a time, with prompts and outputs longer than the window.
/// </summary>
public sealed class WindowedRuntimeTests
{
    public static IEnumerable<TestCaseData> Cases()
    {
        yield return new TestCaseData("mistral-window", Array.Empty<(string, string)>()).SetName("Mistral with a window of 5 is batch independent");
        yield return new TestCaseData("qwen3-lengths", Array.Empty<(string, string)>()).SetName("Qwen3 with a window of 5 on layer 1 is batch independent");
        yield return new TestCaseData("phi4-mini-lengths", new[] { ("original_max_position_embeddings", "512") }).SetName("Phi-4-mini with a window of 8 is batch independent");
    }

    static readonly GenerationRequest[] Prompts =
    [
        new("a", 20),
        new("the longest prompt of all, past the window", 16),
        new("mid-sized prompt", 24),
        new("b", 12),
    ];

    static readonly LogLikelihoodRequest[] Scored =
    [
        new("a short context", " and a longer continuation past the window"),
        new("", "no context at all"),
        new("twelve chars", "!"),
    ];

    [TestCaseSource(nameof(Cases))]
    public void Generation_and_scoring_agree_at_batch_sizes_1_and_8(string name, (string Key, string Json)[] changes)
    {
        // Given a windowed model with a tokenizer
        using var dir = new TempFolder();
        var folder = FamilyCheckpoints.WriteRandomFolder(dir.Path, name, changes);
        using var one = TorchLanguageModel.Load(folder, compute: new ComputeOptions { BatchSize = 1 });
        using var eight = TorchLanguageModel.Load(folder, compute: new ComputeOptions { BatchSize = 8 });

        // When both generate and score
        var a = one.Generate(Prompts);
        var b = eight.Generate(Prompts);
        var la = one.LogLikelihood(Scored);
        var lb = eight.LogLikelihood(Scored);

        // Then they agree
        for (int i = 0; i < Prompts.Length; i++)
        {
            Assert.That(b[i].TokenIds, Is.EqualTo(a[i].TokenIds), $"prompt {i}");
        }

        for (int i = 0; i < Scored.Length; i++)
        {
            Assert.That(lb[i].LogLikelihood, Is.EqualTo(la[i].LogLikelihood).Within(1e-4), $"request {i}");
        }
    }
}
