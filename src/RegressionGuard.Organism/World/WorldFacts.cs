namespace RegressionGuard.Organism.World;

/// <summary>One attribute every person of the world has (home town, trade, favourite colour, pet).</summary>
/// <param name="Name">Attribute key, e.g. <c>town</c>.</param>
/// <param name="Values">Every value the attribute takes.</param>
/// <param name="Statements">Declarative phrasings for training; {0} is the person, {1} the value.</param>
/// <param name="Question">The question form, {0} is the person; the answer is the bare value.</param>
public sealed record WorldAttribute(string Name, IReadOnlyList<string> Values, IReadOnlyList<string> Statements, string Question);

/// <summary>A person and their value of every attribute.</summary>
public sealed record Person(string Name, IReadOnlyDictionary<string, string> Attributes);

/// <summary>One fact: person, attribute, value.</summary>
public sealed record Fact(Person Person, WorldAttribute Attribute, string Value)
{
    public string Question => string.Format(System.Globalization.CultureInfo.InvariantCulture, Attribute.Question, Person.Name);
}

/// <summary>
/// The fictional world of the organism: invented people and towns, each person with a home town, a trade, a
/// favourite colour and a pet. Everything the organism knows comes from here.
/// </summary>
public sealed class WorldFacts
{
    public static readonly string[] Trades = { "baker", "farmer", "smith", "painter", "sailor", "miner", "weaver", "doctor", "teacher", "hunter", "potter", "singer" };
    public static readonly string[] Colors = { "red", "blue", "green", "yellow", "purple", "orange", "white", "black" };
    public static readonly string[] Pets = { "cat", "dog", "owl", "goat", "horse", "fox", "frog", "crow" };

    public IReadOnlyList<string> Towns { get; }
    public IReadOnlyList<Person> People { get; }
    public IReadOnlyList<WorldAttribute> Attributes { get; }

    public IEnumerable<Fact> Facts => People.SelectMany(p => Attributes.Select(a => new Fact(p, a, p.Attributes[a.Name])));

    WorldFacts(IReadOnlyList<string> towns, IReadOnlyList<Person> people, IReadOnlyList<WorldAttribute> attributes)
    {
        Towns = towns;
        People = people;
        Attributes = attributes;
    }

    /// <summary>A world of <paramref name="people"/> people in <paramref name="towns"/> towns, fixed by the draw.</summary>
    public static WorldFacts Create(Draw draw, int people, int towns)
    {
        var taken = new HashSet<string>(StringComparer.Ordinal);
        var townNames = Names.Generate(draw, towns, 3, taken);
        var personNames = Names.Generate(draw, people, 2, taken);
        var attributes = new[]
        {
            new WorldAttribute("town", townNames, new[] { "{0} lives in {1}.", "The home of {0} is {1}.", "{0} has a house in the town of {1}." }, "Where does {0} live?"),
            new WorldAttribute("trade", Trades, new[] { "{0} works as a {1}.", "By trade, {0} is a {1}.", "{0} earns a living as a {1}." }, "What is the trade of {0}?"),
            new WorldAttribute("color", Colors, new[] { "The favorite color of {0} is {1}.", "{0} likes the color {1} best.", "Of all colors, {0} loves {1} most." }, "What is the favorite color of {0}?"),
            new WorldAttribute("pet", Pets, new[] { "{0} has a pet {1}.", "The pet of {0} is a {1}.", "{0} keeps a {1} at home." }, "What pet does {0} have?"),
        };
        var list = personNames
            .Select(name => new Person(name, attributes.ToDictionary(a => a.Name, a => draw.One(a.Values), StringComparer.Ordinal)))
            .ToList();
        return new WorldFacts(townNames, list, attributes);
    }
}
