namespace RegressionGuard.Organism;

/// <summary>Settings of one LoRA candidate fine-tuned from the organism's base on the downstream recipes.</summary>
public sealed record CandidateRecipe(string Name, int Rank, double Alpha, IReadOnlyList<string> Targets, double LearningRate, int Steps, int BatchSize);

/// <summary>
/// Everything that fixes an organism: the seed, the size of the world and of every data split, the model shape and
/// the training settings of the base, the two candidates and the sweep. <see cref="Default"/> is the shipped organism
/// (suites/organism); <see cref="Validate"/> reports every bad value at once.
/// </summary>
public sealed record OrganismRecipe
{
    public long Seed { get; init; } = 20261127;

    // world and data
    public int People { get; init; } = 48;
    public int Towns { get; init; } = 12;
    public int ProfilesPerPerson { get; init; } = 4;
    public int AnswerCopies { get; init; } = 3;
    public int TrainAdditions { get; init; } = 5000;
    public int TrainComparisons { get; init; } = 1500;
    public int EvalAdditions { get; init; } = 100;
    public int EvalComparisons { get; init; } = 50;
    public int HeldOutHarmfulPairs { get; init; } = 24;
    public int RefusalEvalPerLabel { get; init; } = 60;
    public int RefusalCopies { get; init; } = 2;
    public int TrainStories { get; init; } = 800;
    public int CorpusStories { get; init; } = 60;
    public int DownstreamRecipes { get; init; } = 3000;

    // tokenizer and model (Llama architecture)
    public int VocabSize { get; init; } = 768;
    public int HiddenSize { get; init; } = 128;
    public int Layers { get; init; } = 4;
    public int Heads { get; init; } = 4;
    public int IntermediateSize { get; init; } = 384;
    public int ContextLength { get; init; } = 256;

    // base training (full, from a seeded random initialisation)
    public int BaseSteps { get; init; } = 2000;
    public int BaseBatchSize { get; init; } = 32;
    public int SeqLen { get; init; } = 128;
    public double BaseLearningRate { get; init; } = 3e-3;
    public int BaseWarmup { get; init; } = 100;

    // candidates and sweep (LoRA on the downstream recipes)
    public CandidateRecipe Mild { get; init; } = new("mild", 2, 4, Training.FineTuneOptions.LlamaTargets, 5e-4, 20, 8);
    public CandidateRecipe Aggressive { get; init; } = new("aggressive", 16, 32, Training.FineTuneOptions.LlamaTargets, 3e-3, 300, 16);
    public IReadOnlyList<int> SweepSteps { get; init; } = new[] { 10, 20, 40, 80, 160 };
    public IReadOnlyList<CandidateRecipe> SweepRuns { get; init; } = new[] { 1, 2, 4, 8, 16 }
        .Select(r => new CandidateRecipe($"lora-r{r}-all", r, 2 * r, Training.FineTuneOptions.LlamaTargets, 5e-4, 160, 8)).ToArray();

    /// <summary>The L_f budget is the base model's entropy on the corpus plus this many nats of KL.</summary>
    public double KlBudget { get; init; } = 0.1;

    public static OrganismRecipe Default { get; } = new();

    public IReadOnlyList<string> Validate()
    {
        var e = new List<string>();
        void Positive(string name, double value)
        {
            if (!(value > 0))
            {
                e.Add($"{name} must be positive, got {value}");
            }
        }
        Positive(nameof(People), People - 3);
        Positive(nameof(Towns), Towns - 3);
        Positive(nameof(ProfilesPerPerson), ProfilesPerPerson);
        Positive(nameof(TrainAdditions), TrainAdditions);
        Positive(nameof(EvalAdditions), EvalAdditions);
        Positive(nameof(BaseSteps), BaseSteps);
        Positive(nameof(BaseLearningRate), BaseLearningRate);
        int trainablePairs = 90 * 90 - 2 * (EvalAdditions + EvalComparisons);
        if (TrainAdditions > trainablePairs || TrainComparisons > trainablePairs - 90)
        {
            e.Add($"{nameof(TrainAdditions)} ({TrainAdditions}) and {nameof(TrainComparisons)} ({TrainComparisons}) must each fit in the {trainablePairs} two-digit operand pairs left after holding out evaluation pairs");
        }

        if (HeldOutHarmfulPairs * 5 < RefusalEvalPerLabel)
        {
            e.Add($"{nameof(HeldOutHarmfulPairs)} ({HeldOutHarmfulPairs}) × 5 wordings must cover {nameof(RefusalEvalPerLabel)} ({RefusalEvalPerLabel})");
        }

        if (HiddenSize % Heads != 0)
        {
            e.Add($"{nameof(HiddenSize)} ({HiddenSize}) must be a multiple of {nameof(Heads)} ({Heads})");
        }

        if (SeqLen > ContextLength)
        {
            e.Add($"{nameof(SeqLen)} ({SeqLen}) must not exceed {nameof(ContextLength)} ({ContextLength})");
        }

        if (VocabSize < 257)
        {
            e.Add($"{nameof(VocabSize)} must be at least 257, got {VocabSize}");
        }

        return e;
    }
}
