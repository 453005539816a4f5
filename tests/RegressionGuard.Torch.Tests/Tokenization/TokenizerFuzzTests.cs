using System.Text;
using System.Text.Json.Nodes;
using CsCheck;
using RegressionGuard.Testing;
using RegressionGuard.Torch.Tokenization;

namespace RegressionGuard.Torch.Tests.Tokenization;

/// <summary>
/// Property tests: a mutated or truncated tokenizer.json is either read or refused with a TokenizerFormatException
/// (never another exception), and encoding arbitrary strings with the shared tokenizers never throws.
/// </summary>
public sealed class TokenizerFuzzTests
{
    const int Cases = 10_000;

    static readonly byte[][] Bases = [Encode(Llama3StyleTokenizerJson.Build()), Encode(SentencePieceKitchenSink()), Encode(UnigramKitchenSink())];

    static readonly JsonNode?[] Replacements = [null, 0, -1, 1e300, 2147483647, "", "x", "\u2581", "(", true, false, new JsonArray(), new JsonObject(), new JsonArray("a", "b")];

    [Test]
    public void Every_base_file_of_the_fuzzer_is_a_valid_tokenizer()
    {
        foreach (var bytes in Bases)
        {
            var tokenizer = TokenizerJsonReader.Read("fuzz/tokenizer.json", bytes, null);

            Assert.That(tokenizer.Encode("Hello world 123 ▁x", addSpecialTokens: true), Is.Not.Empty);
        }
    }

    [Test]
    public void Mutated_or_truncated_tokenizer_json_is_read_or_refused_with_a_tokenizer_format_exception()
    {
        var outcomes = new int[2];
        var mutation = Gen.Select(Gen.Int[0, Bases.Length - 1], Gen.Int[0, 3], Gen.Int[0, int.MaxValue], Gen.Int[0, int.MaxValue]);

        mutation.Sample((baseIndex, kind, r1, r2) =>
        {
            var bytes = Mutate(Bases[baseIndex], kind, r1, r2);
            try
            {
                var tokenizer = TokenizerJsonReader.Read("fuzz/tokenizer.json", bytes, null);
                tokenizer.Decode(tokenizer.Encode("Hello, wörld 42 <|begin_of_text|> ▁a  b", addSpecialTokens: true));
                Interlocked.Increment(ref outcomes[0]);
            }
            catch (TokenizerFormatException)
            {
                Interlocked.Increment(ref outcomes[1]);
            }
        }, iter: Cases);

        TestContext.Progress.WriteLine($"tokenizer.json fuzz: {outcomes.Sum()} cases, {outcomes[0]} read, {outcomes[1]} refused with TokenizerFormatException");
        Assert.That(outcomes.Sum(), Is.GreaterThanOrEqualTo(10_000));
        Assert.That(outcomes[1], Is.GreaterThan(0));
    }

    [TestCase("mistral-32k")]
    [TestCase("llama3_1")]
    [TestCase("qwen3")]
    public void Encoding_arbitrary_strings_with_a_shared_tokenizer_never_throws(string name)
    {
        var tokenizer = HfTokenizerJson.Load(SharedData.Path($"tokenizers/{name}/tokenizer.json"));
        var count = 0;
        var text = Gen.OneOf(Gen.String[Gen.Char, 0, 40], Gen.String[Gen.Char["\u2581 <|>s/\n\t0123456789'aé東🙂\u200d\ud800\udc00"], 0, 40]);

        text.Sample(s =>
        {
            var ids = tokenizer.Encode(s, addSpecialTokens: true);
            tokenizer.Decode(ids);
            Interlocked.Increment(ref count);
        }, iter: 2_000);

        TestContext.Progress.WriteLine($"{name}: encoded {count} arbitrary strings");
        Assert.That(count, Is.EqualTo(2_000));
    }

    static byte[] Mutate(byte[] source, int kind, int r1, int r2)
    {
        switch (kind)
        {
            case 0:
                return source[..(r1 % source.Length)];
            case 1:
                var flipped = (byte[])source.Clone();
                flipped[r1 % flipped.Length] = (byte)r2;
                return flipped;
            default:
                var root = JsonNode.Parse(source)!;
                var nodes = new List<JsonNode>();
                Collect(root, nodes);
                var target = nodes[r1 % nodes.Count];
                if (target.Parent is JsonObject parent)
                {
                    var name = parent.First(p => ReferenceEquals(p.Value, target)).Key;
                    if (kind == 2)
                    {
                        parent[name] = Replacements[r2 % Replacements.Length]?.DeepClone();
                    }
                    else
                    {
                        parent.Remove(name);
                    }
                }
                else if (target.Parent is JsonArray array)
                {
                    var index = array.IndexOf(target);
                    if (kind == 2)
                    {
                        array[index] = Replacements[r2 % Replacements.Length]?.DeepClone();
                    }
                    else
                    {
                        array.RemoveAt(index);
                    }
                }
                return Encoding.UTF8.GetBytes(root.ToJsonString());
        }
    }

    static void Collect(JsonNode node, List<JsonNode> nodes)
    {
        nodes.Add(node);
        if (node is JsonObject obj)
        {
            // Vocabularies are large and alike: a few of their entries are enough.
            foreach (var (_, child) in obj.Take(obj.Count > 40 ? 8 : obj.Count))
            {
                if (child is not null)
                {
                    Collect(child, nodes);
                }
            }
        }
        else if (node is JsonArray array)
        {
            foreach (var child in array.Take(array.Count > 40 ? 8 : array.Count))
            {
                if (child is not null)
                {
                    Collect(child, nodes);
                }
            }
        }
    }

    static byte[] Encode(JsonNode json) => Encoding.UTF8.GetBytes(json.ToJsonString());

    static JsonObject Type(string type) => new() { ["type"] = type };

    /// <summary>SentencePiece-style BPE with every normalizer, pre-tokenizer, post-processor and decoder type in play.</summary>
    static JsonObject SentencePieceKitchenSink()
    {
        var vocab = new JsonObject { ["<unk>"] = 0, ["<s>"] = 1, ["</s>"] = 2 };
        for (var b = 0; b < 256; b++)
        {
            vocab[$"<0x{b:X2}>"] = 3 + b;
        }

        foreach (var piece in new[] { "\u2581", "h", "e", "l", "o", "w", "r", "d", "he", "ll", "hell", "hello", "\u2581hello", "1", "2", "3", "4" })
        {
            vocab[piece] = vocab.Count;
        }

        return new JsonObject
        {
            ["version"] = "1.0",
            ["added_tokens"] = new JsonArray(
                new JsonObject { ["id"] = 0, ["content"] = "<unk>", ["special"] = true, ["normalized"] = false },
                new JsonObject { ["id"] = 1, ["content"] = "<s>", ["special"] = true, ["normalized"] = false, ["lstrip"] = true },
                new JsonObject { ["id"] = 2, ["content"] = "</s>", ["special"] = true, ["normalized"] = false, ["rstrip"] = true, ["single_word"] = true }),
            ["normalizer"] = new JsonObject
            {
                ["type"] = "Sequence",
                ["normalizers"] = new JsonArray(Type("NFKC"), Type("Lowercase"), new JsonObject { ["type"] = "Strip", ["strip_left"] = false, ["strip_right"] = true },
                    new JsonObject { ["type"] = "Prepend", ["prepend"] = "\u2581" },
                    new JsonObject { ["type"] = "Replace", ["pattern"] = new JsonObject { ["Regex"] = " {2,}" }, ["content"] = " " }),
            },
            ["pre_tokenizer"] = new JsonObject
            {
                ["type"] = "Sequence",
                ["pretokenizers"] = new JsonArray(
                    new JsonObject { ["type"] = "Metaspace", ["replacement"] = "\u2581", ["prepend_scheme"] = "first", ["split"] = true },
                    new JsonObject { ["type"] = "Digits", ["individual_digits"] = true },
                    new JsonObject { ["type"] = "Punctuation", ["behavior"] = "MergedWithPrevious" },
                    new JsonObject { ["type"] = "Split", ["pattern"] = new JsonObject { ["String"] = "x" }, ["behavior"] = "MergedWithNext", ["invert"] = true },
                    Type("WhitespaceSplit")),
            },
            ["post_processor"] = new JsonObject
            {
                ["type"] = "Sequence",
                ["processors"] = new JsonArray(
                    new JsonObject { ["type"] = "ByteLevel", ["trim_offsets"] = false },
                    new JsonObject { ["type"] = "RobertaProcessing", ["cls"] = new JsonArray("<s>", 1), ["sep"] = new JsonArray("</s>", 2) }),
            },
            ["decoder"] = new JsonObject
            {
                ["type"] = "Sequence",
                ["decoders"] = new JsonArray(
                    new JsonObject { ["type"] = "Replace", ["pattern"] = new JsonObject { ["String"] = "\u2581" }, ["content"] = " " },
                    Type("ByteFallback"), Type("Fuse"), new JsonObject { ["type"] = "Strip", ["content"] = " ", ["start"] = 1, ["stop"] = 0 },
                    new JsonObject { ["type"] = "Metaspace", ["replacement"] = "\u2581", ["prepend_scheme"] = "always" }),
            },
            ["model"] = new JsonObject
            {
                ["type"] = "BPE",
                ["unk_token"] = "<unk>",
                ["fuse_unk"] = true,
                ["byte_fallback"] = true,
                ["vocab"] = vocab,
                ["merges"] = new JsonArray("h e", "l l", "he ll", "hell o", "\u2581 hello"),
            },
        };
    }

    /// <summary>Unigram with the Whitespace and Bert pre-tokenizers and a template post-processor.</summary>
    static JsonObject UnigramKitchenSink()
    {
        var pieces = new JsonArray(new JsonArray("<unk>", 0.0), new JsonArray("<s>", 0.0), new JsonArray("h", -3.0), new JsonArray("e", -3.0),
            new JsonArray("he", -2.0), new JsonArray("llo", -2.5), new JsonArray("l", -3.0), new JsonArray("o", -3.0), new JsonArray("hello", -4.0));
        return new JsonObject
        {
            ["version"] = "1.0",
            ["added_tokens"] = new JsonArray(new JsonObject { ["id"] = 1, ["content"] = "<s>", ["special"] = true, ["normalized"] = false }),
            ["normalizer"] = Type("NFD"),
            ["pre_tokenizer"] = new JsonObject { ["type"] = "Sequence", ["pretokenizers"] = new JsonArray(Type("Whitespace"), Type("BertPreTokenizer")) },
            ["post_processor"] = new JsonObject
            {
                ["type"] = "TemplateProcessing",
                ["single"] = new JsonArray(new JsonObject { ["SpecialToken"] = new JsonObject { ["id"] = "<s>", ["type_id"] = 0 } },
                    new JsonObject { ["Sequence"] = new JsonObject { ["id"] = "A", ["type_id"] = 0 } }),
                ["special_tokens"] = new JsonObject { ["<s>"] = new JsonObject { ["id"] = "<s>", ["ids"] = new JsonArray(1), ["tokens"] = new JsonArray("<s>") } },
            },
            ["decoder"] = null,
            ["model"] = new JsonObject { ["type"] = "Unigram", ["unk_id"] = 0, ["vocab"] = pieces, ["byte_fallback"] = false },
        };
    }
}
