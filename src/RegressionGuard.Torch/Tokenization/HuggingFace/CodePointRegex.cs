using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace RegressionGuard.Torch.Tokenization;

/// <summary>
/// A .NET regular expression that sees text the way Oniguruma (used by HF <c>tokenizers</c>) does: one code point per
/// character. .NET matches UTF-16 units, so a letter outside the Basic Multilingual Plane (𝐁, 𠀀) would be two
/// surrogates that <c>\p{L}</c> does not match. When the text has surrogates, the regex runs on a stand-in string with
/// one BMP character of the same Unicode category per code point, and match positions are mapped back.
/// Possessive quantifiers (<c>a++</c>, <c>a*+</c>, <c>a?+</c>, <c>a{n}+</c>) become .NET atomic groups.
/// </summary>
internal sealed class CodePointRegex
{
    readonly Regex _regex;

    CodePointRegex(Regex regex, string pattern)
    {
        _regex = regex;
        Pattern = pattern;
    }

    public string Pattern { get; }

    /// <summary>Compiles an Oniguruma-style pattern; null with the reason when .NET cannot.</summary>
    public static CodePointRegex? TryCreate(string pattern, out string? error)
    {
        try
        {
            error = null;
            return new CodePointRegex(new Regex(RewritePossessive(pattern), RegexOptions.CultureInvariant | RegexOptions.Compiled, TimeSpan.FromSeconds(10)), pattern);
        }
        catch (ArgumentException e)
        {
            error = e.Message;
            return null;
        }
    }

    /// <summary>A pattern matching <paramref name="literal"/> exactly.</summary>
    public static CodePointRegex Literal(string literal) =>
        new(new Regex(Regex.Escape(literal), RegexOptions.CultureInvariant), Regex.Escape(literal));

    /// <summary>The (start, length) of each successive non-overlapping match, in UTF-16 units of <paramref name="text"/>.</summary>
    /// <exception cref="TokenizerFormatException">The pattern backtracks for longer than the match timeout on this text.</exception>
    public List<(int Start, int Length)> Matches(string text)
    {
        try
        {
            return MatchesUnguarded(text);
        }
        catch (RegexMatchTimeoutException e)
        {
            throw new TokenizerFormatException(
                $"the tokenizer pattern '{Pattern}' took longer than {e.MatchTimeout.TotalSeconds:0} s on a text of {text.Length} characters (catastrophic backtracking); supported: patterns that match in linear time, as published tokenizers use", e);
        }
    }

    List<(int Start, int Length)> MatchesUnguarded(string text)
    {
        var result = new List<(int, int)>();
        if (!HasSurrogate(text))
        {
            foreach (var m in _regex.EnumerateMatches(text))
            {
                result.Add((m.Index, m.Length));
            }

            return result;
        }

        var (proxy, offsets) = StandIn(text);
        foreach (var m in _regex.EnumerateMatches(proxy))
        {
            var start = offsets[m.Index];
            result.Add((start, offsets[m.Index + m.Length] - start));
        }
        return result;
    }

    /// <summary>Replaces every match with <paramref name="replacement"/> (taken literally).</summary>
    public string Replace(string text, string replacement)
    {
        var matches = Matches(text);
        if (matches.Count == 0)
        {
            return text;
        }

        var builder = new StringBuilder(text.Length);
        var position = 0;
        foreach (var (start, length) in matches)
        {
            builder.Append(text, position, start - position).Append(replacement);
            position = start + length;
        }
        return builder.Append(text, position, text.Length - position).ToString();
    }

    static bool HasSurrogate(string text) => text.AsSpan().ContainsAnyInRange('\uD800', '\uDFFF');

    /// <summary>One BMP character per code point, of the same category; offsets[i] is where stand-in char i starts in the text (plus the end).</summary>
    static (string Proxy, int[] Offsets) StandIn(string text)
    {
        var proxy = new StringBuilder(text.Length);
        var offsets = new List<int>(text.Length + 1);
        for (var i = 0; i < text.Length;)
        {
            offsets.Add(i);
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                proxy.Append(Representative(CharUnicodeInfo.GetUnicodeCategory(char.ConvertToUtf32(text[i], text[i + 1]))));
                i += 2;
            }
            else
            {
                proxy.Append(char.IsSurrogate(text[i]) ? '\uFFFD' : text[i]);
                i++;
            }
        }
        offsets.Add(text.Length);
        return (proxy.ToString(), offsets.ToArray());
    }

    /// <summary>A BMP character of the given category that no tokenizer pattern names literally.</summary>
    static char Representative(UnicodeCategory category) => category switch
    {
        UnicodeCategory.UppercaseLetter => '\u01CD',
        UnicodeCategory.LowercaseLetter => '\u01CE',
        UnicodeCategory.TitlecaseLetter => '\u01C5',
        UnicodeCategory.ModifierLetter => '\u02B0',
        UnicodeCategory.OtherLetter => '\u01BB',
        UnicodeCategory.NonSpacingMark => '\u0300',
        UnicodeCategory.SpacingCombiningMark => '\u0903',
        UnicodeCategory.EnclosingMark => '\u20DD',
        UnicodeCategory.DecimalDigitNumber => '\u0660',
        UnicodeCategory.LetterNumber => '\u2160',
        UnicodeCategory.OtherNumber => '\u00B2',
        UnicodeCategory.MathSymbol => '\u00B1',
        UnicodeCategory.CurrencySymbol => '\u00A2',
        UnicodeCategory.ModifierSymbol => '\u02DA',
        UnicodeCategory.OtherSymbol => '\u00A9',
        UnicodeCategory.ConnectorPunctuation => '\u203F',
        UnicodeCategory.DashPunctuation => '\u2010',
        UnicodeCategory.OpenPunctuation => '\u2045',
        UnicodeCategory.ClosePunctuation => '\u2046',
        UnicodeCategory.InitialQuotePunctuation => '\u00AB',
        UnicodeCategory.FinalQuotePunctuation => '\u00BB',
        UnicodeCategory.OtherPunctuation => '\u00A1',
        UnicodeCategory.Format => '\u200E',
        UnicodeCategory.PrivateUse => '\uE000',
        _ => '\u0378',
    };

    /// <summary>Rewrites possessive quantifiers (Oniguruma, PCRE) as atomic groups around the quantified atom.</summary>
    internal static string RewritePossessive(string pattern)
    {
        if (!pattern.Contains("++", StringComparison.Ordinal) && !pattern.Contains("*+", StringComparison.Ordinal)
            && !pattern.Contains("?+", StringComparison.Ordinal) && !pattern.Contains("}+", StringComparison.Ordinal))
        {
            return pattern;
        }

        var output = new StringBuilder(pattern.Length + 16);
        var groupStarts = new Stack<int>();
        var lastAtom = -1;
        var inClass = false;
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            if (c == '\\' && i + 1 < pattern.Length)
            {
                var start = output.Length;
                output.Append(c).Append(pattern[i + 1]);
                i++;
                if (!inClass && (pattern[i] is 'p' or 'P' or 'x') && i + 1 < pattern.Length && pattern[i + 1] == '{')
                {
                    var close = pattern.IndexOf('}', i + 1);
                    if (close > 0)
                    {
                        output.Append(pattern, i + 1, close - i);
                        i = close;
                    }
                }
                if (!inClass)
                {
                    lastAtom = start;
                }

                continue;
            }
            if (inClass)
            {
                output.Append(c);
                if (c == ']')
                {
                    inClass = false;
                }

                continue;
            }
            switch (c)
            {
                case '[':
                    lastAtom = output.Length;
                    output.Append(c);
                    inClass = true;
                    if (i + 1 < pattern.Length && pattern[i + 1] == '^')
                    {
                        output.Append('^');
                        i++;
                    }

                    if (i + 1 < pattern.Length && pattern[i + 1] == ']')
                    {
                        output.Append(']');
                        i++;
                    }

                    break;
                case '(':
                    groupStarts.Push(output.Length);
                    output.Append(c);
                    break;
                case ')':
                    output.Append(c);
                    lastAtom = groupStarts.Count > 0 ? groupStarts.Pop() : -1;
                    break;
                case '{' when Regex.IsMatch(pattern.AsSpan(i), @"^\{\d+(,\d*)?\}"):
                    var end = pattern.IndexOf('}', i);
                    output.Append(pattern, i, end - i + 1);
                    i = end;
                    AtomicIfPossessive(pattern, ref i, output, lastAtom);
                    break;
                case '*' or '+' or '?' when !(c == '?' && output.Length > 0 && output[^1] == '('):
                    output.Append(c);
                    AtomicIfPossessive(pattern, ref i, output, lastAtom);
                    break;
                default:
                    lastAtom = output.Length;
                    output.Append(c);
                    break;
            }
        }
        return output.ToString();
    }

    static void AtomicIfPossessive(string pattern, ref int i, StringBuilder output, int lastAtom)
    {
        if (i + 1 < pattern.Length && pattern[i + 1] == '+' && lastAtom >= 0)
        {
            output.Insert(lastAtom, "(?>").Append(')');
            i++;
        }
    }
}
