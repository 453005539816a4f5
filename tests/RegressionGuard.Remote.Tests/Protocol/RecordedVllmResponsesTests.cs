using System.Text.Json;
using RegressionGuard.Remote.Protocol;

namespace RegressionGuard.Remote.Tests.Protocol;

/// <summary>
/// Responses in the shape vLLM returns (vllm-project/vllm vllm/entrypoints/openai/protocol.py @ 0052bed3:
/// CompletionResponse, CompletionLogProbs, prompt_logprobs as null | {id: {logprob, rank, decoded_token}}; vllm/logprobs.py
/// Logprob), parsed by the client's protocol types.
/// </summary>
public sealed class RecordedVllmResponsesTests
{
    static CompletionResponse Load(string name) =>
        JsonSerializer.Deserialize<CompletionResponse>(File.ReadAllText(Path.Combine(TestContext.CurrentContext.TestDirectory, "Protocol", "Recorded", name)), ProtocolJson.Options)!;

    [Test]
    public void An_echoed_scoring_response_gives_the_continuation_log_likelihood_and_greediness_as_lm_eval_reads_it()
    {
        // Given a vLLM response to { prompt: [ids], echo: true, logprobs: 1, max_tokens: 1 }
        var response = Load("echo-logprobs.json");

        // When the continuation (prompt tokens 3..4) is read as lm-evaluation-harness's parse_logprobs does
        var lp = response.Choices![0].Logprobs!;
        var tokenLogprobs = lp.TokenLogprobs!;
        double sum = tokenLogprobs.Skip(3).Take(2).Sum(v => v!.Value);
        bool greedy = Enumerable.Range(3, 2).All(p => tokenLogprobs[p] >= lp.TopLogprobs![p]!.Values.Max());

        // Then the first prompt token has no log-prob, the sum and greediness are the recorded ones
        Assert.That(tokenLogprobs[0], Is.Null);
        Assert.That(sum, Is.EqualTo(-0.0291 + -2.3125).Within(1e-12));
        Assert.That(greedy, Is.False);
        Assert.That(response.Choices![0].FinishReason, Is.EqualTo("length"));
    }

    [Test]
    public void A_prompt_logprobs_response_gives_the_ranked_top_k_of_every_position()
    {
        // Given a vLLM response to { prompt: [ids], prompt_logprobs: 2, max_tokens: 1 }
        var response = Load("prompt-logprobs.json");

        // When position 1's top 2 are read by rank
        var positions = response.Choices![0].PromptLogprobs!;
        var top = TopKForgetting.Ranked(positions, 1, 2, why => new InvalidDataException(why));

        // Then position 0 is null, and the ranked ids come first to last; the prompt's own id (rank 7) is not in the top 2
        Assert.That(positions[0], Is.Null);
        Assert.That(top, Is.EqualTo(new[] { (14924, -1.1795), (755, -2.1795) }));
        Assert.That(positions[1]!["791"].Rank, Is.EqualTo(7));
    }

    [Test]
    public void A_generation_response_with_a_stop_string_finishes_by_the_stop_sequence()
    {
        // Given a vLLM generation response ended by a stop string
        var choice = Load("generation-stop.json").Choices![0];

        // Then the text excludes the stop string and stop_reason names it
        Assert.That(choice.Text, Is.EqualTo(" Paris"));
        Assert.That(choice.FinishReason, Is.EqualTo("stop"));
        Assert.That(choice.StopReason!.Value.GetString(), Is.EqualTo("\n"));
    }
}
