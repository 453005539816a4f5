using System.Globalization;

namespace RegressionGuard.Suites.Data;

/// <summary>Turns a row's answer into the 0-based index of the correct choice.</summary>
public static class AnswerResolver
{
    /// <summary>
    /// The 0-based index of the choice <paramref name="answer"/> names, among <paramref name="choiceCount"/> choices.
    /// <list type="bullet">
    /// <item>A number (JSON integer, or a double with an integral value) is a 0-based index, with or without labels.</item>
    /// <item>With <paramref name="labels"/> (one per choice, e.g. ARC's <c>question.choices[*].label</c>, which mixes
    /// A–E and 1–5), a string must be one of the labels: exactly, or ignoring case when that finds a single label.</item>
    /// <item>Without labels, a string is a letter A–Z (ignoring case; A is 0) or a digit string (a 0-based index:
    /// give labels such as ["1", "2"] for 1-based answers).</item>
    /// </list>
    /// Strings are trimmed first. Anything else is a <see cref="SuiteDataException"/> that names
    /// <paramref name="where"/>, the value and what would be valid.
    /// </summary>
    public static int ResolveIndex(object? answer, IReadOnlyList<string>? labels, int choiceCount, string where)
    {
        if (choiceCount < 1)
        {
            throw new SuiteDataException($"{where}: there are no choices to pick an answer from");
        }

        if (labels is not null && labels.Count != choiceCount)
        {
            throw new SuiteDataException($"{where}: {labels.Count} labels ({string.Join(", ", labels)}) for {choiceCount} choices; each choice needs one label");
        }

        string valid = labels is not null
            ? $"one of the labels {string.Join(", ", labels)}"
            : $"a letter {Letter(0)}{(choiceCount > 1 ? $" to {Letter(Math.Min(choiceCount, 26) - 1)}" : "")} or a 0-based index 0{(choiceCount > 1 ? $" to {choiceCount - 1}" : "")}";

        switch (answer)
        {
            case null:
                throw new SuiteDataException($"{where}: the answer is missing (null); expected {valid}");
            case long or int or short or byte or sbyte or ushort or uint:
                return Index(Convert.ToInt64(answer, CultureInfo.InvariantCulture));
            case double d when double.IsFinite(d) && Math.Floor(d) == d && Math.Abs(d) < 1e15:
                return Index((long)d);
            case string text:
                {
                    var value = text.Trim();
                    if (labels is not null)
                    {
                        for (int i = 0; i < labels.Count; i++)
                        {
                            if (string.Equals(labels[i], value, StringComparison.Ordinal))
                            {
                                return i;
                            }
                        }

                        var loose = Enumerable.Range(0, labels.Count).Where(i => string.Equals(labels[i].Trim(), value, StringComparison.OrdinalIgnoreCase)).ToList();
                        if (loose.Count == 1)
                        {
                            return loose[0];
                        }

                        throw new SuiteDataException($"{where}: answer '{text}' is not {valid}");
                    }
                    if (value.Length == 1 && char.IsAsciiLetter(value[0]))
                    {
                        int letter = char.ToUpperInvariant(value[0]) - 'A';
                        if (letter < choiceCount)
                        {
                            return letter;
                        }

                        throw new SuiteDataException($"{where}: answer '{text}' is not a choice among {choiceCount}; expected {valid}");
                    }
                    if (value.Length > 0 && value.All(char.IsAsciiDigit))
                    {
                        if (long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var digits) && digits < choiceCount)
                        {
                            return (int)digits;
                        }

                        throw new SuiteDataException($"{where}: answer '{text}' is out of range for {choiceCount} choices; expected {valid}");
                    }
                    throw new SuiteDataException($"{where}: answer '{text}' is not {valid}");
                }
            default:
                throw new SuiteDataException($"{where}: answer {FieldPath.AsText(answer)} is not {valid}");
        }

        int Index(long index)
        {
            if (index >= 0 && index < choiceCount)
            {
                return (int)index;
            }

            throw new SuiteDataException($"{where}: answer {index} is out of range for {choiceCount} choices; a number is a 0-based index 0{(choiceCount > 1 ? $" to {choiceCount - 1}" : "")}");
        }
    }

    static char Letter(int index) => (char)('A' + index);
}
