namespace RegressionGuard.Torch.Tokenization;

/// <summary>An entry of tokenizer.json's <c>added_tokens</c>.</summary>
internal sealed record AddedToken(int Id, string Content, bool Special, bool LStrip, bool RStrip, bool SingleWord, bool Normalized);

/// <summary>
/// Finds added tokens in text as HF <c>AddedVocabulary</c> does: leftmost-longest matches; a <c>single_word</c> token
/// only when no word character touches it (else the match is skipped); <c>lstrip</c>/<c>rstrip</c> swallow the
/// whitespace beside it.
/// </summary>
internal sealed class AddedTokenMatcher
{
    readonly Dictionary<char, AddedToken[]> _byFirstChar;
    readonly bool[] _isFirstChar = new bool[char.MaxValue + 1];

    public AddedTokenMatcher(IEnumerable<AddedToken> tokens, Func<string, string> pattern)
    {
        _byFirstChar = tokens
            .Select(t => (Token: t, Pattern: pattern(t.Content)))
            .Where(t => t.Pattern.Length > 0)
            .GroupBy(t => t.Pattern[0])
            .ToDictionary(g => g.Key, g => g.OrderByDescending(t => t.Pattern.Length).Select(t => t.Token with { Content = t.Pattern }).ToArray());
        foreach (var c in _byFirstChar.Keys)
        {
            _isFirstChar[c] = true;
        }
    }

    public bool IsEmpty => _byFirstChar.Count == 0;

    /// <summary>Splits <paramref name="text"/> into (start, end, token or null for plain text) in order; plain parts may be empty-free.</summary>
    public void Split(string text, List<(int Start, int End, AddedToken? Token)> output)
    {
        var segmentStart = 0;
        var i = 0;
        while (i < text.Length)
        {
            if (!_isFirstChar[text[i]] || Longest(text, i) is not { } token)
            {
                i++;
                continue;
            }

            var start = i;
            var end = i + token.Content.Length;
            if (token.SingleWord && ((start > 0 && IsWordChar(text, start - 1)) || (end < text.Length && IsWordChar(text, end))))
            {
                i = end;
                continue;
            }
            if (token.LStrip)
            {
                while (start > segmentStart && Normalizer.IsWhiteSpace(text[start - 1]))
                {
                    start--;
                }
            }

            if (token.RStrip)
            {
                while (end < text.Length && Normalizer.IsWhiteSpace(text[end]))
                {
                    end++;
                }
            }

            if (start > segmentStart)
            {
                output.Add((segmentStart, start, null));
            }

            output.Add((start, end, token));
            i = segmentStart = end;
        }
        if (segmentStart < text.Length)
        {
            output.Add((segmentStart, text.Length, null));
        }
    }

    AddedToken? Longest(string text, int at)
    {
        foreach (var token in _byFirstChar[text[at]])
        {
            if (token.Content.Length <= text.Length - at && string.CompareOrdinal(text, at, token.Content, 0, token.Content.Length) == 0)
            {
                return token;
            }
        }
        return null;
    }

    /// <summary>Rust's <c>is_alphanumeric() || '_'</c> for the code point ending (before) or starting (after) at a position.</summary>
    static bool IsWordChar(string text, int index)
    {
        var c = text[index];
        int codePoint = c;
        if (char.IsLowSurrogate(c) && index > 0 && char.IsHighSurrogate(text[index - 1]))
        {
            codePoint = char.ConvertToUtf32(text[index - 1], c);
        }
        else if (char.IsHighSurrogate(c) && index + 1 < text.Length && char.IsLowSurrogate(text[index + 1]))
        {
            codePoint = char.ConvertToUtf32(c, text[index + 1]);
        }
        else if (char.IsSurrogate(c))
        {
            return false;
        }

        return codePoint == '_' || System.Text.Rune.IsLetter(new System.Text.Rune(codePoint)) || RustChar.IsNumeric(codePoint);
    }
}
