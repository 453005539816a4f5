using NUnit.Framework;
using RegressionGuard.Testing;
using RegressionGuard.Torch.Tokenization;

namespace RegressionGuard.Torch.Tests.Tokenization;

/// <summary>
/// stories260K's vocabulary in three files — SentencePiece tok512.model, llama2.c tok512.bin, and a Llama-2-layout
/// tokenizer.json converted from it — gives the same ids on texts without runs of spaces.
/// </summary>
public sealed class Tok512EquivalenceTests
{
    /// <summary>Texts without runs of spaces, leading or trailing spaces (SentencePiece's remove_extra_whitespaces rewrites those).</summary>
    public static readonly string[] Texts =
    [
        "Once upon a time",
        "Once upon a time, there was a little girl named Lily.",
        "She said \"hi!\"\nThen she left.\n\nThe end.",
        "\nA line that starts with a newline",
        "naïve café 東京 🙂",
        "a",
        "x",
        "1, 2, 3 and 42",
        "Tom and Sue went to the park. They played on the swings!",
        "What's up? I'm fine; you're late.",
        "zebra-crossing #42 @home (really) [maybe] {no} 100%",
        "The big, brown dog barked at the small cat.",
        "ÀÉÎÕÜ ß ñ 한국어 Москва",
        "tab\tseparated\tvalues",
        "",
    ];

    static string Shared(string relative) => SharedData.Path(relative);

    [TestCaseSource(nameof(Texts))]
    public void Llama2c_tokenizer_bin_gives_the_sentencepiece_ids(string text)
    {
        var sentencePiece = SentencePieceTokenizer.Load(Shared("models/stories260K/tok512.model"));
        var llama2c = Llama2cTokenizer.Load(Shared("models/stories260K/tok512.bin"));

        Assert.That(llama2c.Encode(text, addSpecialTokens: true), Is.EqualTo(sentencePiece.Encode(text, addSpecialTokens: true)));
    }

    [TestCaseSource(nameof(Texts))]
    public void Llama2c_tokenizer_bin_decodes_its_ids_to_the_text(string text)
    {
        var llama2c = Llama2cTokenizer.Load(Shared("models/stories260K/tok512.bin"));

        Assert.That(llama2c.Decode(llama2c.Encode(text, addSpecialTokens: true)), Is.EqualTo(text));
    }

    [Test]
    public void Llama2c_keeps_runs_of_spaces_that_sentencepiece_collapses()
    {
        var sentencePiece = SentencePieceTokenizer.Load(Shared("models/stories260K/tok512.model"));
        var llama2c = Llama2cTokenizer.Load(Shared("models/stories260K/tok512.bin"));

        var ours = llama2c.Encode("a  b");
        var theirs = sentencePiece.Encode("a  b");

        Assert.That(llama2c.Decode(ours), Is.EqualTo("a  b"));
        Assert.That(sentencePiece.Decode(theirs), Is.EqualTo("a b"));
    }

    [TestCaseSource(nameof(Texts))]
    public void A_sentencepiece_style_tokenizer_json_gives_the_sentencepiece_ids(string text)
    {
        using var folder = new TempFolder();
        File.Copy(Shared("models/stories260K/tok512.model"), Path.Combine(folder.Path, "tokenizer.model"));
        SentencePieceStyleTokenizerJson.WriteFromLlama2cBin(Shared("models/stories260K/tok512.bin"), folder.Path);

        var fromFolder = TokenizerLoader.FindBeside(folder.Path);
        var sentencePiece = SentencePieceTokenizer.Load(Path.Combine(folder.Path, "tokenizer.model"));

        Assert.That(fromFolder, Is.InstanceOf<HfTokenizerJson>());
        Assert.That(fromFolder.Encode(text, addSpecialTokens: true), Is.EqualTo(sentencePiece.Encode(text, addSpecialTokens: true)));
        Assert.That(fromFolder.Decode(fromFolder.Encode(text)), Is.EqualTo(sentencePiece.Decode(sentencePiece.Encode(text))));
    }

    [Test]
    public void A_llama2c_checkpoint_with_only_a_tokenizer_bin_beside_it_finds_it()
    {
        using var folder = new TempFolder();
        var model = Path.Combine(folder.Path, "stories260K.bin");
        File.Copy(Shared("models/stories260K/stories260K.bin"), model);
        File.Copy(Shared("models/stories260K/tok512.bin"), Path.Combine(folder.Path, "tok512.bin"));

        var tokenizer = TokenizerLoader.FindBeside(model);

        Assert.That(tokenizer, Is.InstanceOf<Llama2cTokenizer>());
        Assert.That(tokenizer.Encode("Once upon a time", addSpecialTokens: true), Is.EqualTo(new[] { 1, 403, 407, 261, 378 }));
    }
}
