using System.Globalization;
using System.Text;

namespace RegressionGuard.Torch.Tokenization;

/// <summary>A tokenizer.json <c>normalizer</c>: rewrites each piece of text between added tokens before pre-tokenization.</summary>
internal abstract class Normalizer
{
    public abstract string Normalize(string text);

    /// <summary>Rust's <c>char::is_whitespace</c> (the Unicode White_Space property).</summary>
    public static bool IsWhiteSpace(int codePoint) =>
        codePoint is >= 0x9 and <= 0xD or 0x20 or 0x85 or 0xA0 or 0x1680 or >= 0x2000 and <= 0x200A or 0x2028 or 0x2029 or 0x202F or 0x205F or 0x3000;
}

/// <summary><c>NFC</c>, <c>NFD</c>, <c>NFKC</c>, <c>NFKD</c>.</summary>
internal sealed class NormalFormNormalizer(NormalizationForm form) : Normalizer
{
    public override string Normalize(string text)
    {
        try
        {
            return text.IsNormalized(form) ? text : text.Normalize(form);
        }
        catch (ArgumentException)
        {
            // A lone surrogate cannot be normalized; as UTF-8 it is U+FFFD, which is what HF sees.
            return ReplaceLoneSurrogates(text).Normalize(form);
        }
    }

    static string ReplaceLoneSurrogates(string text)
    {
        var builder = new StringBuilder(text.Length);
        foreach (var rune in text.EnumerateRunes())
        {
            builder.Append(rune.ToString());
        }
        return builder.ToString();
    }
}

/// <summary><c>Lowercase</c>: Unicode lowercase mapping per code point, as Rust's <c>char::to_lowercase</c> (İ becomes "i̇").</summary>
internal sealed class LowercaseNormalizer : Normalizer
{
    public override string Normalize(string text)
    {
        var builder = new StringBuilder(text.Length);
        foreach (var rune in text.EnumerateRunes())
        {
            if (rune.Value == 0x130)
            {
                builder.Append("i\u0307");
            }
            else
            {
                builder.Append(Rune.ToLowerInvariant(rune).ToString());
            }
        }
        return builder.ToString();
    }
}

/// <summary><c>Strip</c>: removes whitespace at the start and/or end.</summary>
internal sealed class StripNormalizer(bool left, bool right) : Normalizer
{
    public override string Normalize(string text)
    {
        var start = 0;
        var end = text.Length;
        if (left)
        {
            while (start < end && IsWhiteSpace(text[start]))
            {
                start++;
            }
        }

        if (right)
        {
            while (end > start && IsWhiteSpace(text[end - 1]))
            {
                end--;
            }
        }

        return text[start..end];
    }
}

/// <summary><c>Prepend</c>: puts a prefix before any non-empty text.</summary>
internal sealed class PrependNormalizer(string prefix) : Normalizer
{
    public override string Normalize(string text) => text.Length == 0 ? text : prefix + text;
}

/// <summary><c>Replace</c>: every match of a literal string or a regex becomes <c>content</c>.</summary>
internal sealed class ReplaceNormalizer(string? literal, CodePointRegex? regex, string content) : Normalizer
{
    public override string Normalize(string text) =>
        literal is not null
            ? literal.Length == 0 ? text : text.Replace(literal, content, StringComparison.Ordinal)
            : regex!.Replace(text, content);
}

/// <summary><c>Sequence</c>: each normalizer in turn.</summary>
internal sealed class SequenceNormalizer(IReadOnlyList<Normalizer> normalizers) : Normalizer
{
    public override string Normalize(string text)
    {
        foreach (var normalizer in normalizers)
        {
            text = normalizer.Normalize(text);
        }

        return text;
    }
}

/// <summary>Unicode classes of Rust's <c>char</c> used by the pre-tokenizers.</summary>
internal static class RustChar
{
    public static bool IsNumeric(int codePoint) =>
        CharUnicodeInfo.GetUnicodeCategory(codePoint) is UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber;

    public static bool IsPunctuation(int codePoint) =>
        codePoint < 0x80 && char.IsAsciiLetterOrDigit((char)codePoint) is false && codePoint is > 0x20 and < 0x7F
        || CharUnicodeInfo.GetUnicodeCategory(codePoint) is UnicodeCategory.ConnectorPunctuation or UnicodeCategory.DashPunctuation
            or UnicodeCategory.OpenPunctuation or UnicodeCategory.ClosePunctuation or UnicodeCategory.InitialQuotePunctuation
            or UnicodeCategory.FinalQuotePunctuation or UnicodeCategory.OtherPunctuation;
}
