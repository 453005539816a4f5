using System.Text;
using System.Text.RegularExpressions;

namespace RegressionGuard.Torch.Tokenization;

/// <summary>
/// The text stages of a Hugging Face tokenizer.json before the BPE model: the normalizer (Unicode normal forms only)
/// and the pre-tokenizer (regex <c>Split</c> steps with behaviour <c>Isolated</c>, ending in <c>ByteLevel</c>).
/// Each step works on every piece the previous step produced, as in HF <c>tokenizers</c>.
/// </summary>
internal sealed class HfPreTokenizer
{
    /// <summary>The GPT-2 pre-tokenization pattern that <c>ByteLevel</c> applies when <c>use_regex</c> is true.</summary>
    public const string Gpt2Pattern = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

    readonly IReadOnlyList<NormalizationForm> _normalForms;
    readonly IReadOnlyList<Step> _steps;

    public HfPreTokenizer(IReadOnlyList<NormalizationForm> normalForms, IReadOnlyList<Step> steps)
    {
        _normalForms = normalForms;
        _steps = steps;
    }

    /// <summary>Normalizes <paramref name="text"/> and splits it into the words that BPE merges within.</summary>
    public List<string> Split(string text)
    {
        foreach (var form in _normalForms)
        {
            text = text.Normalize(form);
        }

        var pieces = new List<string> { text };
        foreach (var step in _steps)
        {
            var next = new List<string>(pieces.Count * 2);
            foreach (var piece in pieces)
            {
                step.Apply(piece, next);
            }

            pieces = next;
        }
        return pieces;
    }

    /// <summary>Compiles a pre-tokenizer pattern, or throws naming the pattern and where it came from.</summary>
    public static Regex CompilePattern(string pattern, string file, string jsonPath)
    {
        try
        {
            return new Regex(pattern, RegexOptions.CultureInvariant | RegexOptions.Compiled);
        }
        catch (ArgumentException e)
        {
            throw new TokenizerFormatException(
                $"tokenizer.json '{file}': {jsonPath} is the pattern '{pattern}', which .NET regular expressions cannot compile " +
                $"({e.Message}); supported: patterns in the common Perl/Oniguruma subset, e.g. the GPT-2, Llama 3 and Qwen2 patterns " +
                "(possessive quantifiers such as '?+' or '++' are not)", e);
        }
    }

    /// <summary>One pre-tokenizer step.</summary>
    internal abstract class Step
    {
        public abstract void Apply(string piece, List<string> output);

        /// <summary>Splits on every match; matches and the text between them each become a piece (HF "Isolated").</summary>
        protected static void SplitIsolated(Regex regex, string piece, List<string> output)
        {
            var position = 0;
            for (var match = regex.Match(piece); match.Success; match = match.NextMatch())
            {
                if (match.Length == 0)
                {
                    continue;
                }

                if (match.Index > position)
                {
                    output.Add(piece[position..match.Index]);
                }

                output.Add(match.Value);
                position = match.Index + match.Length;
            }
            if (position < piece.Length)
            {
                output.Add(position == 0 ? piece : piece[position..]);
            }
        }
    }

    /// <summary>HF <c>Split</c> with behaviour <c>Isolated</c> and <c>invert: false</c>.</summary>
    internal sealed class SplitStep(Regex regex) : Step
    {
        public override void Apply(string piece, List<string> output) => SplitIsolated(regex, piece, output);
    }

    /// <summary>
    /// HF <c>ByteLevel</c>: optionally prefixes a space to each piece that does not start with one, then optionally splits
    /// with the GPT-2 pattern. The mapping of bytes to the byte-level alphabet happens in <see cref="BytePairMerger"/>.
    /// </summary>
    internal sealed class ByteLevelStep(bool addPrefixSpace, Regex? gpt2) : Step
    {
        public override void Apply(string piece, List<string> output)
        {
            if (addPrefixSpace && !piece.StartsWith(' '))
            {
                piece = " " + piece;
            }

            if (gpt2 is null)
            {
                output.Add(piece);
            }
            else
            {
                SplitIsolated(gpt2, piece, output);
            }
        }
    }
}
