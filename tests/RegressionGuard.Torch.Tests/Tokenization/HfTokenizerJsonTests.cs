using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Microsoft.ML.Tokenizers;
using NUnit.Framework;
using RegressionGuard.Testing;
using RegressionGuard.Torch.Tokenization;

namespace RegressionGuard.Torch.Tests.Tokenization;

public sealed class HfTokenizerJsonTests
{
    /// <summary>English prose with contractions, numbers, punctuation, non-Latin scripts, emoji, runs of spaces, tabs and newlines.</summary>
    static readonly string SampleText = string.Join("\n",
        "The quick brown fox jumps over the lazy dog. It's 2024, and we're testing: don't, won't, I'll, you've, he'd, I'm, they're!",
        "SHOUTING WORKS TOO: IT'S, WE'LL, THEY'VE. Numbers like 3.14159, 1,000,000 and the 42nd place; prices: $19.99 (approx. €18).",
        "",
        "Second paragraph:    multiple   spaces,\ttabs,\t\tand trailing spaces   ",
        "naïve café 東京 🙂 Ünïcödé — Zürich, São Paulo, Москва, Αθήνα, 한국어, العربية.",
        "  Indented code: if (x != y) { return x->z[0] + 0x1F; } // comment #1 @user",
        "",
        "",
        "\"Quoted\" text, 'single quotes'... and an ellipsis… end.",
        "   ");

    TempFolder _folder = null!;
    readonly Dictionary<MergeEncoding, string> _gpt2Files = [];
    TiktokenTokenizer _tiktoken = null!;

    [OneTimeSetUp]
    public void WriteGpt2TokenizerJsonFiles()
    {
        _folder = new TempFolder("rg-hf-tokenizer");
        foreach (var encoding in Enum.GetValues<MergeEncoding>())
        {
            var folder = Path.Combine(_folder.Path, encoding.ToString());
            Directory.CreateDirectory(folder);
            _gpt2Files[encoding] = Gpt2TokenizerJson.Write(folder, encoding);
        }
        _tiktoken = TiktokenTokenizer.CreateForModel("gpt2");
    }

    [OneTimeTearDown]
    public void DeleteFiles() => _folder.Dispose();

    // Deriving HF merges from tiktoken ranks (every two-token split of each token, ordered by the merged token's
    // rank) reproduces tiktoken's ids on this text exactly; no rank mismatch showed up.
    [TestCase(MergeEncoding.Strings)]
    [TestCase(MergeEncoding.Arrays)]
    public void Gpt2_tokenizer_json_encodes_to_the_same_ids_as_tiktoken(MergeEncoding encoding)
    {
        var tokenizer = HfTokenizerJson.Load(_gpt2Files[encoding]);

        var expected = _tiktoken.EncodeToIds(SampleText);

        Assert.That(tokenizer.Encode(SampleText), Is.EqualTo(expected));
    }

    [TestCase("Hello world")]
    [TestCase(" leading space and a trailing one ")]
    [TestCase("x")]
    [TestCase("1234567890")]
    [TestCase("I'd've done it, y'all.")]
    public void Gpt2_tokenizer_json_encodes_short_texts_like_tiktoken(string text)
    {
        var tokenizer = HfTokenizerJson.Load(_gpt2Files[MergeEncoding.Arrays]);

        Assert.That(tokenizer.Encode(text), Is.EqualTo(_tiktoken.EncodeToIds(text)));
    }

    [Test]
    public void Gpt2_decoding_gives_back_the_text()
    {
        var tokenizer = HfTokenizerJson.Load(_gpt2Files[MergeEncoding.Strings]);

        Assert.That(tokenizer.Decode(tokenizer.Encode(SampleText)), Is.EqualTo(SampleText));
    }

    [Test]
    public void Gpt2_end_of_text_in_the_text_is_one_id_and_decoding_drops_it()
    {
        var tokenizer = HfTokenizerJson.Load(_gpt2Files[MergeEncoding.Strings]);

        var ids = tokenizer.Encode("one<|endoftext|>two");

        Assert.That(ids, Is.EqualTo(_tiktoken.EncodeToIds("one<|endoftext|>two")));
        Assert.That(ids, Has.Member(Gpt2TokenizerJson.EndOfTextId));
        Assert.That(tokenizer.Decode(ids), Is.EqualTo("onetwo"));
    }

    [Test]
    public void Gpt2_uses_end_of_text_as_bos_and_eos_and_knows_its_size()
    {
        var tokenizer = HfTokenizerJson.Load(_gpt2Files[MergeEncoding.Strings]);

        Assert.Multiple(() =>
        {
            Assert.That(tokenizer.BosId, Is.EqualTo(Gpt2TokenizerJson.EndOfTextId));
            Assert.That(tokenizer.EosId, Is.EqualTo(Gpt2TokenizerJson.EndOfTextId));
            Assert.That(tokenizer.VocabSize, Is.EqualTo(50257));
            Assert.That(tokenizer.Name, Is.EqualTo("byte-level BPE (tokenizer.json)"));
        });
    }

    [Test]
    public void Content_hash_is_the_sha256_of_the_tokenizer_json_bytes()
    {
        var path = _gpt2Files[MergeEncoding.Strings];

        var tokenizer = HfTokenizerJson.Load(path);

        Assert.That(tokenizer.ContentHash, Is.EqualTo(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)))));
    }

    [Test]
    public void Decoding_part_of_a_multibyte_character_gives_the_replacement_character()
    {
        var tokenizer = HfTokenizerJson.Load(_gpt2Files[MergeEncoding.Strings]);
        var ids = tokenizer.Encode("東");
        Assume.That(ids, Has.Count.GreaterThan(1), "東 is expected to take several byte tokens in GPT-2");

        Assert.That(tokenizer.Decode(ids.Take(1)), Does.Contain("\uFFFD"));
        Assert.That(tokenizer.Decode(ids), Is.EqualTo("東"));
    }

    [Test]
    public void Byte_alphabet_writes_space_as_G_dot_and_newline_as_C_dot_like_gpt2()
    {
        var gpt2 = Gpt2TokenizerJson.BytesToUnicode();

        Assert.Multiple(() =>
        {
            Assert.That(ByteLevelAlphabet.ByteToChar((byte)' '), Is.EqualTo('Ġ'));
            Assert.That(ByteLevelAlphabet.ByteToChar((byte)'\n'), Is.EqualTo('Ċ'));
            for (var b = 0; b < 256; b++)
            {
                Assert.That(ByteLevelAlphabet.ByteToChar((byte)b), Is.EqualTo(gpt2[(char)b]), $"byte 0x{b:X2}");
            }
        });
    }

    [Test]
    public void Llama3_style_tokenizer_loads_and_finds_bos_in_the_template()
    {
        using var folder = new TempFolder();
        var tokenizer = HfTokenizerJson.Load(WriteJson(folder, Llama3StyleTokenizerJson.Build()));

        Assert.Multiple(() =>
        {
            Assert.That(tokenizer.BosId, Is.EqualTo(Llama3StyleTokenizerJson.BeginOfText));
            Assert.That(tokenizer.EosId, Is.Null, "no template EOS, no tokenizer_config.json and no <|endoftext|>");
            Assert.That(tokenizer.VocabSize, Is.EqualTo(Llama3StyleTokenizerJson.Tool + 1));
        });
    }

    [Test]
    public void Llama3_style_eos_comes_from_tokenizer_config_json_beside_it()
    {
        using var folder = new TempFolder();
        var path = WriteJson(folder, Llama3StyleTokenizerJson.Build());
        File.WriteAllText(folder.File("tokenizer_config.json"),
            """{"bos_token": "<|begin_of_text|>", "eos_token": {"content": "<|end_of_text|>", "special": true}}""");

        var tokenizer = HfTokenizerJson.Load(path);

        Assert.That(tokenizer.BosId, Is.EqualTo(Llama3StyleTokenizerJson.BeginOfText));
        Assert.That(tokenizer.EosId, Is.EqualTo(Llama3StyleTokenizerJson.EndOfText));
        var both = File.ReadAllBytes(path).Concat(File.ReadAllBytes(folder.File("tokenizer_config.json"))).ToArray();
        Assert.That(tokenizer.ContentHash, Is.EqualTo(Convert.ToHexStringLower(SHA256.HashData(both))), "the config is part of the hash");
    }

    [Test]
    public void Llama3_style_special_tokens_in_the_text_are_single_ids_and_words_merge_by_rank()
    {
        using var folder = new TempFolder();
        var tokenizer = HfTokenizerJson.Load(WriteJson(folder, Llama3StyleTokenizerJson.Build()));

        var ids = tokenizer.Encode("<|begin_of_text|>the cat<|end_of_text|>");

        // "the" → t + he (no merge joins them); " cat" → Ġ c a t → Ġ ca t → Ġ cat → Ġcat.
        Assert.That(ids, Is.EqualTo(new[] { Llama3StyleTokenizerJson.BeginOfText, 't', 257, 261, Llama3StyleTokenizerJson.EndOfText }));
        Assert.That(tokenizer.Decode(ids), Is.EqualTo("the cat"));
    }

    [Test]
    public void Llama3_style_lower_rank_merges_go_first()
    {
        using var folder = new TempFolder();
        var tokenizer = HfTokenizerJson.Load(WriteJson(folder, Llama3StyleTokenizerJson.Build()));

        // " thee": Ġ t h e e → Ġt (rank 0) → he (rank 1) → Ġthe (rank 2), leaving the last e.
        Assert.That(tokenizer.Encode(" thee"), Is.EqualTo(new[] { 258, 'e' }));
    }

    [Test]
    public void Llama3_style_ignore_merges_takes_whole_vocabulary_words()
    {
        using var folder = new TempFolder();
        var tokenizer = HfTokenizerJson.Load(WriteJson(folder, Llama3StyleTokenizerJson.Build()));

        Assert.That(tokenizer.Encode("a dog"), Is.EqualTo(new[] { 'a', Llama3StyleTokenizerJson.WholeWordDog }));
    }

    [Test]
    public void Non_special_added_tokens_decode_as_their_content()
    {
        using var folder = new TempFolder();
        var tokenizer = HfTokenizerJson.Load(WriteJson(folder, Llama3StyleTokenizerJson.Build()));

        var ids = tokenizer.Encode("a<tool>b<|end_of_text|>");

        Assert.That(ids, Is.EqualTo(new[] { 'a', Llama3StyleTokenizerJson.Tool, 'b', Llama3StyleTokenizerJson.EndOfText }));
        Assert.That(tokenizer.Decode(ids), Is.EqualTo("a<tool>b"));
    }

    [Test]
    public void Llama3_pattern_splits_contractions_numbers_and_newlines_like_llama3()
    {
        var split = new SplitPreTokenizer(CodePointRegex.TryCreate(Llama3StyleTokenizerJson.Pattern, out _)!, SplitBehavior.Isolated, invert: false);
        var pieces = new List<Piece>();

        split.Split(new Piece("I'LL do 12345 things\n\n", AtStart: true), pieces);

        Assert.That(pieces.Select(p => p.Text), Is.EqualTo(new[] { "I", "'LL", " do", " ", "123", "45", " things", "\n\n" }));
    }

    [Test]
    public void Unsupported_model_type_names_the_file_the_json_path_and_what_is_supported()
    {
        using var folder = new TempFolder();
        var json = Llama3StyleTokenizerJson.Build();
        json["model"] = new JsonObject { ["type"] = "WordPiece", ["vocab"] = new JsonObject(), ["unk_token"] = "[UNK]" };
        var path = WriteJson(folder, json);

        var error = Assert.Throws<TokenizerFormatException>(() => HfTokenizerJson.Load(path));

        Assert.That(error.Message, Is.EqualTo(
            $"tokenizer.json '{path}': $.model.type: unknown model 'WordPiece'; supported: 'BPE', 'Unigram'"));
    }

    [Test]
    public void Unsupported_pre_tokenizer_names_the_json_path_inside_the_sequence()
    {
        using var folder = new TempFolder();
        var json = Llama3StyleTokenizerJson.Build();
        json["pre_tokenizer"]!["pretokenizers"]![0] = new JsonObject { ["type"] = "UnicodeScripts" };
        var path = WriteJson(folder, json);

        var error = Assert.Throws<TokenizerFormatException>(() => HfTokenizerJson.Load(path));

        Assert.That(error.Message, Is.EqualTo(
            $"tokenizer.json '{path}': $.pre_tokenizer.pretokenizers[0].type: unknown pre-tokenizer 'UnicodeScripts'; " +
            "supported: 'Sequence', 'ByteLevel', 'Split', 'Metaspace', 'Digits', 'Punctuation', 'Whitespace', 'WhitespaceSplit', 'BertPreTokenizer'"));
    }

    [Test]
    public void Unknown_normalizer_names_the_json_path_inside_the_sequence()
    {
        using var folder = new TempFolder();
        var json = Llama3StyleTokenizerJson.Build();
        json["normalizer"] = new JsonObject { ["type"] = "Sequence", ["normalizers"] = new JsonArray(new JsonObject { ["type"] = "NFC" }, new JsonObject { ["type"] = "Foo" }) };
        var path = WriteJson(folder, json);

        var error = Assert.Throws<TokenizerFormatException>(() => HfTokenizerJson.Load(path));

        Assert.That(error.Message, Is.EqualTo(
            $"tokenizer.json '{path}': $.normalizer.normalizers[1].type: unknown normalizer 'Foo'; " +
            "supported: 'Sequence', 'NFC', 'NFD', 'NFKC', 'NFKD', 'Lowercase', 'Strip', 'Prepend', 'Replace'"));
    }

    [Test]
    public void A_pattern_dotnet_cannot_compile_is_named_in_the_error()
    {
        using var folder = new TempFolder();
        var json = Llama3StyleTokenizerJson.Build();
        json["pre_tokenizer"]!["pretokenizers"]![0]!["pattern"] = new JsonObject { ["Regex"] = @"\p{Foo}+" };
        var path = WriteJson(folder, json);

        var error = Assert.Throws<TokenizerFormatException>(() => HfTokenizerJson.Load(path));

        Assert.That(error.Message, Does.StartWith(
            $"tokenizer.json '{path}': $.pre_tokenizer.pretokenizers[0].pattern.Regex is the pattern '\\p{{Foo}}+', which .NET regular expressions cannot compile"));
    }

    [Test]
    public void A_merge_of_tokens_missing_from_the_vocabulary_is_reported_with_its_index()
    {
        using var folder = new TempFolder();
        var json = Llama3StyleTokenizerJson.Build();
        json["model"]!["merges"]!.AsArray().Add(new JsonArray("Ġ", "zz"));
        var path = WriteJson(folder, json);

        var error = Assert.Throws<TokenizerFormatException>(() => HfTokenizerJson.Load(path));

        Assert.That(error.Message, Is.EqualTo(
            $"tokenizer.json '{path}': $.model.merges[{Llama3StyleTokenizerJson.Merges.Length}] merges 'Ġ' and 'zz', but 'zz' is not in $.model.vocab"));
    }

    static string WriteJson(TempFolder folder, JsonObject json)
    {
        var path = folder.File("tokenizer.json");
        File.WriteAllText(path, json.ToJsonString());
        return path;
    }
}
