using System.Globalization;

namespace RegressionGuard.Suites.Data;

/// <summary>Turns a row's answer into the 0-based index of the correct choice.</summary>
public static class AnswerResolver
{
    /// <summary>
    /// The 0-based index of the choice <paramref name="answer"/> names, among <paramref name="choiceCount"/> choices.
    /// <list type="bullet">
    /// <item>With <paramref name="labels"/> (one per choice, e.g. ARC's <c>question.choices[*].label</c>, which mixes
    /// A–E and 1–5), an answer whose text is one of the labels names that choice: exactly, or ignoring case when that
    /// finds a single label. This holds for numbers too: with labels ["1", "2"], the number 1 is the first choice.</item>
    /// <item>Otherwise an integer (a JSON integer, a double with an integral value, or a digit string) counts from
    /// <paramref name="answerBase"/>: 0 (the default) or 1.</item>
    /// <item>Without labels, a single letter A–Z (ignoring case) names a choice, A the first.</item>
    /// </list>
    /// Strings are trimmed first. Anything else is a <see cref="SuiteDataException"/> that names
    /// <paramref name="where"/>, the value and what would be valid.
    /// </summary>
    public static int ResolveIndex(object? answer, IReadOnlyList<string>? labels, int choiceCount, string where, int? answerBase = null) =>
        Resolve(answer, labels, choiceCount, where, answerBase).Index;

    /// <summary>As <see cref="ResolveIndex"/>, also saying whether the answer was an integer read as 0-based only
    /// because no <c>answer_base</c> was given (see <see cref="ResolvedAnswer"/>).</summary>
    public static ResolvedAnswer Resolve(object? answer, IReadOnlyList<string>? labels, int choiceCount, string where, int? answerBase = null)
    {
        if (choiceCount < 1)
        {
            throw new SuiteDataException($"{where}: there are no choices to pick an answer from");
        }

        if (labels is not null && labels.Count != choiceCount)
        {
            throw new SuiteDataException($"{where}: {labels.Count} labels ({string.Join(", ", labels)}) for {choiceCount} choices; each choice needs one label");
        }

        int start = answerBase ?? 0;
        string range = $"{start}{(choiceCount > 1 ? $" to {choiceCount - 1 + start}" : "")}";
        string numbers = answerBase is null ? $"a 0-based index {range}" : $"an index counted from answer_base {start}: {range}";
        string valid = labels is not null
            ? $"one of the labels {string.Join(", ", labels)}"
            : $"a letter {Letter(0)}{(choiceCount > 1 ? $" to {Letter(Math.Min(choiceCount, 26) - 1)}" : "")} or {numbers}";

        if (answer is null)
        {
            throw new SuiteDataException($"{where}: the answer is missing (null); expected {valid}");
        }

        long? integer = answer switch
        {
            long or int or short or byte or sbyte or ushort or uint => Convert.ToInt64(answer, CultureInfo.InvariantCulture),
            double d when double.IsFinite(d) && Math.Floor(d) == d && Math.Abs(d) < 1e15 => (long)d,
            string s when s.Trim() is { Length: > 0 } t && t.All(char.IsAsciiDigit) && long.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out var v) => v,
            _ => null,
        };
        string text = answer is string str ? str.Trim() : integer?.ToString(CultureInfo.InvariantCulture) ?? FieldPath.AsText(answer);
        string shown = answer is string raw ? $"'{raw}'" : FieldPath.AsText(answer);

        if (labels is not null)
        {
            for (int i = 0; i < labels.Count; i++)
            {
                if (string.Equals(labels[i], text, StringComparison.Ordinal))
                {
                    return new ResolvedAnswer(i, null);
                }
            }

            var loose = Enumerable.Range(0, labels.Count).Where(i => string.Equals(labels[i].Trim(), text, StringComparison.OrdinalIgnoreCase)).ToList();
            if (loose.Count == 1)
            {
                return new ResolvedAnswer(loose[0], null);
            }

            // A number that is no label counts as an index only when answer_base says from where.
            if (integer is long n && answerBase is not null)
            {
                return Index(n);
            }

            throw new SuiteDataException($"{where}: answer {shown} is not {valid}" +
                (integer is not null && answerBase is null ? "; to read integer answers as positions instead, set answer_base: 0 or 1" : ""));
        }

        if (integer is long index)
        {
            return Index(index);
        }

        if (answer is string && text.Length == 1 && char.IsAsciiLetter(text[0]))
        {
            int letter = char.ToUpperInvariant(text[0]) - 'A';
            if (letter < choiceCount)
            {
                return new ResolvedAnswer(letter, null);
            }

            throw new SuiteDataException($"{where}: answer {shown} is not a choice among {choiceCount}; expected {valid}");
        }
        throw new SuiteDataException($"{where}: answer {shown} is not {valid}");

        ResolvedAnswer Index(long value)
        {
            long position = value - start;
            if (position >= 0 && position < choiceCount)
            {
                return new ResolvedAnswer((int)position, answerBase is null ? value : null);
            }

            var hint = answerBase is null && value == choiceCount
                ? $"; if the answers are 1-based (1 to {choiceCount}), set answer_base: 1"
                : "";
            throw new SuiteDataException($"{where}: answer {shown} is out of range for {choiceCount} choices; an integer is {numbers}{hint}");
        }
    }

    static char Letter(int index) => (char)('A' + index);
}

/// <param name="Index">the 0-based index of the choice.</param>
/// <param name="ImplicitZeroBased">the integer answer, when it was read as 0-based only because the suite gives no
/// <c>answer_base</c> (and no label matched): the builder checks over all rows that such answers do use 0.</param>
public readonly record struct ResolvedAnswer(int Index, long? ImplicitZeroBased);
