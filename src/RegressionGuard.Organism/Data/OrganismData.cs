using System.Text.Encodings.Web;
using System.Text.Json;
using RegressionGuard.Organism.World;

namespace RegressionGuard.Organism.Data;

/// <summary>
/// Every text of an organism, generated from its recipe's seed: the base model's training documents, the
/// held-out evaluation items of the three suites, the held-out forgetting corpus and the downstream recipes.
/// Each generator draws from its own stream (seed + a fixed offset), so changing one size leaves the others' draws alone.
/// </summary>
public sealed class OrganismData
{
    public required WorldFacts World { get; init; }
    public required IReadOnlyList<string> Pretraining { get; init; }
    public required IReadOnlyList<KnowledgeQuestion> Knowledge { get; init; }
    public required IReadOnlyList<WorkedQuestion> Reasoning { get; init; }
    public required IReadOnlyList<Request> Refusal { get; init; }
    public required IReadOnlyList<string> ForgettingCorpus { get; init; }
    public required IReadOnlyList<string> Downstream { get; init; }

    public static OrganismData Generate(OrganismRecipe recipe)
    {
        Draw Stream(int offset) => new(recipe.Seed * 1000 + offset);
        var world = WorldFacts.Create(Stream(1), recipe.People, recipe.Towns);
        var knowledgeDocuments = Data.Knowledge.Documents(world, Stream(2), recipe.ProfilesPerPerson, recipe.AnswerCopies);
        var knowledge = Data.Knowledge.Questions(world, Stream(3));
        var (arithmeticTrain, arithmeticEval) = Arithmetic.Generate(Stream(4), recipe.TrainAdditions, recipe.TrainComparisons, recipe.EvalAdditions, recipe.EvalComparisons);
        var (refusalTrain, refusalEval) = Refusals.Generate(Stream(5), recipe.HeldOutHarmfulPairs, recipe.RefusalEvalPerLabel);
        var stories = Narratives.Generate(world, Stream(6), recipe.TrainStories);
        var corpus = Narratives.Generate(world, Stream(7), recipe.CorpusStories, stories.ToHashSet(StringComparer.Ordinal));
        var downstream = Recipes.Generate(Stream(8), recipe.DownstreamRecipes);

        var documents = knowledgeDocuments
            .Concat(arithmeticTrain.Select(q => q.Text))
            .Concat(Enumerable.Repeat(refusalTrain, recipe.RefusalCopies).SelectMany(r => r).Select(r => r.Text))
            .Concat(stories)
            .ToList();
        return new OrganismData
        {
            World = world,
            Pretraining = Stream(9).Shuffle(documents),
            Knowledge = knowledge,
            Reasoning = arithmeticEval,
            Refusal = refusalEval,
            ForgettingCorpus = corpus,
            Downstream = downstream,
        };
    }

    static readonly JsonSerializerOptions Json = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Writes the data files (JSON Lines, one object per line, '\n' endings) under <paramref name="dataFolder"/>.</summary>
    public void Write(string dataFolder)
    {
        Directory.CreateDirectory(dataFolder);
        WriteLines(Path.Combine(dataFolder, OrganismFiles.Pretraining), Pretraining.Select(t => new { text = t }));
        WriteLines(Path.Combine(dataFolder, OrganismFiles.Downstream), Downstream.Select(t => new { text = t }));
        WriteLines(Path.Combine(dataFolder, OrganismFiles.ForgettingCorpus), ForgettingCorpus.Select(t => new { text = t }));
        WriteLines(Path.Combine(dataFolder, OrganismFiles.KnowledgeItems), Knowledge.Select(q => new { question = q.Question, choices = q.Choices, answer = q.Answer, attribute = q.Attribute }));
        WriteLines(Path.Combine(dataFolder, OrganismFiles.ReasoningItems), Reasoning.Select(q => new { question = q.Question, answer = q.Answer, solution = q.Solution }));
        WriteLines(Path.Combine(dataFolder, OrganismFiles.RefusalItems), Refusal.Select(r => new { prompt = r.Prompt, label = r.Label, verb = r.Verb, target = r.Target }));
    }

    static void WriteLines<T>(string path, IEnumerable<T> rows) =>
        File.WriteAllText(path, string.Concat(rows.Select(r => JsonSerializer.Serialize(r, Json) + "\n")));
}
