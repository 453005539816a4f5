using System.Text;

namespace RegressionGuard.Torch.Tokenization;

/// <summary>A piece of normalized text on its way to the model; <see cref="AtStart"/> when it begins at offset 0 of the input.</summary>
internal readonly record struct Piece(string Text, bool AtStart);

/// <summary>How a split keeps its delimiters (HF <c>SplitDelimiterBehavior</c>).</summary>
internal enum SplitBehavior
{
    Removed,
    Isolated,
    MergedWithPrevious,
    MergedWithNext,
    Contiguous,
}

/// <summary>A tokenizer.json <c>pre_tokenizer</c>: splits each piece into smaller ones (and may rewrite them).</summary>
internal abstract class PreTokenizer
{
    /// <summary>Appends the pieces <paramref name="piece"/> splits into; empty pieces are dropped.</summary>
    public abstract void Split(Piece piece, List<Piece> output);

    /// <summary>
    /// HF <c>NormalizedString::split</c>: <paramref name="spans"/> (start, end, is-a-match) cover the text in order;
    /// pieces are formed according to <paramref name="behavior"/>, and empty ones dropped.
    /// </summary>
    protected static void SplitBy(Piece piece, List<(int Start, int End, bool Match)> spans, SplitBehavior behavior, List<Piece> output)
    {
        var text = piece.Text;
        if (behavior == SplitBehavior.Isolated)
        {
            foreach (var (start, end, _) in spans)
            {
                if (end > start)
                {
                    output.Add(new Piece(start == 0 && end == text.Length ? text : text[start..end], piece.AtStart && start == 0));
                }
            }
            return;
        }

        var pieces = new List<(int Start, int End, bool Remove)>(spans.Count);
        switch (behavior)
        {
            case SplitBehavior.Removed:
                foreach (var (start, end, match) in spans)
                {
                    pieces.Add((start, end, match));
                }

                break;
            case SplitBehavior.Isolated:
                foreach (var (start, end, _) in spans)
                {
                    pieces.Add((start, end, false));
                }

                break;
            case SplitBehavior.Contiguous:
                {
                    var previous = false;
                    foreach (var (start, end, match) in spans)
                    {
                        if (match == previous && pieces.Count > 0)
                        {
                            pieces[^1] = (pieces[^1].Start, end, false);
                        }
                        else
                        {
                            pieces.Add((start, end, false));
                        }

                        previous = match;
                    }
                    break;
                }
            case SplitBehavior.MergedWithPrevious:
                {
                    var previous = false;
                    foreach (var (start, end, match) in spans)
                    {
                        if (match && !previous && pieces.Count > 0)
                        {
                            pieces[^1] = (pieces[^1].Start, end, false);
                        }
                        else
                        {
                            pieces.Add((start, end, false));
                        }

                        previous = match;
                    }
                    break;
                }
            case SplitBehavior.MergedWithNext:
                {
                    var previous = false;
                    for (var k = spans.Count - 1; k >= 0; k--)
                    {
                        var (start, end, match) = spans[k];
                        if (match && !previous && pieces.Count > 0)
                        {
                            pieces[^1] = (start, pieces[^1].End, false);
                        }
                        else
                        {
                            pieces.Add((start, end, false));
                        }

                        previous = match;
                    }
                    pieces.Reverse();
                    break;
                }
        }

        foreach (var (start, end, remove) in pieces)
        {
            if (!remove && end > start)
            {
                output.Add(new Piece(start == 0 && end == text.Length ? text : text[start..end], piece.AtStart && start == 0));
            }
        }
    }

    /// <summary>Spans of a per-code-point predicate: each matching code point is its own match (HF's <c>Fn(char) -> bool</c> pattern).</summary>
    protected static List<(int Start, int End, bool Match)> CharSpans(string text, Func<int, bool> predicate)
    {
        var spans = new List<(int, int, bool)>();
        var previous = 0;
        for (var i = 0; i < text.Length;)
        {
            var rune = Rune.GetRuneAt(text, i);
            var width = rune.Utf16SequenceLength;
            if (predicate(rune.Value))
            {
                if (previous < i)
                {
                    spans.Add((previous, i, false));
                }

                spans.Add((i, i + width, true));
                previous = i + width;
            }
            i += width;
        }
        if (previous < text.Length)
        {
            spans.Add((previous, text.Length, false));
        }

        return spans;
    }

    /// <summary>Spans of a regex: matches and the text between them (HF <c>Pattern::find_matches</c>), optionally inverted.</summary>
    protected static List<(int Start, int End, bool Match)> RegexSpans(string text, CodePointRegex regex, bool invert)
    {
        var spans = new List<(int, int, bool)>();
        if (text.Length == 0)
        {
            spans.Add((0, 0, invert));
            return spans;
        }

        var previous = 0;
        foreach (var (start, length) in regex.Matches(text))
        {
            if (previous != start)
            {
                spans.Add((previous, start, invert));
            }

            spans.Add((start, start + length, !invert));
            previous = start + length;
        }
        if (previous != text.Length)
        {
            spans.Add((previous, text.Length, invert));
        }

        return spans;
    }
}

/// <summary><c>Split</c> with a regex or a literal string, a behaviour and <c>invert</c>.</summary>
internal sealed class SplitPreTokenizer(CodePointRegex regex, SplitBehavior behavior, bool invert) : PreTokenizer
{
    public override void Split(Piece piece, List<Piece> output) => SplitBy(piece, RegexSpans(piece.Text, regex, invert), behavior, output);
}

/// <summary>
/// <c>ByteLevel</c>: optionally a space before a piece that does not start with one, optionally the GPT-2 split, then
/// each piece written in the byte-level alphabet (one character per UTF-8 byte).
/// </summary>
internal sealed class ByteLevelPreTokenizer(bool addPrefixSpace, CodePointRegex? gpt2) : PreTokenizer
{
    /// <summary>The GPT-2 pre-tokenization pattern that <c>ByteLevel</c> applies when <c>use_regex</c> is true.</summary>
    public const string Gpt2Pattern = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

    public override void Split(Piece piece, List<Piece> output)
    {
        if (addPrefixSpace && !piece.Text.StartsWith(' '))
        {
            piece = piece with { Text = " " + piece.Text };
        }

        if (gpt2 is null)
        {
            if (piece.Text.Length > 0)
            {
                output.Add(piece with { Text = ByteLevelAlphabet.Encode(piece.Text) });
            }

            return;
        }
        var first = output.Count;
        SplitBy(piece, RegexSpans(piece.Text, gpt2, invert: false), SplitBehavior.Isolated, output);
        for (var k = first; k < output.Count; k++)
        {
            output[k] = output[k] with { Text = ByteLevelAlphabet.Encode(output[k].Text) };
        }
    }
}

/// <summary><c>Metaspace</c>: spaces become the replacement character (▁), a prefix per <c>prepend_scheme</c>, then optionally split before each ▁.</summary>
internal sealed class MetaspacePreTokenizer(char replacement, MetaspacePrepend prepend, bool split) : PreTokenizer
{
    public override void Split(Piece piece, List<Piece> output)
    {
        var text = piece.Text.Replace(' ', replacement);
        var prefix = prepend switch
        {
            MetaspacePrepend.Always => true,
            MetaspacePrepend.First => piece.AtStart,
            _ => false,
        };
        if (prefix && text.Length > 0 && text[0] != replacement)
        {
            text = replacement + text;
        }

        var rewritten = piece with { Text = text };
        if (!split)
        {
            if (text.Length > 0)
            {
                output.Add(rewritten);
            }

            return;
        }
        SplitBy(rewritten, CharSpans(text, c => c == replacement), SplitBehavior.MergedWithNext, output);
    }
}

internal enum MetaspacePrepend
{
    Always,
    First,
    Never,
}

/// <summary><c>Digits</c>: numbers split off, each digit alone when <c>individual_digits</c>.</summary>
internal sealed class DigitsPreTokenizer(bool individual) : PreTokenizer
{
    public override void Split(Piece piece, List<Piece> output) =>
        SplitBy(piece, CharSpans(piece.Text, RustChar.IsNumeric), individual ? SplitBehavior.Isolated : SplitBehavior.Contiguous, output);
}

/// <summary><c>Punctuation</c>: each punctuation character split off with the given behaviour.</summary>
internal sealed class PunctuationPreTokenizer(SplitBehavior behavior) : PreTokenizer
{
    public override void Split(Piece piece, List<Piece> output) => SplitBy(piece, CharSpans(piece.Text, RustChar.IsPunctuation), behavior, output);
}

/// <summary><c>Whitespace</c>: runs of word characters and runs of other non-space characters (<c>\w+|[^\w\s]+</c>).</summary>
internal sealed class WhitespacePreTokenizer : PreTokenizer
{
    static readonly CodePointRegex Words = CodePointRegex.TryCreate(@"\w+|[^\w\s]+", out _)!;

    public override void Split(Piece piece, List<Piece> output) => SplitBy(piece, RegexSpans(piece.Text, Words, invert: true), SplitBehavior.Removed, output);
}

/// <summary><c>WhitespaceSplit</c>: split on whitespace, which is removed.</summary>
internal sealed class WhitespaceSplitPreTokenizer : PreTokenizer
{
    public override void Split(Piece piece, List<Piece> output) =>
        SplitBy(piece, CharSpans(piece.Text, Normalizer.IsWhiteSpace), SplitBehavior.Removed, output);
}

/// <summary><c>BertPreTokenizer</c>: whitespace split, then punctuation isolated.</summary>
internal sealed class BertPreTokenizer : PreTokenizer
{
    public override void Split(Piece piece, List<Piece> output)
    {
        var words = new List<Piece>();
        SplitBy(piece, CharSpans(piece.Text, Normalizer.IsWhiteSpace), SplitBehavior.Removed, words);
        foreach (var word in words)
        {
            SplitBy(word, CharSpans(word.Text, RustChar.IsPunctuation), SplitBehavior.Isolated, output);
        }
    }
}

/// <summary><c>Sequence</c>: each pre-tokenizer on every piece the previous one produced.</summary>
internal sealed class SequencePreTokenizer(IReadOnlyList<PreTokenizer> steps) : PreTokenizer
{
    public override void Split(Piece piece, List<Piece> output)
    {
        var pieces = new List<Piece> { piece };
        foreach (var step in steps)
        {
            var next = new List<Piece>(pieces.Count * 2);
            foreach (var p in pieces)
            {
                step.Split(p, next);
            }

            pieces = next;
        }
        output.AddRange(pieces);
    }
}
