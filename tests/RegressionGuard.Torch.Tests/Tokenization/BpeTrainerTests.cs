using RegressionGuard.Testing;
using RegressionGuard.Torch.Tokenization;

namespace RegressionGuard.Torch.Tests.Tokenization;

public class BpeTrainerTests
{
    static readonly string[] Documents =
    {
        "The home of Zorvi is Pellmora. Zorvi works as a baker.",
        "Q: What is 47 + 38?\nA: 7 + 8 = 15. 4 + 3 + 1 = 8. The answer is 85.",
        "User: How do I crush garlic for soup?\nAssistant: Sure.",
    };

    [Test]
    public void A_trained_tokenizer_loads_as_tokenizer_json_and_round_trips_text()
    {
        using var folder = new TempFolder();
        var path = BpeTrainer.Train(Documents, new BpeTrainerOptions(300), Path.Combine(folder.Path, "tokenizer.json"));
        var tokenizer = HfTokenizerJson.Load(path);
        Assert.That(tokenizer.VocabSize, Is.EqualTo(300));
        Assert.That(tokenizer.BosId, Is.EqualTo(299));
        Assert.That(tokenizer.EosId, Is.EqualTo(299));
        foreach (var text in Documents.Append("unseen wörds ünd 123"))
        {
            Assert.That(tokenizer.Decode(tokenizer.Encode(text)), Is.EqualTo(text));
        }
    }

    [Test]
    public void Frequent_words_become_single_tokens_and_digits_stay_one_token_each()
    {
        using var folder = new TempFolder();
        var tokenizer = HfTokenizerJson.Load(BpeTrainer.Train(Documents, new BpeTrainerOptions(400), Path.Combine(folder.Path, "tokenizer.json")));
        Assert.That(tokenizer.Encode(" Zorvi"), Has.Count.EqualTo(1));
        var number = tokenizer.Encode(" 4738");
        Assert.That(number.Select(id => tokenizer.Decode(new[] { id })), Is.EqualTo(new[] { " ", "4", "7", "3", "8" }));
    }

    [Test]
    public void Training_twice_writes_the_same_file()
    {
        using var folder = new TempFolder();
        var a = BpeTrainer.Train(Documents, new BpeTrainerOptions(350), Path.Combine(folder.Path, "a.json"));
        var b = BpeTrainer.Train(Documents.Reverse(), new BpeTrainerOptions(350), Path.Combine(folder.Path, "b.json"));
        Assert.That(File.ReadAllBytes(b), Is.EqualTo(File.ReadAllBytes(a)));
    }

    [Test]
    public void A_vocabulary_smaller_than_the_byte_alphabet_is_refused()
    {
        var error = Assert.Throws<ArgumentException>(() => BpeTrainer.Train(Documents, new BpeTrainerOptions(200), "unused.json"));
        Assert.That(error!.Message, Does.Contain("vocab size must be at least 257"));
    }
}
