using System.Globalization;
using RegressionGuard.Organism.World;

namespace RegressionGuard.Organism.Data;

/// <summary>A multiple-choice question about one fact of the world.</summary>
public sealed record KnowledgeQuestion(string Question, IReadOnlyList<string> Choices, int Answer, string Attribute);

/// <summary>Texts that state the world's facts, and the multiple-choice questions that test them.</summary>
public static class Knowledge
{
    /// <summary>
    /// Training documents: per person, <paramref name="profiles"/> short profiles that state every fact in a randomly
    /// chosen phrasing and order, and <paramref name="answers"/> copies of each fact's question with its answer.
    /// </summary>
    public static List<string> Documents(WorldFacts world, Draw draw, int profiles, int answers)
    {
        var documents = new List<string>();
        foreach (var person in world.People)
        {
            for (int i = 0; i < profiles; i++)
            {
                documents.Add(string.Join(" ", draw.Shuffle(world.Attributes).Select(a =>
                    string.Format(CultureInfo.InvariantCulture, draw.One(a.Statements), person.Name, person.Attributes[a.Name]))));
            }
        }

        foreach (var fact in world.Facts)
        {
            for (int i = 0; i < answers; i++)
            {
                documents.Add($"Q: {fact.Question}\nA: {fact.Value}");
            }
        }

        return documents;
    }

    /// <summary>One four-way question per fact: the true value and three other values of the same attribute.</summary>
    public static List<KnowledgeQuestion> Questions(WorldFacts world, Draw draw)
    {
        var questions = new List<KnowledgeQuestion>();
        foreach (var fact in world.Facts)
        {
            var distractors = draw.Distinct(fact.Attribute.Values.Where(v => v != fact.Value).ToList(), 3);
            var choices = distractors.Append(fact.Value).ToList();
            choices = draw.Shuffle(choices);
            questions.Add(new KnowledgeQuestion(fact.Question, choices, choices.IndexOf(fact.Value), fact.Attribute.Name));
        }
        return questions;
    }
}
