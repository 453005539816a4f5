using System.IO.Compression;
using System.Text.Json;
using NUnit.Framework;
using RegressionGuard.Testing;
using RegressionGuard.Torch.Tokenization;

namespace RegressionGuard.Torch.Tests.Tokenization;

/// <summary>
/// The three published tokenizers in ../shared/tokenizers against goldens from @huggingface/tokenizers
/// (tools/goldens/tokenizers/generate.mjs): ids without and with special tokens, and decode(encode(x)), exactly.
/// </summary>
public sealed class SharedTokenizerGoldenTests
{
    static readonly Lazy<Goldens> Golden = new(ReadGoldens);
    static readonly Dictionary<string, HfTokenizerJson> Loaded = [];

    public static IEnumerable<string> Names => ["mistral-32k", "llama3_1", "qwen3"];

    [TestCaseSource(nameof(Names))]
    public void Ids_without_special_tokens_equal_huggingface_tokenizers(string name)
    {
        var (tokenizer, golden) = Given(name);

        var mismatches = Mismatches(golden, (text, c) => Same(tokenizer.Encode(text, addSpecialTokens: false), c.Ids));

        Assert.That(golden.Texts.Count, Is.GreaterThanOrEqualTo(200));
        Assert.That(mismatches, Is.Empty);
    }

    [TestCaseSource(nameof(Names))]
    public void Ids_with_special_tokens_equal_huggingface_tokenizers(string name)
    {
        var (tokenizer, golden) = Given(name);

        var mismatches = Mismatches(golden, (text, c) => Same(tokenizer.Encode(text, addSpecialTokens: true), c.WithSpecial));

        Assert.That(mismatches, Is.Empty);
    }

    [TestCaseSource(nameof(Names))]
    public void Decode_of_encode_equals_huggingface_tokenizers(string name)
    {
        var (tokenizer, golden) = Given(name);

        var mismatches = Mismatches(golden, (text, c) => tokenizer.Decode(c.Ids) == c.Decoded);

        Assert.That(mismatches, Is.Empty);
    }

    (HfTokenizerJson Tokenizer, (IReadOnlyList<string> Texts, IReadOnlyList<Case> Cases) Golden) Given(string name)
    {
        var folder = SharedData.Path($"tokenizers/{name}");
        HfTokenizerJson tokenizer;
        lock (Loaded)
        {
            if (!Loaded.TryGetValue(name, out tokenizer!))
            {
                Loaded[name] = tokenizer = HfTokenizerJson.Load(Path.Combine(folder, "tokenizer.json"));
            }
        }
        return (tokenizer, (Golden.Value.Texts, Golden.Value.Tokenizers[name]));
    }

    static List<string> Mismatches((IReadOnlyList<string> Texts, IReadOnlyList<Case> Cases) golden, Func<string, Case, bool> agrees)
    {
        var mismatches = new List<string>();
        for (var i = 0; i < golden.Texts.Count; i++)
        {
            if (!agrees(golden.Texts[i], golden.Cases[i]))
            {
                mismatches.Add($"#{i} {JsonSerializer.Serialize(golden.Texts[i])}");
            }
        }
        return mismatches;
    }

    static bool Same(IReadOnlyList<int> ours, int[] theirs) => ours.SequenceEqual(theirs);

    internal sealed record Case(int[] Ids, int[] WithSpecial, string Decoded);

    internal sealed record Goldens(IReadOnlyList<string> Texts, IReadOnlyDictionary<string, IReadOnlyList<Case>> Tokenizers);

    static Goldens ReadGoldens()
    {
        var path = Path.Combine(TestContext.CurrentContext.TestDirectory, "Tokenization", "Goldens", "tokenizers.json.gz");
        using var stream = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        using var document = JsonDocument.Parse(stream);
        var root = document.RootElement;
        var texts = root.GetProperty("texts").EnumerateArray().Select(t => t.GetString()!).ToArray();
        var tokenizers = new Dictionary<string, IReadOnlyList<Case>>();
        foreach (var tokenizer in root.GetProperty("tokenizers").EnumerateObject())
        {
            tokenizers[tokenizer.Name] = tokenizer.Value.EnumerateArray().Select(c => new Case(
                c.GetProperty("ids").EnumerateArray().Select(i => i.GetInt32()).ToArray(),
                c.GetProperty("withSpecial").EnumerateArray().Select(i => i.GetInt32()).ToArray(),
                c.GetProperty("decoded").GetString()!)).ToArray();
        }
        return new Goldens(texts, tokenizers);
    }
}
