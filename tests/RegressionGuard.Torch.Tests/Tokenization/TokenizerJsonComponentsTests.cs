using System.Text;
using System.Text.Json.Nodes;
using RegressionGuard.Torch.Tokenization;

namespace RegressionGuard.Torch.Tests.Tokenization;

/// <summary>Pipeline pieces the three shared tokenizers do not exercise, each against HF tokenizers' documented behaviour.</summary>
public sealed class TokenizerJsonComponentsTests
{
    static List<string> Split(PreTokenizer preTokenizer, string text, bool atStart = true)
    {
        var pieces = new List<Piece>();
        preTokenizer.Split(new Piece(text, atStart), pieces);
        return pieces.Select(p => p.Text).ToList();
    }

    static HfTokenizerJson Read(JsonObject json) => TokenizerJsonReader.Read("test/tokenizer.json", Encoding.UTF8.GetBytes(json.ToJsonString()), null);

    [Test]
    public void Split_behaviours_follow_hf_for_the_dash_example()
    {
        var dash = CodePointRegex.Literal("-");

        Assert.Multiple(() =>
        {
            Assert.That(Split(new SplitPreTokenizer(dash, SplitBehavior.Removed, false), "the-final--countdown"), Is.EqualTo(new[] { "the", "final", "countdown" }));
            Assert.That(Split(new SplitPreTokenizer(dash, SplitBehavior.Isolated, false), "the-final--countdown"), Is.EqualTo(new[] { "the", "-", "final", "-", "-", "countdown" }));
            Assert.That(Split(new SplitPreTokenizer(dash, SplitBehavior.MergedWithPrevious, false), "the-final--countdown"), Is.EqualTo(new[] { "the-", "final-", "-", "countdown" }));
            Assert.That(Split(new SplitPreTokenizer(dash, SplitBehavior.MergedWithNext, false), "the-final--countdown"), Is.EqualTo(new[] { "the", "-final", "-", "-countdown" }));
            Assert.That(Split(new SplitPreTokenizer(dash, SplitBehavior.Contiguous, false), "the-final--countdown"), Is.EqualTo(new[] { "the", "-", "final", "--", "countdown" }));
        });
    }

    [Test]
    public void Metaspace_first_prepends_only_at_the_start_of_the_input()
    {
        var metaspace = new MetaspacePreTokenizer('\u2581', MetaspacePrepend.First, split: true);

        Assert.That(Split(metaspace, "Hey friend"), Is.EqualTo(new[] { "\u2581Hey", "\u2581friend" }));
        Assert.That(Split(metaspace, "Hey friend", atStart: false), Is.EqualTo(new[] { "Hey", "\u2581friend" }));
    }

    [Test]
    public void Digits_and_punctuation_split_as_hf()
    {
        Assert.That(Split(new DigitsPreTokenizer(individual: true), "a123b"), Is.EqualTo(new[] { "a", "1", "2", "3", "b" }));
        Assert.That(Split(new DigitsPreTokenizer(individual: false), "a123b"), Is.EqualTo(new[] { "a", "123", "b" }));
        Assert.That(Split(new PunctuationPreTokenizer(SplitBehavior.Isolated), "Hey! friend?"), Is.EqualTo(new[] { "Hey", "!", " friend", "?" }));
        Assert.That(Split(new WhitespacePreTokenizer(), "Hey friend, ok"), Is.EqualTo(new[] { "Hey", "friend", ",", "ok" }));
    }

    [Test]
    public void Lowercase_maps_dotted_capital_i_to_two_code_points_as_rust()
    {
        Assert.That(new LowercaseNormalizer().Normalize("İSTANBUL Σ"), Is.EqualTo("i\u0307stanbul σ"));
    }

    [Test]
    public void Astral_letters_are_letters_to_a_tokenizer_pattern()
    {
        var letters = CodePointRegex.TryCreate(@"\p{L}+", out _)!;

        Assert.That(letters.Matches("x𝐁𝐨y 1"), Is.EqualTo(new[] { (0, 6) }));
    }

    [Test]
    public void A_byte_level_vocabulary_lacking_some_byte_symbols_loads_and_drops_them_as_hf()
    {
        var vocab = new JsonObject { ["h"] = 0, ["i"] = 1, ["\u0120"] = 2, ["hi"] = 3 };
        var json = new JsonObject
        {
            ["pre_tokenizer"] = new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = false, ["use_regex"] = true },
            ["decoder"] = new JsonObject { ["type"] = "ByteLevel" },
            ["model"] = new JsonObject { ["type"] = "BPE", ["vocab"] = vocab, ["merges"] = new JsonArray("h i") },
        };

        var tokenizer = Read(json);

        Assert.That(tokenizer.Encode("hi hiz"), Is.EqualTo(new[] { 3, 2, 3 }));
        Assert.That(tokenizer.Decode([3, 2, 3]), Is.EqualTo("hi hi"));
    }

    [Test]
    public void Unigram_takes_the_best_scoring_segmentation_and_fuses_unknowns()
    {
        var json = new JsonObject
        {
            ["model"] = new JsonObject
            {
                ["type"] = "Unigram",
                ["unk_id"] = 0,
                ["vocab"] = new JsonArray(new JsonArray("<unk>", 0.0), new JsonArray("a", -1.0), new JsonArray("b", -1.0), new JsonArray("ab", -1.5),
                    new JsonArray("abc", -5.0), new JsonArray("c", -1.0)),
            },
        };

        var tokenizer = Read(json);

        Assert.That(tokenizer.Encode("abc"), Is.EqualTo(new[] { 3, 5 }));
        Assert.That(tokenizer.Encode("xyab"), Is.EqualTo(new[] { 0, 3 }));
    }

    [Test]
    public void Continuing_subword_prefix_and_end_of_word_suffix_are_applied_per_word()
    {
        var vocab = new JsonObject { ["a"] = 0, ["##b"] = 1, ["##c</w>"] = 2, ["a##b"] = 3, ["c</w>"] = 4, ["ab"] = 5 };
        var json = new JsonObject
        {
            ["pre_tokenizer"] = new JsonObject { ["type"] = "WhitespaceSplit" },
            ["model"] = new JsonObject
            {
                ["type"] = "BPE",
                ["vocab"] = vocab,
                ["merges"] = new JsonArray("a ##b"),
                ["continuing_subword_prefix"] = "##",
                ["end_of_word_suffix"] = "</w>",
            },
        };

        var tokenizer = Read(json);

        Assert.That(tokenizer.Encode("abc c"), Is.EqualTo(new[] { 5, 2, 4 }));
    }
}
