using System.Text.Json;
using System.Text.RegularExpressions;

namespace RegressionGuard.Torch.Tokenization;

/// <summary>Settings of <see cref="BpeTrainer"/>.</summary>
/// <param name="VocabSize">Total ids: the 256 byte symbols, the learned merges and the end-of-text token.</param>
/// <param name="SplitDigits">Never merge digits, so every number is one token per digit (helps arithmetic).</param>
public sealed record BpeTrainerOptions(int VocabSize, bool SplitDigits = true)
{
    public const string EndOfText = "<|endoftext|>";

    public IReadOnlyList<string> Validate() =>
        VocabSize < 257 ? new[] { $"vocab size must be at least 257 (256 byte symbols + {EndOfText}), got {VocabSize}" } : Array.Empty<string>();
}

/// <summary>
/// Trains a GPT-2-style byte-level BPE tokenizer and writes it as a Hugging Face <c>tokenizer.json</c> that
/// <see cref="HfTokenizerJson"/> (and the <c>tokenizers</c> library) read: GPT-2 pre-tokenisation, the 256 byte
/// symbols, merges learned greedily by pair frequency (ties broken by ordinal order, so training is deterministic),
/// and <c>&lt;|endoftext|&gt;</c> as the last id, used as BOS and EOS.
/// </summary>
public static class BpeTrainer
{
    public static string Train(IEnumerable<string> documents, BpeTrainerOptions options, string path)
    {
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join("; ", errors), nameof(options));
        }

        var pretokenizer = new Regex(ByteLevelPreTokenizer.Gpt2Pattern, RegexOptions.CultureInvariant | RegexOptions.Compiled);
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var document in documents)
        {
            foreach (Match match in pretokenizer.Matches(document))
            {
                var word = ByteLevelAlphabet.Encode(match.Value);
                counts[word] = counts.GetValueOrDefault(word) + 1;
            }
        }

        var words = counts.OrderBy(w => w.Key, StringComparer.Ordinal)
            .Select(w => (Symbols: w.Key.Select(c => c.ToString()).ToList(), Count: w.Value))
            .ToList();
        var vocab = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int b = 0; b < 256; b++)
        {
            vocab[ByteLevelAlphabet.ByteToChar((byte)b).ToString()] = b;
        }

        var merges = new List<string>();
        int mergeCount = options.VocabSize - 257;
        while (merges.Count < mergeCount)
        {
            var pairs = new Dictionary<(string, string), long>();
            foreach (var (symbols, count) in words)
            {
                for (int i = 0; i + 1 < symbols.Count; i++)
                {
                    if (options.SplitDigits && (HasDigit(symbols[i]) || HasDigit(symbols[i + 1])))
                    {
                        continue;
                    }

                    var pair = (symbols[i], symbols[i + 1]);
                    pairs[pair] = pairs.GetValueOrDefault(pair) + count;
                }
            }

            if (pairs.Count == 0)
            {
                break;
            }

            var best = pairs.OrderByDescending(p => p.Value)
                .ThenBy(p => p.Key.Item1, StringComparer.Ordinal).ThenBy(p => p.Key.Item2, StringComparer.Ordinal)
                .First().Key;
            var merged = best.Item1 + best.Item2;
            merges.Add($"{best.Item1} {best.Item2}");
            vocab[merged] = vocab.Count;
            foreach (var (symbols, _) in words)
            {
                for (int i = 0; i + 1 < symbols.Count; i++)
                {
                    if (symbols[i] == best.Item1 && symbols[i + 1] == best.Item2)
                    {
                        symbols[i] = merged;
                        symbols.RemoveAt(i + 1);
                    }
                }
            }
        }
        int endOfText = vocab.Count;
        var json = new
        {
            version = "1.0",
            added_tokens = new[] { new { id = endOfText, content = BpeTrainerOptions.EndOfText, single_word = false, lstrip = false, rstrip = false, normalized = false, special = true } },
            normalizer = (object?)null,
            pre_tokenizer = new { type = "ByteLevel", add_prefix_space = false, trim_offsets = true, use_regex = true },
            // <|endoftext|> before every text, as the organism is trained (transformers and HF tokenizers add it too).
            post_processor = new
            {
                type = "TemplateProcessing",
                single = new object[] { new { SpecialToken = new { id = BpeTrainerOptions.EndOfText, type_id = 0 } }, new { Sequence = new { id = "A", type_id = 0 } } },
                pair = new object[]
                {
                    new { SpecialToken = new { id = BpeTrainerOptions.EndOfText, type_id = 0 } }, new { Sequence = new { id = "A", type_id = 0 } },
                    new { SpecialToken = new { id = BpeTrainerOptions.EndOfText, type_id = 1 } }, new { Sequence = new { id = "B", type_id = 1 } },
                },
                special_tokens = new Dictionary<string, object>
                {
                    [BpeTrainerOptions.EndOfText] = new { id = BpeTrainerOptions.EndOfText, ids = new[] { endOfText }, tokens = new[] { BpeTrainerOptions.EndOfText } },
                },
            },
            decoder = new { type = "ByteLevel", add_prefix_space = false, trim_offsets = true, use_regex = true },
            model = new { type = "BPE", dropout = (object?)null, unk_token = (object?)null, continuing_subword_prefix = (object?)null, end_of_word_suffix = (object?)null, fuse_unk = false, vocab, merges },
        };
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        File.WriteAllText(path, JsonSerializer.Serialize(json, new JsonSerializerOptions { WriteIndented = false }) + "\n");
        return path;
    }

    static bool HasDigit(string symbol) => symbol.Any(char.IsAsciiDigit);
}
