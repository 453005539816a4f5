using System.Text.Json;

namespace RegressionGuard.Testing;

/// <summary>Small tokenizer files for tiny test models.</summary>
public static class TinyTokenizers
{
    /// <summary>
    /// Writes a GPT-2-style byte-level BPE <c>tokenizer.json</c> into <paramref name="directory"/>: the 256 byte symbols
    /// (ids in GPT-2's bytes_to_unicode order), the merges "Ġ t" and "h e", and <c>&lt;|endoftext|&gt;</c> as the last id.
    /// Needs a model vocabulary of at least 259 ids. Returns the file's path.
    /// </summary>
    public static string WriteByteLevel(string directory, int modelVocabSize)
    {
        var symbols = ByteSymbols();
        var vocab = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var s in symbols)
        {
            vocab[s] = vocab.Count;
        }

        vocab["Ġt"] = vocab.Count;
        vocab["he"] = vocab.Count;
        int eot = vocab.Count;
        if (eot >= modelVocabSize)
        {
            throw new ArgumentOutOfRangeException(nameof(modelVocabSize), modelVocabSize, $"the byte-level test tokenizer needs a model vocabulary of at least {eot + 1} ids");
        }

        var json = new
        {
            version = "1.0",
            added_tokens = new[] { new { id = eot, content = "<|endoftext|>", single_word = false, lstrip = false, rstrip = false, normalized = true, special = true } },
            normalizer = (object?)null,
            pre_tokenizer = new { type = "ByteLevel", add_prefix_space = false, trim_offsets = true, use_regex = true },
            post_processor = (object?)null,
            decoder = new { type = "ByteLevel", add_prefix_space = true, trim_offsets = true, use_regex = true },
            model = new { type = "BPE", dropout = (object?)null, unk_token = (object?)null, vocab, merges = new[] { "Ġ t", "h e" } },
        };
        var path = Path.Combine(directory, "tokenizer.json");
        File.WriteAllText(path, JsonSerializer.Serialize(json));
        return path;
    }

    /// <summary>GPT-2's bytes_to_unicode: printable bytes map to themselves, the rest to U+0100 onwards; index = byte order of the table.</summary>
    static List<string> ByteSymbols()
    {
        var bytes = new List<int>();
        for (int b = '!'; b <= '~'; b++)
        {
            bytes.Add(b);
        }

        for (int b = 0xA1; b <= 0xAC; b++)
        {
            bytes.Add(b);
        }

        for (int b = 0xAE; b <= 0xFF; b++)
        {
            bytes.Add(b);
        }

        var chars = new List<int>(bytes);
        int n = 0;
        for (int b = 0; b < 256; b++)
        {
            if (bytes.Contains(b))
            {
                continue;
            }

            bytes.Add(b);
            chars.Add(256 + n++);
        }
        return chars.Select(c => ((char)c).ToString()).ToList();
    }
}
