using System.Text.Json;
using RegressionGuard.Remote.Protocol;

namespace RegressionGuard.Remote.Tests.Protocol;

/// <summary>
/// Completion responses read through the client's own code (Protocol types with <see cref="ProtocolJson.Options"/>,
/// <see cref="RemoteLanguageModel.SumAndGreedy"/>, <see cref="TopKForgetting.Ranked"/>), checked against the numbers in
/// the JSON. Provenance of each fixture: Protocol/Recorded/README.md. vLLM's own tests assert only the structure of a
/// response (no full JSON is recorded there); <see cref="VllmEchoViolations"/> restates the asserts of
/// vllm-project/vllm tests/entrypoints/openai/completion/test_completion.py @ 10efe9463b0a2529746fe5fb81d546cf1062b06c,
/// test_echo_logprob_completion, and they are applied to the recordings and to our own server's responses.
/// </summary>
public sealed class RecordedVllmResponsesTests
{
    static string Recorded(string name) => File.ReadAllText(Path.Combine(TestContext.CurrentContext.TestDirectory, "Protocol", "Recorded", name));

    static CompletionResponse Load(string name) => JsonSerializer.Deserialize<CompletionResponse>(Recorded(name), ProtocolJson.Options)!;

    static Exception Malformed(string why) => new InvalidDataException(why);

    /// <summary>The answer of <c>regressionguard serve</c> over the organism base, posted and parsed by the client.</summary>
    static async Task<CompletionResponse> AskOurServer(CompletionRequest request)
    {
        await using var app = await Organism.Serve(Organism.Base, "base");
        using var client = new RemoteClient(Organism.Spec(app, "base"));
        return await client.PostJsonAsync<CompletionResponse>("completions", request, CancellationToken.None);
    }

    /// <summary>
    /// vLLM's test_echo_logprob_completion asserts, for echo with logprobs=k: more than 5 text_offset, token_logprobs,
    /// top_logprobs and tokens; token_logprobs[0] and top_logprobs[0] null; every later top_logprobs entry has between
    /// max(k, 1) and k + 1 entries. Returns the asserts the response breaks.
    /// </summary>
    static List<string> VllmEchoViolations(CompletionLogProbs lp, int k)
    {
        var broken = new List<string>();
        if (lp.TextOffset is not { Count: > 5 })
        {
            broken.Add("len(text_offset) > 5");
        }

        if (lp.TokenLogprobs is not { Count: > 5 } tokenLogprobs || tokenLogprobs[0] is not null)
        {
            broken.Add("len(token_logprobs) > 5 and token_logprobs[0] is None");
        }

        if (lp.TopLogprobs is not { Count: > 5 } top || top[0] is not null)
        {
            broken.Add("len(top_logprobs) > 5 and top_logprobs[0] is None");
        }
        else
        {
            for (int p = 1; p < top.Count; p++)
            {
                if (top[p] is not { } entry || entry.Count < Math.Max(k, 1) || entry.Count > k + 1)
                {
                    broken.Add($"max({k}, 1) <= len(top_logprobs[{p}]) <= {k + 1}");
                }
            }
        }

        if (lp.Tokens is not { Count: > 5 })
        {
            broken.Add("len(tokens) > 5");
        }

        return broken;
    }

    [Test]
    public void A_vllm_served_logprobs_response_gives_its_token_log_prob_and_a_greedy_choice()
    {
        // Given the example response of a vLLM deployment (meta-llama/Llama-3.1-8B, logprobs: 5, max_tokens: 1)
        var response = Load("acs-vllm-logprobs.json");
        var lp = response.Choices![0].Logprobs!;

        // When the client reads the one output token as it reads a scored continuation
        var (sum, greedy) = RemoteLanguageModel.SumAndGreedy(lp, 0, 1, Malformed);

        // Then the sum is the recorded token_logprobs[0], " a" is the top choice, and the offsets and tokens are read
        Assert.That(sum, Is.EqualTo(-1.7437232732772827));
        Assert.That(greedy, Is.True);
        Assert.That(lp.Tokens, Is.EqualTo(new[] { " a" }));
        Assert.That(lp.TextOffset, Is.EqualTo(new[] { 0 }));
        Assert.That(lp.TopLogprobs![0]![" Paris"], Is.EqualTo(-1.9937232732772827));
        Assert.That(lp.TopLogprobs![0]!, Has.Count.EqualTo(5));
        Assert.That(response.Choices![0].FinishReason, Is.EqualTo("length"));
    }

    [Test]
    public void A_vllm_served_prompt_logprobs_array_gives_the_ranked_top_k_with_the_prompt_token_at_rank_4()
    {
        // Given choices[0].prompt_logprobs[:2] of a vLLM deployment (prompt_logprobs: 5), as its page prints it
        var positions = JsonSerializer.Deserialize<List<Dictionary<string, PromptLogprob>?>>(Recorded("acs-vllm-prompt-logprobs.json"), ProtocolJson.Options)!;

        // When position 1's top 3 and top 5 are read by rank, as the top-K L_f reads them
        var top3 = TopKForgetting.Ranked(positions, 1, 3, Malformed);
        var top5 = TopKForgetting.Ranked(positions, 1, 5, Malformed);

        // Then position 0 is null and the ids come in rank order with the recorded log-probs
        Assert.That(positions[0], Is.Null);
        Assert.That(top3, Is.EqualTo(new[] { (14924, -1.179518699645996), (755, -2.179518699645996), (2, -2.742018699645996) }));
        Assert.That(top5.Select(t => t.Id), Is.EqualTo(new[] { 14924, 755, 2, 791, 16309 }));
        Assert.That(positions[1]!["791"].DecodedToken, Is.EqualTo("The"));
    }

    [Test]
    public void An_echoed_scoring_response_gives_the_continuation_log_likelihood_and_greediness_as_lm_eval_reads_it()
    {
        // Given a response in vLLM's shape to { prompt: [ids], echo: true, logprobs: 1, max_tokens: 1 } (hand-written)
        var lp = Load("echo-logprobs.json").Choices![0].Logprobs!;

        // When the continuation (prompt tokens 3..4) is read by the client
        var (sum, greedy) = RemoteLanguageModel.SumAndGreedy(lp, 3, 5, Malformed);

        // Then the sum and greediness are the recorded ones (" is" at 4 is not the top choice " was"), and vLLM's echo asserts hold
        Assert.That(sum, Is.EqualTo(-0.0291 + -2.3125).Within(1e-12));
        Assert.That(greedy, Is.False);
        Assert.That(VllmEchoViolations(lp, 1), Is.Empty);
    }

    [Test]
    public void A_prompt_logprobs_response_gives_the_ranked_top_k_of_every_position()
    {
        // Given a response in vLLM's shape to { prompt: [ids], prompt_logprobs: 2, max_tokens: 1 } (hand-written)
        var positions = Load("prompt-logprobs.json").Choices![0].PromptLogprobs!;

        // When position 1's top 2 are read by rank
        var top = TopKForgetting.Ranked(positions, 1, 2, Malformed);

        // Then the ranked ids come first to last; the prompt's own id (rank 7, appended beyond the top 2) is not in them
        Assert.That(positions[0], Is.Null);
        Assert.That(top, Is.EqualTo(new[] { (14924, -1.1795), (755, -2.1795) }));
        Assert.That(positions[1]!["791"].Rank, Is.EqualTo(7));
    }

    [Test]
    public void A_generation_response_with_a_stop_string_finishes_by_the_stop_sequence()
    {
        // Given a generation response in vLLM's shape ended by a stop string (hand-written)
        var choice = Load("generation-stop.json").Choices![0];

        // Then the text excludes the stop string and stop_reason names it
        Assert.That(choice.Text, Is.EqualTo(" Paris"));
        Assert.That(choice.FinishReason, Is.EqualTo("stop"));
        Assert.That(choice.StopReason!.Value.GetString(), Is.EqualTo("\n"));
    }

    [TestCase(0)]
    [TestCase(1)]
    public async Task Our_servers_echo_response_passes_vllms_echo_logprob_asserts_through_the_client(int k)
    {
        // Given an echo request as vLLM's test sends it (token ids, echo, logprobs=k)
        var ids = Organism.Base.EncodePrompt("Hello, my name is Tom and I like apples");

        // When the client posts it to the organism base served over loopback and parses the answer
        var lp = (await AskOurServer(new CompletionRequest { Model = "base", Prompt = ids, MaxTokens = 1, Echo = true, Logprobs = k })).Choices![0].Logprobs!;

        // Then every assert of vLLM's test_echo_logprob_completion holds, and the sum reads like any vLLM answer's
        Assert.That(VllmEchoViolations(lp, k), Is.Empty);
        Assert.That(lp.TextOffset, Has.Count.EqualTo(lp.Tokens!.Count).And.Ordered);
        var (sum, _) = RemoteLanguageModel.SumAndGreedy(lp, 1, ids.Length, Malformed);
        Assert.That(sum, Is.EqualTo(lp.TokenLogprobs!.Skip(1).Take(ids.Length - 1).Sum(v => v!.Value)).Within(1e-9));
    }

    [TestCase(0)]
    [TestCase(1)]
    public async Task Our_servers_prompt_logprobs_response_passes_vllms_prompt_logprobs_asserts_through_the_client(int k)
    {
        // Given a prompt_logprobs request as vLLM's test sends it
        var ids = Organism.Base.EncodePrompt("My name is");

        // When the client posts it to the organism base served over loopback and parses the answer
        var positions = (await AskOurServer(new CompletionRequest { Model = "base", Prompt = ids, MaxTokens = 1, PromptLogprobs = k })).Choices![0].PromptLogprobs;

        // Then, as vLLM's test_prompt_logprobs_completion asserts, prompt_logprobs is present and not empty; position 0 is null
        // and every later position carries the prompt's own id
        Assert.That(positions, Is.Not.Null.And.Not.Empty);
        Assert.That(positions![0], Is.Null);
        for (int p = 1; p < ids.Length; p++)
        {
            Assert.That(positions[p]!, Does.ContainKey(ids[p].ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }
    }
}
