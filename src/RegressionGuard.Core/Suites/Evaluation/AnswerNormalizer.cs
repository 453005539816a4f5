using System.Text.RegularExpressions;

namespace RegressionGuard.Suites.Evaluation;

/// <summary>Normalisation steps for extracted answers and targets (applied in the order listed in the suite).</summary>
public static partial class AnswerNormalizer
{
    public static string Apply(string text, IReadOnlyList<string> steps)
    {
        foreach (var step in steps)
        {
            text = step switch
            {
                "trim" => text.Trim(),
                "lowercase" => text.ToLowerInvariant(),
                // "1,234" → "1234", "$5" → "5", "7." → "7": number formatting that must not decide a match
                "strip_number_formatting" => TrailingDot().Replace(text.Replace(",", "", StringComparison.Ordinal).Replace("$", "", StringComparison.Ordinal), "$1"),
                "strip_punctuation" => Punctuation().Replace(text, ""),
                _ => throw new ArgumentException($"unknown normalize step '{step}'"),
            };
        }
        return text;
    }

    [GeneratedRegex(@"(\d)\.$")]
    private static partial Regex TrailingDot();

    [GeneratedRegex(@"[\p{P}]")]
    private static partial Regex Punctuation();
}
