using System.Text;
using System.Text.RegularExpressions;

namespace RegressionGuard.Suites.Loading;

/// <summary>
/// Writes text that came from a data file (field names, values, file names) into YAML and messages safely: a value is
/// a plain scalar only when it is a simple name, else a double-quoted scalar with every quote, backslash, line break
/// and control character escaped; text shown in comments and messages has its line breaks and control characters
/// escaped, so it can never end a comment line or start a key.
/// </summary>
public static partial class YamlText
{
    static readonly HashSet<string> Reserved = new(StringComparer.OrdinalIgnoreCase)
    {
        "true", "false", "yes", "no", "on", "off", "y", "n", "null", "~",
    };

    /// <summary>Liquid words that are not variables.</summary>
    static readonly HashSet<string> LiquidWords = new(StringComparer.Ordinal)
    {
        "and", "or", "contains", "empty", "blank", "nil", "null", "true", "false", "forloop", "tablerowloop",
    };

    /// <summary>A scalar value: plain when it is a simple name (<c>answerKey</c>, <c>question.stem</c>), else double-quoted.</summary>
    public static string Scalar(string value) =>
        SimpleName().IsMatch(value) && !Reserved.Contains(value) ? value : Quote(value);

    /// <summary>A flow sequence of scalars: <c>[A, B, "x y"]</c>.</summary>
    public static string List(IEnumerable<string> values) => $"[{string.Join(", ", values.Select(Scalar))}]";

    /// <summary>A double-quoted scalar that reads back as exactly <paramref name="value"/> (lone surrogates, which
    /// UTF-8 cannot hold, become U+FFFD).</summary>
    public static string Quote(string value)
    {
        var text = new StringBuilder(value.Length + 2).Append('"');
        for (int i = 0; i < value.Length; i++)
        {
            char c = value[i];
            if (char.IsSurrogate(c))
            {
                if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
                {
                    text.Append(c).Append(value[++i]);
                }
                else
                {
                    text.Append('\uFFFD');
                }

                continue;
            }
            text.Append(c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                _ when NeedsEscape(c) => $"\\u{(int)c:X4}",
                _ => c.ToString(),
            });
        }
        return text.Append('"').ToString();
    }

    /// <summary>Text for a comment or a message, in single quotes, with line breaks and control characters escaped.</summary>
    public static string Show(string value) => $"'{Escape(value)}'";

    /// <summary><paramref name="value"/> with line breaks and control characters written as <c>\n</c>, <c>\uXXXX</c>.</summary>
    public static string Escape(string value)
    {
        if (!value.Any(c => NeedsEscape(c) || c is '\n' or '\r' or '\t' || char.IsSurrogate(c)))
        {
            return value;
        }

        var text = new StringBuilder(value.Length + 8);
        foreach (char c in value)
        {
            text.Append(c switch
            {
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                _ when NeedsEscape(c) || char.IsSurrogate(c) => $"\\u{(int)c:X4}",
                _ => c.ToString(),
            });
        }

        return text.ToString();
    }

    /// <summary>Whether <paramref name="path"/> can be written as a Liquid variable (<c>{{ question.stem }}</c>):
    /// names of letters, digits and '_' joined by dots, none a Liquid word.</summary>
    public static bool IsTemplateName(string path) =>
        TemplateName().IsMatch(path) && path.Split('.').All(part => !LiquidWords.Contains(part));

    /// <summary>A shell word: as it is when it is plain, else in single quotes.</summary>
    public static string ShellWord(string value) =>
        ShellSafe().IsMatch(value) ? value : "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    /// <summary>Line breaks (including U+0085, U+2028, U+2029), other control characters, and the byte-order mark.</summary>
    static bool NeedsEscape(char c) => char.IsControl(c) || c is '\u2028' or '\u2029' or '\uFEFF';

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_./-]*$")]
    private static partial Regex SimpleName();

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")]
    private static partial Regex TemplateName();

    [GeneratedRegex(@"^[A-Za-z0-9_./=:@%+-]+$")]
    private static partial Regex ShellSafe();
}
