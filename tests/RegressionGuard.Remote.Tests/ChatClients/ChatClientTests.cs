using Microsoft.Extensions.AI;
using RegressionGuard.Comparison;
using RegressionGuard.Modeling;
using RegressionGuard.Remote.ChatClients;
using RegressionGuard.Suites;
using RegressionGuard.Suites.Items;
using RegressionGuard.Suites.Loading;
using RegressionGuard.Testing;

namespace RegressionGuard.Remote.Tests.ChatClients;

/// <summary>Microsoft.Extensions.AI both ways: a local model as an IChatClient, and any IChatClient as a generation-only backend.</summary>
[NonParallelizable]
public sealed class ChatClientTests
{
    /// <summary>A test double: answers every prompt with a fixed text and records what it was asked.</summary>
    sealed class EchoChatClient(string answer) : IChatClient
    {
        public List<(string Prompt, ChatOptions? Options)> Asked { get; } = [];

        public Task<ChatResponse> GetResponseAsync(IEnumerable<Microsoft.Extensions.AI.ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            lock (Asked)
            {
                Asked.Add((messages.Single().Text, options));
            }

            return Task.FromResult(new ChatResponse(new Microsoft.Extensions.AI.ChatMessage(ChatRole.Assistant, answer)));
        }

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<Microsoft.Extensions.AI.ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException("the gate does not stream");

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }

    static (SuiteDefinition Suite, IReadOnlyList<SuiteItem> Items) Suite(string file)
    {
        var suite = SuiteLoader.Load(Organism.Path(file));
        return (suite, SuiteItemBuilder.Build(suite, 5));
    }

    [Test]
    public void A_refusal_suite_runs_on_any_chat_client_with_the_suites_limits()
    {
        // Given a chat client that always declines, as a backend
        var client = new EchoChatClient("I cannot help with that. STOP and more");
        using var model = new ChatClientLanguageModel(client, "echo@1");
        var (suite, items) = Suite("refusal.yaml");

        // When the refusal suite is evaluated on it through the gate's pipeline
        var result = new PairedEvaluation([suite], [items], cache: null).EvaluateTuned(0, model);

        // Then every item was asked greedily, as a user message, and scored
        Assert.That(client.Asked, Has.Count.EqualTo(items.Count));
        Assert.That(client.Asked.All(a => a.Options!.Temperature == 0), Is.True);
        Assert.That(result.Items, Has.Count.EqualTo(items.Count));
        Assert.That(result.Items.All(i => i.Error is null), Is.True);
    }

    [Test]
    public void A_multiple_choice_suite_on_a_chat_client_is_refused_before_any_request_with_the_reason()
    {
        // Given a chat client backend and a multiple-choice suite
        var client = new EchoChatClient("A");
        using var model = new ChatClientLanguageModel(client, "echo@1");
        var (suite, items) = Suite("knowledge.yaml");

        // When it is evaluated
        var e = Assert.Throws<ModelCapabilityException>(() => new PairedEvaluation([suite], [items], cache: null).EvaluateTuned(0, model))!;

        // Then nothing was asked and the message explains that log-likelihood scoring needs log-probabilities
        Assert.That(client.Asked, Is.Empty);
        Assert.That(e.Message, Does.Contain($"suite '{suite.Id}'").And.Contain("multiple choice, scored by the log-likelihood of each choice")
            .And.Contain("returns no log-probabilities").And.Contain("regressionguard serve"));
    }

    [Test]
    public async Task A_local_model_as_an_IChatClient_answers_with_its_chat_template_and_greedy_generation()
    {
        // Given the organism base with a chat template, as an IChatClient
        using var dir = new TempFolder();
        File.WriteAllText(Path.Combine(dir.Path, ModelChatTemplate.TemplateFile),
            "{% for m in messages %}{{ m.role }}: {{ m.content }}\n{% endfor %}{% if add_generation_prompt %}assistant:{% endif %}");
        var template = ModelChatTemplate.Load(dir.Path)!;
        using IChatClient chat = new LanguageModelChatClient(Organism.Base, template);

        // When it is asked a question
        var response = await chat.GetResponseAsync([new Microsoft.Extensions.AI.ChatMessage(ChatRole.User, "Where does Tom live?")], new ChatOptions { MaxOutputTokens = 8 });

        // Then the answer is the model's greedy continuation of the rendered conversation
        var expected = Organism.Base.Generate([new GenerationRequest("user: Where does Tom live?\nassistant:", 8, null, AddSpecialTokens: false)])[0];
        Assert.That(response.Text, Is.EqualTo(expected.Text));
        Assert.That(response.FinishReason, Is.EqualTo(expected.FinishReason == FinishReason.Length ? ChatFinishReason.Length : ChatFinishReason.Stop));
    }
}
