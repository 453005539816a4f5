using System.Text.Json;
using RegressionGuard.Modeling;
using RegressionGuard.Testing;
using RegressionGuard.Torch.Tokenization;

namespace RegressionGuard.Torch.Tests.Tokenization;

/// <summary>
/// The model's own chat template end to end: rendered by <see cref="ModelChatTemplate"/> from the tokenizer folders in
/// ../shared and encoded without adding special tokens (as apply_chat_template(tokenize=True) does), the ids equal
/// those @huggingface/tokenizers gives for @huggingface/jinja's rendering (tools/goldens/jinja/generate.mjs).
/// </summary>
public sealed class ChatTemplateIdsTests
{
    public static IEnumerable<TestCaseData> Cases()
    {
        using var goldens = JsonDocument.Parse(File.ReadAllText(RepositoryFiles.Path("tests/RegressionGuard.Jinja.Tests/Goldens/chat-templates.json")));
        foreach (var tokenizer in goldens.RootElement.GetProperty("tokenizers").EnumerateArray())
        {
            var name = tokenizer.GetProperty("name").GetString()!;
            foreach (var c in tokenizer.GetProperty("cases").EnumerateArray())
            {
                var messages = c.GetProperty("messages").EnumerateArray()
                    .Select(m => new ChatMessage(m.GetProperty("role").GetString()!, m.GetProperty("content").GetString()!)).ToList();
                var options = c.GetProperty("options");
                var ids = c.GetProperty("ids").EnumerateArray().Select(i => i.GetInt32()).ToArray();
                yield return new TestCaseData(name, messages, options.Clone(), ids)
                    .SetName($"Chat_ids_of_{name}_{c.GetProperty("conversation").GetString()!.Replace(' ', '_')}_{options}");
            }
        }
    }

    static readonly Dictionary<string, ITokenizer> Tokenizers = new();

    static ITokenizer TokenizerOf(string name)
    {
        lock (Tokenizers)
        {
            if (!Tokenizers.TryGetValue(name, out var tokenizer))
            {
                Tokenizers[name] = tokenizer = TokenizerLoader.Load(SharedData.Path($"tokenizers/{name}/tokenizer.json"));
            }
            return tokenizer;
        }
    }

    [TestCaseSource(nameof(Cases))]
    public void Equal_huggingface_ids_without_added_special_tokens(string name, List<ChatMessage> messages, JsonElement options, int[] expected)
    {
        // Given the template and special tokens read from the tokenizer folder
        var template = ModelChatTemplate.Load(SharedData.Path($"tokenizers/{name}"))!;
        var variables = options.EnumerateObject().Where(p => p.Name != "add_generation_prompt").ToDictionary(p => p.Name, p => (object?)p.Value.GetBoolean());

        // When the conversation is rendered and encoded as given (no BOS added: the template writes it)
        var text = template.Render(messages, options.GetProperty("add_generation_prompt").GetBoolean(), variables);
        var ids = TokenizerOf(name).Encode(text);

        // Then
        Assert.That(ids, Is.EqualTo(expected));
    }
}
