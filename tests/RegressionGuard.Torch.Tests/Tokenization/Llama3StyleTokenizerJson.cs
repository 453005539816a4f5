using System.Text.Json.Nodes;

namespace RegressionGuard.Torch.Tests.Tokenization;

/// <summary>
/// A small hand-built tokenizer.json in the Llama 3 layout: the 256 byte symbols (id = byte value) plus a few merges,
/// a Split pre-tokenizer with the Llama 3 pattern followed by ByteLevel(use_regex: false), ignore_merges, special
/// added tokens, and a TemplateProcessing post-processor that prepends &lt;|begin_of_text|&gt;.
/// </summary>
public static class Llama3StyleTokenizerJson
{
    public const string Pattern = @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    public const int BeginOfText = 300;
    public const int EndOfText = 301;
    public const int Tool = 302;

    /// <summary>Merged tokens and their ids; merges are listed in rank order.</summary>
    public static readonly (string Left, string Right, string Merged, int Id)[] Merges =
    [
        ("Ġ", "t", "Ġt", 256),
        ("h", "e", "he", 257),
        ("Ġt", "he", "Ġthe", 258),
        ("c", "a", "ca", 259),
        ("ca", "t", "cat", 260),
        ("Ġ", "cat", "Ġcat", 261),
    ];

    /// <summary>In the vocabulary but reachable by no merge: only ignore_merges produces it.</summary>
    public const int WholeWordDog = 262;

    public static JsonObject Build()
    {
        var alphabet = Gpt2TokenizerJson.BytesToUnicode();
        var vocab = new JsonObject();
        for (var b = 0; b < 256; b++)
        {
            vocab[alphabet[(char)b].ToString()] = b;
        }

        foreach (var merge in Merges)
        {
            vocab[merge.Merged] = merge.Id;
        }

        vocab["Ġdog"] = WholeWordDog;

        var merges = new JsonArray();
        foreach (var merge in Merges)
        {
            merges.Add($"{merge.Left} {merge.Right}");
        }

        return new JsonObject
        {
            ["version"] = "1.0",
            ["added_tokens"] = new JsonArray(
                AddedToken(BeginOfText, "<|begin_of_text|>", special: true),
                AddedToken(EndOfText, "<|end_of_text|>", special: true),
                AddedToken(Tool, "<tool>", special: false)),
            ["normalizer"] = null,
            ["pre_tokenizer"] = new JsonObject
            {
                ["type"] = "Sequence",
                ["pretokenizers"] = new JsonArray(
                    new JsonObject
                    {
                        ["type"] = "Split",
                        ["pattern"] = new JsonObject { ["Regex"] = Pattern },
                        ["behavior"] = "Isolated",
                        ["invert"] = false,
                    },
                    new JsonObject
                    {
                        ["type"] = "ByteLevel",
                        ["add_prefix_space"] = false,
                        ["trim_offsets"] = true,
                        ["use_regex"] = false,
                    }),
            },
            ["post_processor"] = new JsonObject
            {
                ["type"] = "Sequence",
                ["processors"] = new JsonArray(
                    new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = true, ["trim_offsets"] = false, ["use_regex"] = true },
                    new JsonObject
                    {
                        ["type"] = "TemplateProcessing",
                        ["single"] = new JsonArray(
                            new JsonObject { ["SpecialToken"] = new JsonObject { ["id"] = "<|begin_of_text|>", ["type_id"] = 0 } },
                            new JsonObject { ["Sequence"] = new JsonObject { ["id"] = "A", ["type_id"] = 0 } }),
                        ["pair"] = new JsonArray(),
                        ["special_tokens"] = new JsonObject
                        {
                            ["<|begin_of_text|>"] = new JsonObject
                            {
                                ["id"] = "<|begin_of_text|>",
                                ["ids"] = new JsonArray(BeginOfText),
                                ["tokens"] = new JsonArray("<|begin_of_text|>"),
                            },
                        },
                    }),
            },
            ["decoder"] = new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = true, ["trim_offsets"] = true, ["use_regex"] = true },
            ["model"] = new JsonObject
            {
                ["type"] = "BPE",
                ["dropout"] = null,
                ["unk_token"] = null,
                ["continuing_subword_prefix"] = null,
                ["end_of_word_suffix"] = null,
                ["fuse_unk"] = false,
                ["byte_fallback"] = false,
                ["ignore_merges"] = true,
                ["vocab"] = vocab,
                ["merges"] = merges,
            },
        };
    }

    static JsonObject AddedToken(int id, string content, bool special) => new()
    {
        ["id"] = id,
        ["content"] = content,
        ["single_word"] = false,
        ["lstrip"] = false,
        ["rstrip"] = false,
        ["normalized"] = false,
        ["special"] = special,
    };
}
