using NUnit.Framework;
using RegressionGuard.Testing;
using RegressionGuard.Torch.Tokenization;

namespace RegressionGuard.Torch.Tests.Tokenization;

public sealed class TokenizerLoaderTests
{
    [Test]
    public void The_tokenizer_beside_stories260K_is_tok512()
    {
        var tokenizer = TokenizerLoader.FindBeside(SharedData.Path("models/stories260K/stories260K.bin"));

        Assert.That(tokenizer, Is.InstanceOf<SentencePieceTokenizer>());
        Assert.That(tokenizer.Name, Is.EqualTo("sentencepiece (tok512.model)"));
    }

    [Test]
    public void A_model_file_path_loads_as_sentencepiece()
    {
        Assert.That(TokenizerLoader.Load(SharedData.Path("models/stories260K/tok512.model")), Is.InstanceOf<SentencePieceTokenizer>());
    }

    [Test]
    public void Tokenizer_json_is_preferred_over_tokenizer_model_in_a_model_folder()
    {
        using var folder = new TempFolder();
        File.WriteAllText(folder.File("tokenizer.json"), Llama3StyleTokenizerJson.Build().ToJsonString());
        File.WriteAllText(folder.File("tokenizer.model"), "not read");

        Assert.That(TokenizerLoader.FindBeside(folder.Path), Is.InstanceOf<HfTokenizerJson>());
        Assert.That(TokenizerLoader.Load(folder.Path), Is.InstanceOf<HfTokenizerJson>());
    }

    [Test]
    public void A_json_file_with_another_name_is_recognised_by_its_content()
    {
        using var folder = new TempFolder();
        var path = folder.File("my-tokenizer.txt");
        File.WriteAllText(path, Llama3StyleTokenizerJson.Build().ToJsonString());

        Assert.That(TokenizerLoader.Load(path), Is.InstanceOf<HfTokenizerJson>());
    }

    [Test]
    public void A_model_without_a_tokenizer_beside_it_says_where_it_looked()
    {
        using var folder = new TempFolder();
        var model = folder.File("stories.bin");
        File.WriteAllBytes(model, [0]);

        var error = Assert.Throws<FileNotFoundException>(() => TokenizerLoader.FindBeside(model));

        Assert.That(error.Message, Is.EqualTo(
            $"no tokenizer found for model '{model}': looked for tokenizer.json, tokenizer.model, tok*.model, tokenizer.bin, tok*.bin in '{folder.Path}'; pass --tokenizer <file>"));
    }

    [Test]
    public void A_missing_tokenizer_file_is_named()
    {
        using var folder = new TempFolder();
        var path = folder.File("tokenizer.json");

        var error = Assert.Throws<FileNotFoundException>(() => TokenizerLoader.Load(path));

        Assert.That(error.Message, Does.StartWith($"tokenizer file '{path}' does not exist"));
    }
}
