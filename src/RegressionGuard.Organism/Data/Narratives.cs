using RegressionGuard.Organism.World;

namespace RegressionGuard.Organism.Data;

/// <summary>Short stories set in the world, consistent with its facts: the plain text of the forgetting corpus.</summary>
public static class Narratives
{
    static readonly string[] Openings =
    {
        "One morning, {n} left {t} with the pet {p}.",
        "On a cold day, {n} the {j} walked out of {t}.",
        "Early one spring, {n} set off from {t} to see an old friend.",
        "It was market day, and {n} the {j} was busy in {t}.",
    };

    static readonly string[] Meetings =
    {
        "On the road, {n} met {m}, a {mj} from {mt}.",
        "Near the bridge, {n} saw {m}, who lives in {mt}.",
        "At the well, {m} the {mj} waved at {n}.",
    };

    static readonly string[] Middles =
    {
        "{m} wore a {mc} coat and carried a basket of apples.",
        "They talked about the rain, the river and the harvest.",
        "The {p} ran ahead, and the two friends laughed.",
        "{m} told a long story about the {mp} at home.",
        "They shared bread and cheese under an old tree.",
    };

    static readonly string[] Endings =
    {
        "In the evening, {n} went home to {t}, tired but happy.",
        "That night, {n} dreamed of wide {c} fields.",
        "When the sun went down, {n} and the {p} were home again.",
        "Before dark, {n} promised to visit {mt} soon.",
    };

    public static List<string> Generate(WorldFacts world, Draw draw, int count, ISet<string>? exclude = null)
    {
        var stories = new List<string>(count);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (stories.Count < count)
        {
            var pair = draw.Distinct(world.People, 2);
            var (n, m) = (pair[0], pair[1]);
            string Fill(string s) => s
                .Replace("{n}", n.Name, StringComparison.Ordinal).Replace("{m}", m.Name, StringComparison.Ordinal)
                .Replace("{t}", n.Attributes["town"], StringComparison.Ordinal).Replace("{mt}", m.Attributes["town"], StringComparison.Ordinal)
                .Replace("{j}", n.Attributes["trade"], StringComparison.Ordinal).Replace("{mj}", m.Attributes["trade"], StringComparison.Ordinal)
                .Replace("{c}", n.Attributes["color"], StringComparison.Ordinal).Replace("{mc}", m.Attributes["color"], StringComparison.Ordinal)
                .Replace("{p}", n.Attributes["pet"], StringComparison.Ordinal).Replace("{mp}", m.Attributes["pet"], StringComparison.Ordinal);
            var middle = draw.Distinct(Middles, 2);
            var story = string.Join(" ", new[] { draw.One(Openings), draw.One(Meetings), middle[0], middle[1], draw.One(Endings) }.Select(Fill));
            if ((exclude is null || !exclude.Contains(story)) && seen.Add(story))
            {
                stories.Add(story);
            }
        }
        return stories;
    }
}
