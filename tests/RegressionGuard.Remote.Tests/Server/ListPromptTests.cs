using System.Net;
using System.Text;
using RegressionGuard.Remote.Protocol;

namespace RegressionGuard.Remote.Tests.Server;

/// <summary>
/// `serve` takes a list of prompts in one completions request, as vLLM does (vllm-project/vllm
/// tests/entrypoints/openai/test_completion.py, test_batch_completions: text and token-id lists, one choice per prompt,
/// the same prompt giving the same text), and answers each as it would alone.
/// </summary>
[NonParallelizable]
public sealed class ListPromptTests
{
    static async Task<CompletionResponse> Ask(object request)
    {
        await using var app = await Organism.Serve(Organism.Base, "base");
        using var client = new RemoteClient(Organism.Spec(app, "base"));
        return await client.PostJsonAsync<CompletionResponse>("completions", request, CancellationToken.None);
    }

    static async Task<string> Message(HttpResponseMessage answer) =>
        System.Text.Json.JsonDocument.Parse(await answer.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetProperty("message").GetString()!;

    /// <summary>A raw completions body posted to a fresh server: the status and the error's message.</summary>
    static async Task<(HttpStatusCode Status, string Message)> Refusal(string body)
    {
        await using var app = await Organism.Serve(Organism.Base, "base");
        using var http = new HttpClient();
        using var answer = await http.PostAsync($"{app.Urls.First()}/v1/completions", new StringContent(body, Encoding.UTF8, "application/json"));
        return (answer.StatusCode, await Message(answer));
    }

    [Test]
    public async Task Two_equal_text_prompts_and_two_equal_token_id_prompts_get_two_choices_with_the_same_text_as_vllms_test_asserts()
    {
        // Given vLLM's test_batch_completions prompts: a text twice, and token ids twice
        var ids = Organism.Base.EncodePrompt("Once upon a time");
        foreach (object prompts in new object[] { new[] { "Once upon a time", "Once upon a time" }, new[] { ids, ids } })
        {
            // When they are sent in one request (max_tokens 5, greedy)
            var batch = await Ask(new CompletionRequest { Model = "base", Prompt = prompts, MaxTokens = 5, Temperature = 0 });

            // Then there are two choices, indexed 0 and 1, with the same non-empty text
            Assert.That(batch.Choices!.Select(c => c.Index), Is.EqualTo(new[] { 0, 1 }));
            Assert.That(batch.Choices![0].Text, Is.Not.Empty.And.EqualTo(batch.Choices[1].Text));
        }
    }

    [Test]
    public async Task Echoed_prompts_in_one_request_score_as_each_does_alone()
    {
        // Given three prompts of different lengths, two sharing a context
        var prompts = new[] { "The cat sat on the mat.", "The cat sat on the log.", "A dog ran." }.Select(t => Organism.Base.EncodePrompt(t)).ToArray();
        CompletionRequest Echo(object prompt) => new() { Model = "base", Prompt = prompt, MaxTokens = 1, Temperature = 0, Echo = true, Logprobs = 1 };

        // When they are sent as one list, and each on its own
        var together = await Ask(Echo(prompts));
        var alone = new List<CompletionChoice>();
        foreach (var p in prompts)
        {
            alone.Add((await Ask(Echo(p))).Choices!.Single());
        }

        // Then every choice has the same tokens, and its log-probs agree within 1e-5 (padding in a batch moves fp32 sums)
        Assert.That(together.Choices, Has.Count.EqualTo(3));
        for (int i = 0; i < 3; i++)
        {
            var (a, b) = (together.Choices![i].Logprobs!, alone[i].Logprobs!);
            Assert.That(a.Tokens, Is.EqualTo(b.Tokens), $"prompt {i} tokens");
            Assert.That(a.TokenLogprobs!.Skip(1).Select(v => v!.Value), Is.EqualTo(b.TokenLogprobs!.Skip(1).Select(v => v!.Value)).Within(1e-5), $"prompt {i} log-probs");
        }
    }

    [Test]
    public async Task Echo_with_max_tokens_0_scores_the_prompt_as_max_tokens_1_does_without_an_output_token()
    {
        // Given an item's two choices in one request
        var prompts = new[] { "The cat sat on the mat.", "The cat sat on the log." }.Select(t => Organism.Base.EncodePrompt(t)).ToArray();
        CompletionRequest Echo(int maxTokens) => new() { Model = "base", Prompt = prompts, MaxTokens = maxTokens, Temperature = 0, Echo = true, Logprobs = 1 };

        // When they are scored with max_tokens 1 (lm-evaluation-harness) and 0 (the client against serve)
        var one = await Ask(Echo(1));
        var zero = await Ask(Echo(0));

        // Then the prompts' log-probs agree within 1e-5, and max_tokens 0 returns the prompt's tokens only
        for (int i = 0; i < prompts.Length; i++)
        {
            var (a, b) = (one.Choices![i].Logprobs!, zero.Choices![i].Logprobs!);
            Assert.That(a.Tokens, Has.Count.EqualTo(prompts[i].Length + 1));
            Assert.That(b.Tokens, Is.EqualTo(a.Tokens!.Take(prompts[i].Length)));
            Assert.That(b.TokenLogprobs!.Skip(1).Select(v => v!.Value), Is.EqualTo(a.TokenLogprobs!.Skip(1).Take(prompts[i].Length - 1).Select(v => v!.Value)).Within(1e-5));
        }
    }

    [Test]
    public async Task Score_from_leaves_the_positions_before_it_null_and_scores_the_rest_as_a_full_echo_does()
    {
        // Given an item's two choices sharing a context of n ids, and a prompt alone, each with its own first position
        var context = Organism.Base.EncodePrompt("The cat sat on the");
        var prompts = new[] { " mat.", " log." }.Select(t => context.Concat(Organism.Base.EncodeDocument(t)).ToArray()).Append(Organism.Base.EncodePrompt("A dog ran.")).ToArray();
        int[] from = [context.Length, context.Length, 2];
        CompletionRequest Echo(object? scoreFrom) => new() { Model = "base", Prompt = prompts, MaxTokens = 0, Temperature = 0, Echo = true, Logprobs = 1, RegressionguardScoreFrom = scoreFrom };

        // When they are scored in full, and from those positions (the extension the client sends to serve)
        var full = await Ask(Echo(null));
        var partial = await Ask(Echo(from));

        // Then before each prompt's first position the log-probs are null, and from it they equal the full echo's within 1e-5
        for (int i = 0; i < prompts.Length; i++)
        {
            var (a, b) = (full.Choices![i].Logprobs!, partial.Choices![i].Logprobs!);
            Assert.That(b.Tokens, Is.EqualTo(a.Tokens), $"prompt {i} tokens");
            Assert.That(b.TokenLogprobs!.Take(from[i]), Is.All.Null, $"prompt {i} before {from[i]}");
            Assert.That(b.TopLogprobs!.Take(from[i]), Is.All.Null, $"prompt {i} top before {from[i]}");
            Assert.That(b.TokenLogprobs!.Skip(from[i]).Select(v => v!.Value), Is.EqualTo(a.TokenLogprobs!.Skip(from[i]).Select(v => v!.Value)).Within(1e-5), $"prompt {i} from {from[i]}");
            Assert.That(b.TopLogprobs!.Skip(from[i]).Select(t => t!.Keys.First()), Is.EqualTo(a.TopLogprobs!.Skip(from[i]).Select(t => t!.Keys.First())), $"prompt {i} top ids");
        }
    }

    [Test]
    public async Task The_model_card_advertises_score_from_beside_the_l_f_extensions()
    {
        // Given a server with its extensions
        await using var app = await Organism.Serve(Organism.Base, "base");
        using var client = new RemoteClient(Organism.Spec(app, "base"));

        // When its model card is read
        var models = await client.GetJsonAsync<ModelList>("models", CancellationToken.None);

        // Then it lists score_from, so the client sends the first position it reads
        Assert.That(models.Data!.Single().Regressionguard!.Extensions, Is.EquivalentTo(new[] { "distributions", "cross_entropy", "score_from" }));
    }

    [TestCase("[3]", "'regressionguard_score_from' has 1 entries for 2 prompts (expected one per prompt)", TestName = "A score_from list of the wrong length is refused, saying one per prompt")]
    [TestCase("[1, 4]", "'regressionguard_score_from' for prompt[1] must be in 0..3 (its token count), got 4", TestName = "A score_from past its prompt is refused, naming the prompt and the valid range")]
    [TestCase("\"2\"", "'regressionguard_score_from' must be a position (an integer) or a list of one per prompt, got string", TestName = "A score_from that is not a number is refused, saying what it may be")]
    public async Task A_malformed_score_from_is_a_400_saying_what_is_valid(string scoreFrom, string expected)
    {
        // Given two echoed prompts of 2 and 3 ids, and a score_from that does not fit them
        var body = $$"""{"model": "base", "prompt": [[1, 2], [1, 2, 3]], "max_tokens": 0, "echo": true, "logprobs": 1, "temperature": 0, "regressionguard_score_from": {{scoreFrom}}}""";

        // When they are sent to a server
        var (status, message) = await Refusal(body);

        // Then it is a 400 saying what would be valid
        Assert.That(status, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(message, Is.EqualTo(expected));
    }

    [TestCase("[]", "got an empty list", TestName = "An empty prompt list is refused, saying what a prompt may be")]
    [TestCase("[[1, 2], [], [3]]", "prompt[1] is a list that is empty or not all numbers", TestName = "An empty token list inside a prompt list is refused, naming its index")]
    [TestCase("[\"text\", 7]", "prompt[1] is number", TestName = "A number among text prompts is refused, naming its index")]
    public async Task A_malformed_prompt_list_is_a_400_naming_the_prompt(string prompt, string expected)
    {
        // Given a malformed prompt list
        var body = $$"""{"model": "base", "prompt": {{prompt}}, "max_tokens": 1, "temperature": 0}""";

        // When it is sent to a server
        var (status, message) = await Refusal(body);

        // Then it is a 400 whose message says what a prompt may be and which one is wrong
        Assert.That(status, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(message, Does.Contain("'prompt' must be a string, a list of token ids, or a non-empty list of strings or of token-id lists").And.Contain(expected));
    }

    [Test]
    public async Task More_prompts_than_a_request_may_carry_are_refused_before_any_runs()
    {
        // Given a list of 4,097 one-id prompts
        var body = $$"""{"model": "base", "prompt": [{{string.Join(", ", Enumerable.Repeat("[1]", 4097))}}], "max_tokens": 1, "echo": true, "logprobs": 1, "temperature": 0}""";

        // When it is sent to a server
        var (status, message) = await Refusal(body);

        // Then it is a 400 saying the limit and the count
        Assert.That(status, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(message, Is.EqualTo("at most 4096 prompts per request, got 4097; send them in several requests"));
    }

    [Test]
    public async Task A_token_id_out_of_the_vocabulary_in_the_second_prompt_is_refused_naming_that_prompt_and_the_valid_range()
    {
        // Given a list whose second prompt has an id past the vocabulary
        int vocab = Organism.Base.Description.VocabSize;
        var body = $$"""{"model": "base", "prompt": [[1, 2, 3], [1, {{vocab}}]], "max_tokens": 1, "echo": true, "logprobs": 1, "temperature": 0}""";

        // When it is sent to a server
        var (status, message) = await Refusal(body);

        // Then it is a 400 naming prompt[1] and the valid range
        Assert.That(status, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(message, Does.Contain($"prompt[1]: token ids must be in [0, {vocab})"));
    }
}
