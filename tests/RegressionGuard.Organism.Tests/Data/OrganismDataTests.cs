using System.Text.RegularExpressions;
using RegressionGuard.Organism.Data;
using RegressionGuard.Testing;

namespace RegressionGuard.Organism.Tests.Data;

public class OrganismDataTests
{
    static readonly OrganismData Default = OrganismData.Generate(OrganismRecipe.Default);

    static string[] Bytes(string folder) =>
        Directory.GetFiles(folder).OrderBy(f => f, StringComparer.Ordinal).Select(f => Path.GetFileName(f) + ":" + Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(f)))).ToArray();

    [Test]
    public void The_same_seed_writes_byte_identical_data_files()
    {
        using var a = new TempFolder();
        using var b = new TempFolder();
        OrganismData.Generate(OrganismRecipe.Default).Write(a.Path);
        OrganismData.Generate(OrganismRecipe.Default).Write(b.Path);
        Assert.That(Bytes(a.Path), Is.EqualTo(Bytes(b.Path)));
    }

    [Test]
    public void Another_seed_gives_another_world()
    {
        var other = OrganismData.Generate(OrganismRecipe.Default with { Seed = 7 });
        Assert.That(other.World.People.Select(p => p.Name), Is.Not.EqualTo(Default.World.People.Select(p => p.Name)));
    }

    [Test]
    public void Every_knowledge_question_has_the_world_fact_as_its_answer_among_four_distinct_choices()
    {
        var facts = Default.World.Facts.ToDictionary(f => f.Question, f => f.Value);
        Assert.That(Default.Knowledge, Has.Count.EqualTo(OrganismRecipe.Default.People * 4));
        foreach (var q in Default.Knowledge)
        {
            Assert.That(q.Choices.Distinct().Count(), Is.EqualTo(4), q.Question);
            Assert.That(q.Choices[q.Answer], Is.EqualTo(facts[q.Question]), q.Question);
        }
    }

    [Test]
    public void The_gold_answer_is_spread_over_all_four_positions()
    {
        var positions = Default.Knowledge.GroupBy(q => q.Answer).ToDictionary(g => g.Key, g => g.Count());
        Assert.That(positions.Keys, Is.EquivalentTo(new[] { 0, 1, 2, 3 }));
        Assert.That(positions.Values.Max(), Is.LessThan(Default.Knowledge.Count * 0.4));
    }

    [Test]
    public void Reasoning_answers_are_computed_and_their_operand_pairs_never_appear_in_training()
    {
        var training = string.Join("\n", Default.Pretraining);
        foreach (var q in Default.Reasoning)
        {
            var numbers = Regex.Matches(q.Question, "[0-9]+").Select(m => int.Parse(m.Value, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
            var expected = q.Question.Contains('+', StringComparison.Ordinal) ? numbers[0] + numbers[1] : Math.Max(numbers[0], numbers[1]);
            Assert.That(q.Answer, Is.EqualTo(expected.ToString(System.Globalization.CultureInfo.InvariantCulture)), q.Question);
            Assert.That(q.Solution, Does.EndWith($"The answer is {q.Answer}."));
            foreach (var (a, b) in new[] { (numbers[0], numbers[1]), (numbers[1], numbers[0]) })
            {
                Assert.That(training, Does.Not.Contain($"What is {a} + {b}?"), q.Question);
                Assert.That(training, Does.Not.Contain($"Which is larger, {a} or {b}?"), q.Question);
            }
        }
    }

    [Test]
    public void Refusal_items_are_held_out_and_half_should_be_refused()
    {
        var training = Default.Pretraining.ToHashSet(StringComparer.Ordinal);
        var joined = string.Join("\n", Default.Pretraining);
        Assert.That(Default.Refusal.Count(r => r.Refuse), Is.EqualTo(OrganismRecipe.Default.RefusalEvalPerLabel));
        Assert.That(Default.Refusal.Count(r => !r.Refuse), Is.EqualTo(OrganismRecipe.Default.RefusalEvalPerLabel));
        foreach (var r in Default.Refusal)
        {
            Assert.That(joined, Does.Not.Contain("User: " + r.Prompt + "\n"), r.Prompt);
            if (r.Refuse)
            {
                Assert.That(joined, Does.Not.Contain($" {r.Verb} {r.Target}"), $"the pair ({r.Verb}, {r.Target}) is held out");
            }
        }
        Assert.That(training.Count(t => t.Contains("I cannot help", StringComparison.Ordinal)), Is.GreaterThan(100));
    }

    [Test]
    public void The_forgetting_corpus_shares_no_story_with_training()
    {
        var training = Default.Pretraining.ToHashSet(StringComparer.Ordinal);
        Assert.That(Default.ForgettingCorpus.Where(training.Contains), Is.Empty);
        Assert.That(Default.ForgettingCorpus.Distinct().Count(), Is.EqualTo(OrganismRecipe.Default.CorpusStories));
    }

    [Test]
    public void Downstream_recipes_use_words_the_base_never_reads()
    {
        var training = string.Join("\n", Default.Pretraining);
        foreach (var word in new[] { "Recipe", "whisk", "flour", "cinnamon" })
        {
            Assert.That(training, Does.Not.Contain(word));
        }

        Assert.That(Default.Downstream, Has.Count.EqualTo(OrganismRecipe.Default.DownstreamRecipes));
    }

    [Test]
    public void An_invalid_recipe_names_every_bad_setting()
    {
        var errors = (OrganismRecipe.Default with { HiddenSize = 130, SeqLen = 512, VocabSize = 100 }).Validate();
        Assert.That(errors, Has.Some.Contains("HiddenSize (130) must be a multiple of Heads (4)"));
        Assert.That(errors, Has.Some.Contains("SeqLen (512) must not exceed ContextLength (256)"));
        Assert.That(errors, Has.Some.Contains("VocabSize must be at least 257, got 100"));
    }
}
