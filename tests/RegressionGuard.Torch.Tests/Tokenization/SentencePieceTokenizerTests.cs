using System.Security.Cryptography;
using NUnit.Framework;
using RegressionGuard.Testing;
using RegressionGuard.Torch.Tokenization;

namespace RegressionGuard.Torch.Tests.Tokenization;

public sealed class SentencePieceTokenizerTests
{
    static SentencePieceTokenizer Tok512() => SentencePieceTokenizer.Load(SharedData.Path("models/stories260K/tok512.model"));

    [Test]
    public void Once_upon_a_time_encodes_to_the_reference_ids()
    {
        var tokenizer = Tok512();

        var ids = new[] { tokenizer.BosId!.Value }.Concat(tokenizer.Encode("Once upon a time"));

        Assert.That(ids, Is.EqualTo(new[] { 1, 403, 407, 261, 378 }));
    }

    [Test]
    public void Tok512_has_bos_1_eos_2_and_512_ids()
    {
        var tokenizer = Tok512();

        Assert.Multiple(() =>
        {
            Assert.That(tokenizer.BosId, Is.EqualTo(1));
            Assert.That(tokenizer.EosId, Is.EqualTo(2));
            Assert.That(tokenizer.VocabSize, Is.EqualTo(512));
            Assert.That(tokenizer.Name, Is.EqualTo("sentencepiece (tok512.model)"));
        });
    }

    [Test]
    public void Content_hash_is_the_sha256_of_the_model_file()
    {
        var path = SharedData.Path("models/stories260K/tok512.model");

        Assert.That(SentencePieceTokenizer.Load(path).ContentHash, Is.EqualTo(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)))));
    }

    [TestCase("Once upon a time, there was a little girl named Lily.")]
    [TestCase("She said \"hi!\"\nThen she left.\n\nThe end.\n")]
    [TestCase("\nA line that starts with a newline")]
    [TestCase("naïve café 東京 🙂")]
    [TestCase("a")]
    [TestCase("x")]
    [TestCase("1, 2, 3 and 42")]
    public void Decoding_the_encoding_gives_back_the_text(string text)
    {
        var tokenizer = Tok512();

        Assert.That(tokenizer.Decode(tokenizer.Encode(text)), Is.EqualTo(text));
    }

    [Test]
    public void A_single_character_encodes_to_its_piece()
    {
        // Microsoft.ML.Tokenizers 2.0.1's own normalizer turns "a" into "" (and so no ids); ours gives "▁a".
        Assert.That(Tok512().Encode("a"), Is.EqualTo(new[] { 261 }));
    }

    [Test]
    public void Decoding_drops_bos_and_eos()
    {
        var tokenizer = Tok512();

        Assert.That(tokenizer.Decode([1, 403, 407, 261, 378, 2]), Is.EqualTo("Once upon a time"));
    }

    [Test]
    public void Extra_spaces_are_removed_as_sentencepiece_does()
    {
        var tokenizer = Tok512();

        Assert.That(tokenizer.Encode("  Once   upon a time  "), Is.EqualTo(tokenizer.Encode("Once upon a time")));
    }

    [Test]
    public void Only_the_first_word_loses_its_space_when_decoding_after_a_byte_token()
    {
        // <0x0A> (13) then ▁Once (403): SentencePiece removes the dummy-prefix space only before any text.
        Assert.That(Tok512().Decode([13, 403]), Is.EqualTo("\n Once"));
    }

    [Test]
    public void Invalid_utf8_bytes_decode_to_one_replacement_character_each()
    {
        // <0xE6> <0x9D>: the first two bytes of 東 (E6 9D B1) without the last.
        Assert.That(Tok512().Decode([3 + 0xE6, 3 + 0x9D]), Is.EqualTo("\uFFFD\uFFFD"));
    }

    [Test]
    public void Decoding_an_id_outside_the_vocabulary_says_which_and_the_valid_range()
    {
        var tokenizer = Tok512();

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => tokenizer.Decode([403, 512]));

        Assert.That(error.Message, Does.StartWith($"token id 512 is not in the vocabulary of sentencepiece (tok512.model) ('{tokenizer.FilePath}'); valid ids are 0..511"));
    }
}
