using RegressionGuard.Modeling;
using RegressionGuard.Suites;
using RegressionGuard.Suites.Evaluation;
using RegressionGuard.Suites.Items;
using RegressionGuard.Suites.Loading;
using RegressionGuard.Testing;
using RegressionGuard.Torch.Checkpoints;
using RegressionGuard.Torch.Models.Llama;
using RegressionGuard.Torch.Runtime;
using RegressionGuard.Torch.Tests.Models.Families;

namespace RegressionGuard.Torch.Tests.Runtime;

/// <summary>
/// Shared-prefix scoring (one context pass and its KV cache for every continuation of it) gives the scores of
/// scoring each request as its own sequence, within 1e-5 per scored token in fp32 (the two paths reduce in different
/// orders: left-padded masked attention against right-padded causal attention), on every shipped multiple-choice suite's shape,
/// with continuations of different lengths, contexts cut to the model's window, and at any batch size. Where a token's
/// log-probability is in the hundreds (random models with N(0, 1) tied embeddings) the bound is relative: 1e-6 of it.
/// </summary>
public sealed class SharedPrefixScoringTests
{
    const double TolerancePerToken = 1e-5;

    static TorchLanguageModel Stories(int batchSize, bool share) =>
        new(ModelLoader.Load(Stories260K.BinPath, null, new ComputeOptions { BatchSize = batchSize })) { SharePrefixes = share };

    static LogLikelihoodRequest[] SuiteRequests(string name, string? variable, string? dataFolder, int sample)
    {
        var variables = variable is null ? null : new Dictionary<string, string> { [variable] = SharedData.Path(dataFolder!) };
        var suite = SuiteLoader.Load(Path.Combine(RepositoryFiles.Root, "suites", name), variables);
        if (sample > 0)
        {
            suite = suite with { Data = suite.Data! with { Sample = sample, Seed = 5 } };
        }

        var items = SuiteItemBuilder.Build(suite);
        return items.SelectMany(i => i.Choices.Select(c => new LogLikelihoodRequest(i.Context, suite.TargetDelimiter + c, SuiteEvaluator.AddsSpecialTokens(suite)))).ToArray();
    }

    static void AssertSame(IReadOnlyList<LogLikelihoodResult> expected, IReadOnlyList<LogLikelihoodResult> actual)
    {
        Assert.That(actual, Has.Count.EqualTo(expected.Count));
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.That(actual[i].LogLikelihood, Is.EqualTo(expected[i].LogLikelihood).Within(TolerancePerToken * expected[i].TokenCount), $"request {i}");
            Assert.That(actual[i].IsGreedy, Is.EqualTo(expected[i].IsGreedy), $"request {i}");
            Assert.That(actual[i].TokenCount, Is.EqualTo(expected[i].TokenCount), $"request {i}");
        }
    }

    [TestCase("tinystories/tinystories_facts.yaml", null, null, 0)]
    [TestCase("tinystories/tinystories_common_sense.yaml", null, null, 0)]
    [TestCase("organism/knowledge.yaml", null, null, 40)]
    [TestCase("public/mmlu.yaml", "mmlu_dir", "datasets/mmlu", 24)]
    [TestCase("public/arc_easy.yaml", "arc_dir", "datasets/arc", 24)]
    [TestCase("public/arc_challenge.yaml", "arc_dir", "datasets/arc", 24)]
    public void A_shipped_suite_scores_the_same_with_shared_prefixes_as_one_sequence_per_choice(string suite, string? variable, string? data, int sample)
    {
        // Given a shipped multiple-choice suite's requests (a sample of the large ones) and stories260K
        var requests = SuiteRequests(suite, variable, data, sample);
        using var unshared = Stories(16, share: false);
        using var shared = Stories(16, share: true);

        // When they are scored one sequence per choice and with shared prefixes
        var expected = unshared.LogLikelihood(requests);
        var actual = shared.LogLikelihood(requests);

        // Then every score agrees, and the shared run made fewer forward passes over contexts
        AssertSame(expected, actual);
        Assert.That(requests.Length, Is.GreaterThan(requests.Select(r => r.Context).Distinct().Count()), "items have several choices");
    }

    [Test]
    public void Mmlu_contexts_cut_to_the_window_and_continuations_of_different_lengths_score_the_same()
    {
        // Given MMLU items whose contexts are longer than stories260K's 512-token window, and choices of 1, 2 and 7 tokens
        var requests = SuiteRequests("public/mmlu.yaml", "mmlu_dir", "datasets/mmlu", 10)
            .SelectMany(r => new[] { r, r with { Continuation = " B and a much longer answer" } }).ToArray();
        using var unshared = Stories(8, share: false);
        using var shared = Stories(8, share: true);
        var longest = requests.Max(r => unshared.EncodePrompt(r.Context + r.Continuation).Length);

        // When scored both ways
        var expected = unshared.LogLikelihood(requests);
        var actual = shared.LogLikelihood(requests);

        // Then they agree, windowed exactly as one sequence per request
        Assert.That(longest, Is.GreaterThan(513), "some requests are cut to the window");
        AssertSame(expected, actual);
    }

    static readonly LogLikelihoodRequest[] Mixed =
    [
        new("Once upon a time, there was a little", " girl"),
        new("Once upon a time, there was a little", " dog who liked to run"),
        new("Once upon a time, there was a little", " red ball"),
        new("Lily went to the", " park"),
        new("Lily went to the", " big red house with her mom"),
        new("", "Once upon a time"),
        new("", "The end"),
        new("Tom liked to play with his ", "ball"),
        new("Tom liked to play with his ", "toy car"),
        new("The sun was shining and the birds were singing. Sam and his friend", " went outside to play."),
        new("Once upon a time, there was a little", " girl", AddSpecialTokens: false),
    ];

    [Test]
    public void Shared_prefix_scores_do_not_depend_on_the_batch_size()
    {
        // Given contexts of several lengths with one to six continuations each, some single-token
        using var one = Stories(1, share: true);
        using var many = Stories(32, share: true);
        using var unshared = Stories(32, share: false);

        // When scored one context at a time and 32 at a time (left padding, gathered caches)
        var a = one.LogLikelihood(Mixed);
        var b = many.LogLikelihood(Mixed);

        // Then both agree with each other and with one sequence per request
        AssertSame(a, b);
        AssertSame(unshared.LogLikelihood(Mixed), b);
    }

    [Test]
    public void Four_choices_of_one_context_run_in_one_pass_per_batch_of_contexts()
    {
        // Given 8 items of 4 multi-token choices each
        var requests = Enumerable.Range(0, 8).SelectMany(i => new[] { " red hat", " blue dog", " big tree", " green frog" }
            .Select(c => new LogLikelihoodRequest($"Story {i}: Lily saw a", c))).ToArray();
        using var shared = Stories(8, share: true);
        using var unshared = Stories(8, share: false);

        // When scored both ways, 8 sequences per batch
        shared.LogLikelihood(requests);
        unshared.LogLikelihood(requests);

        // Then sharing runs the 8 contexts in one batch (with their continuation rows) instead of 4 batches of 8 sequences
        Assert.That(shared.ForwardCalls, Is.EqualTo(1));
        Assert.That(unshared.ForwardCalls, Is.EqualTo(4));
    }

    public static IEnumerable<TestCaseData> Families()
    {
        yield return new TestCaseData("mistral-window", Array.Empty<(string, string)>()).SetName("Mistral with a window of 5 scores shared prefixes as single sequences");
        yield return new TestCaseData("qwen3-lengths", Array.Empty<(string, string)>()).SetName("Qwen3 with a window of 5 on layer 1 scores shared prefixes as single sequences");
        yield return new TestCaseData("qwen3", Array.Empty<(string, string)>()).SetName("Qwen3 scores shared prefixes as single sequences");
        yield return new TestCaseData("phi4-mini-lengths", new[] { ("original_max_position_embeddings", "512") }).SetName("Phi-4-mini with a window of 8 scores shared prefixes as single sequences");
    }

    static readonly LogLikelihoodRequest[] FamilyRequests =
    [
        new("a short context", " and a longer continuation past the window"),
        new("a short context", " x"),
        new("a short context", " yz"),
        new("", "no context at all"),
        new("", "none"),
        new("twelve chars", "!"),
        new("twelve chars", "?!"),
    ];

    [TestCaseSource(nameof(Families))]
    public void A_family_model_scores_shared_prefixes_as_single_sequences(string name, (string Key, string Json)[] changes)
    {
        // Given a random model of the family with a byte-level tokenizer
        using var dir = new TempFolder();
        var folder = FamilyCheckpoints.WriteRandomFolder(dir.Path, name, changes);
        using var shared = TorchLanguageModel.Load(folder, compute: new ComputeOptions { BatchSize = 8 });
        using var one = TorchLanguageModel.Load(folder, compute: new ComputeOptions { BatchSize = 1 });
        using var unshared = new TorchLanguageModel(ModelLoader.Load(folder, null, new ComputeOptions { BatchSize = 8 })) { SharePrefixes = false };

        // When scored with and without shared prefixes
        var expected = unshared.LogLikelihood(FamilyRequests);

        // Then they agree at batch sizes 1 and 8
        AssertSame(expected, shared.LogLikelihood(FamilyRequests));
        AssertSame(expected, one.LogLikelihood(FamilyRequests));
    }

    /// <summary>
    /// A random Llama initialised as the 20M benchmark model (embeddings N(0, 1), tied head), small enough for a test:
    /// its logits have a standard deviation of about √D, so a scored token's log-probability is in the hundreds.
    /// </summary>
    static string LargeLogitLlama(string folder)
    {
        Directory.CreateDirectory(folder);
        File.Copy(Stories260K.TokenizerPath, Path.Combine(folder, "tokenizer.model"));
        var config = new LlamaConfig
        {
            ArchitectureNames = ["LlamaForCausalLM"],
            ModelType = "llama",
            VocabSize = 2048,
            HiddenSize = 256,
            IntermediateSize = 688,
            NumHiddenLayers = 3,
            NumAttentionHeads = 8,
            NumKeyValueHeads = 4,
            MaxPositionEmbeddings = 256,
            RmsNormEps = 1e-5,
            TieWordEmbeddings = true,
        };
        TorchSharp.torch.manual_seed(11);
        using var model = new LlamaForCausalLM(config);
        SafetensorsFile.Write(Path.Combine(folder, "model.safetensors"), model.state_dict());
        File.WriteAllText(Path.Combine(folder, "config.json"), System.Text.Json.JsonSerializer.Serialize(config,
            new System.Text.Json.JsonSerializerOptions { DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull }));
        return folder;
    }

    [Test]
    public void A_model_with_log_probabilities_in_the_hundreds_scores_shared_prefixes_within_a_millionth_of_each_token()
    {
        // Given MMLU requests (contexts cut to a 256-token window) and a random Llama whose per-token log-probabilities
        // are in the hundreds, where one fp32 ulp of a token's log-probability is already 1.5e-5 to 3e-5
        var requests = SuiteRequests("public/mmlu.yaml", "mmlu_dir", "datasets/mmlu", 12);
        using var dir = new TempFolder();
        var folder = LargeLogitLlama(dir.File("large-logits"));
        using var shared = new TorchLanguageModel(ModelLoader.Load(folder, null, new ComputeOptions { BatchSize = 16 }));
        using var unshared = new TorchLanguageModel(ModelLoader.Load(folder, null, new ComputeOptions { BatchSize = 16 })) { SharePrefixes = false };

        // When scored with and without shared prefixes
        var expected = unshared.LogLikelihood(requests);
        var actual = shared.LogLikelihood(requests);

        // Then the scores are that large, and each agrees within 1e-6 of its size (about 8 fp32 ulps; the absolute
        // 1e-5 per token of the other tests is below one ulp here)
        TestContext.Out.WriteLine($"max |Δ| per token: {expected.Zip(actual).Max(p => Math.Abs(p.First.LogLikelihood - p.Second.LogLikelihood) / p.First.TokenCount):E2}, "
            + $"mean |log-probability| per token: {expected.Average(r => Math.Abs(r.LogLikelihood) / r.TokenCount):F1}");
        Assert.That(expected.Average(r => Math.Abs(r.LogLikelihood) / r.TokenCount), Is.GreaterThan(100));
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.That(actual[i].LogLikelihood, Is.EqualTo(expected[i].LogLikelihood).Within(1e-6 * Math.Abs(expected[i].LogLikelihood)), $"request {i}");
            Assert.That(actual[i].TokenCount, Is.EqualTo(expected[i].TokenCount), $"request {i}");
        }
    }

    [TestCase(GemmaGoldens.Gemma2)]
    [TestCase(GemmaGoldens.Gemma3)]
    public void A_gemma_model_scores_shared_prefixes_as_single_sequences(string name)
    {
        // Given a tiny Gemma (sliding window 4, soft-capped attention in Gemma 2)
        using var dir = new TempFolder();
        var folder = GemmaGoldens.CopyTo(name, dir.Path);
        using var shared = new TorchLanguageModel(ModelLoader.Load(folder, null, new ComputeOptions { BatchSize = 8 }));
        using var unshared = new TorchLanguageModel(ModelLoader.Load(folder, null, new ComputeOptions { BatchSize = 8 })) { SharePrefixes = false };

        // When scored with and without shared prefixes, Then they agree
        AssertSame(unshared.LogLikelihood(FamilyRequests), shared.LogLikelihood(FamilyRequests));
    }

    [Test]
    public void Every_position_of_prefixed_sequences_scores_as_in_its_own_sequence()
    {
        // Given two prefixes of different lengths, each with continuations of one to four ids, and stories260K at batch size 2
        using var model = Stories(2, share: true);
        var first = model.EncodePrompt("Once upon a time, there was a little girl named Lily.");
        var second = model.EncodePrompt("The dog ran");
        var groups = new[]
        {
            new TorchLanguageModel.PrefixedSequences(first, [[42], [7, 8, 9, 10], [300, 5]]),
            new TorchLanguageModel.PrefixedSequences(second, [[11, 12]]),
        };

        // When every position is scored with each prefix run once, and every sequence on its own
        var shared = new Dictionary<(int Group, int Member, int Position), float>();
        model.ForEachPrefixScoredChunk(groups, prefixRows: true, chunk =>
        {
            var lp = chunk.Logits.log_softmax(-1, TorchSharp.torch.ScalarType.Float32).gather(1, chunk.Targets.unsqueeze(1)).squeeze(1).cpu().data<float>().ToArray();
            for (int r = 0; r < lp.Length; r++)
            {
                Assert.That(shared.TryAdd((chunk.Groups[r], chunk.Members[r], chunk.Positions[r]), lp[r]), Is.True, "each row once");
            }
        });
        var sequences = groups.SelectMany((g, gi) => g.Continuations.Select((c, m) => (gi, m, Ids: g.Prefix.Concat(c).ToArray()))).ToArray();
        var alone = new Dictionary<(int, int, int), float>();
        model.ForEachScoredChunk(sequences.Select(s => new TorchLanguageModel.ScoreRequest(s.Ids, 1)).ToArray(), chunk =>
        {
            var lp = chunk.Logits.log_softmax(-1, TorchSharp.torch.ScalarType.Float32).gather(1, chunk.Targets.unsqueeze(1)).squeeze(1).cpu().data<float>().ToArray();
            for (int r = 0; r < lp.Length; r++)
            {
                var (g, m, _) = sequences[chunk.Requests[r]];
                alone[(g, m, chunk.Positions[r])] = lp[r];
            }
        });

        // Then the prefix's positions come once per group (member −1), every continuation id once per member, and
        // each log-prob agrees with the sequence's own within 1e-5
        Assert.That(shared.Count, Is.EqualTo(first.Length - 1 + 1 + 4 + 2 + second.Length - 1 + 2));
        foreach (var ((g, m, position), lp) in alone)
        {
            var key = position < groups[g].Prefix.Length ? (g, -1, position) : (g, m, position);
            Assert.That(shared[key], Is.EqualTo(lp).Within(TolerancePerToken), $"group {g} member {m} position {position}");
        }
    }
}
