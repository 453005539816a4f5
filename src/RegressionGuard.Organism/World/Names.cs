namespace RegressionGuard.Organism.World;

/// <summary>Pronounceable invented names (syllable pairs), so the world's entities exist in no real corpus.</summary>
public static class Names
{
    static readonly string[] Onsets = { "b", "d", "f", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z", "th", "br", "kr", "st" };
    static readonly string[] Vowels = { "a", "e", "i", "o", "u", "ai", "ou" };
    static readonly string[] Codas = { "", "", "n", "r", "l", "s", "m" };

    /// <summary><paramref name="count"/> distinct capitalised names of <paramref name="syllables"/> syllables, none in <paramref name="taken"/>.</summary>
    public static List<string> Generate(Draw draw, int count, int syllables, ISet<string> taken)
    {
        var names = new List<string>(count);
        while (names.Count < count)
        {
            var name = string.Concat(Enumerable.Range(0, syllables).Select(_ => draw.One(Onsets) + draw.One(Vowels) + draw.One(Codas)));
            name = char.ToUpperInvariant(name[0]) + name[1..];
            if (taken.Add(name))
            {
                names.Add(name);
            }
        }
        return names;
    }
}
