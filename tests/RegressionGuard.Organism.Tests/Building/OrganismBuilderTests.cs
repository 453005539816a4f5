using RegressionGuard.Organism.Building;
using RegressionGuard.Testing;
using RegressionGuard.Torch.Checkpoints;

namespace RegressionGuard.Organism.Tests.Building;

/// <summary>End to end on a miniature recipe (a one-layer, 32-wide model and a few steps), built twice.</summary>
public class OrganismBuilderTests
{
    static readonly string[] QV = { "q_proj", "v_proj" };

    internal static readonly OrganismRecipe Tiny = OrganismRecipe.Default with
    {
        People = 6,
        Towns = 4,
        ProfilesPerPerson = 1,
        AnswerCopies = 1,
        TrainAdditions = 200,
        TrainComparisons = 50,
        EvalAdditions = 20,
        EvalComparisons = 10,
        HeldOutHarmfulPairs = 6,
        RefusalEvalPerLabel = 20,
        RefusalCopies = 1,
        TrainStories = 30,
        CorpusStories = 6,
        DownstreamRecipes = 100,
        VocabSize = 300,
        HiddenSize = 32,
        Layers = 1,
        Heads = 2,
        IntermediateSize = 64,
        ContextLength = 64,
        SeqLen = 32,
        BaseSteps = 8,
        BaseBatchSize = 4,
        BaseWarmup = 2,
        Mild = new CandidateRecipe("mild", 1, 2, QV, 1e-3, 2, 2),
        Aggressive = new CandidateRecipe("aggressive", 4, 8, Training.FineTuneOptions.LlamaTargets, 1e-2, 4, 2),
        SweepSteps = new[] { 2, 4, 8 },
        SweepRuns = new[] { new CandidateRecipe("r1", 1, 2, QV, 1e-3, 8, 2), new CandidateRecipe("r4", 4, 8, QV, 1e-3, 8, 2) },
    };

    static TempFolder? _folder;
    static string First => Path.Combine(_folder!.Path, "first");
    static string Second => Path.Combine(_folder!.Path, "second");

    [OneTimeSetUp]
    public static void BuildTwice()
    {
        _folder = new TempFolder("rg-organism");
        new OrganismBuilder(Tiny, First, First + ".work").Build();
        new OrganismBuilder(Tiny, Second, Second + ".work").Build();
    }

    [OneTimeTearDown]
    public static void Remove() => _folder?.Dispose();

    [Test]
    public void A_build_writes_suites_data_models_law_and_gate_configs()
    {
        foreach (var file in new[]
                 {
                     "organism.json", "knowledge.yaml", "reasoning.yaml", "refusal.yaml", "sweep.yaml", "ledger.csv", "law.yaml",
                     "gate-mild.yaml", "gate-aggressive.yaml", "data/pretrain.jsonl", "data/forgetting.jsonl",
                     "models/base/config.json", "models/base/model.safetensors", "models/base/tokenizer.json",
                     "models/mild/adapter_config.json", "models/mild/adapter_model.safetensors", "models/aggressive/adapter_model.safetensors",
                 })
        {
            Assert.That(File.Exists(Path.Combine(First, file)), file);
        }

        Assert.That(File.ReadAllText(Path.Combine(First, "models/mild/adapter_config.json")), Does.Contain("\"base_model_name_or_path\": \"../base\""));
    }

    [Test]
    public void Two_builds_with_one_seed_give_identical_suites_data_tokenizer_and_configs()
    {
        var first = OrganismManifest.Files(First).Where(f => !f.Path.EndsWith(".safetensors", StringComparison.Ordinal) && f.Path is not ("ledger.csv" or "law.yaml")).ToList();
        var second = OrganismManifest.Files(Second).Where(f => !f.Path.EndsWith(".safetensors", StringComparison.Ordinal) && f.Path is not ("ledger.csv" or "law.yaml")).ToList();
        Assert.That(second, Is.EqualTo(first));
    }

    [TestCase("models/base/model.safetensors")]
    [TestCase("models/mild/adapter_model.safetensors")]
    [TestCase("models/aggressive/adapter_model.safetensors")]
    public void Two_builds_with_one_seed_give_the_same_weights(string file)
    {
        using var a = SafetensorsFile.Open(Path.Combine(First, file));
        using var b = SafetensorsFile.Open(Path.Combine(Second, file));
        Assert.That(b.Entries.Keys, Is.EquivalentTo(a.Entries.Keys));
        foreach (var name in a.Entries.Keys)
        {
            using var x = a.Read(name);
            using var y = b.Read(name);
            Assert.That(x.sub(y).abs().max().item<float>(), Is.LessThanOrEqualTo(1e-6f), name);
        }
    }

    [Test]
    public void A_second_build_into_the_same_work_folder_reuses_the_trained_stages()
    {
        var lines = new List<string>();
        new OrganismBuilder(Tiny, First, First + ".work", lines.Add).Build();
        Assert.That(lines, Has.Some.StartsWith("base: already built"));
        Assert.That(lines, Has.Some.StartsWith("sweep: already built"));
    }
}
