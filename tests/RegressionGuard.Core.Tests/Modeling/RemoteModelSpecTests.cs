using RegressionGuard.Modeling;
using RegressionGuard.Suites;

namespace RegressionGuard.Core.Tests.Modeling;

public sealed class RemoteModelSpecTests
{
    [Test]
    public void Batch_size_defaults_to_eight_prompts_per_request_and_takes_a_given_value()
    {
        // Given a served model's mapping without batch_size, and one with batch_size: 1
        var plain = RemoteModelSpec.Parse("{ endpoint: http://127.0.0.1:8000/v1, model: m, tokenizer: ./t }", "--tuned");
        var single = RemoteModelSpec.Parse("{ endpoint: http://127.0.0.1:8000/v1, model: m, tokenizer: ./t, batch_size: 1 }", "--tuned");

        // Then the first sends eight prompts per request, the second one
        Assert.That((plain.BatchSize, single.BatchSize), Is.EqualTo((8, 1)));
    }

    [Test]
    public void A_batch_size_out_of_range_is_reported_with_its_position_and_the_valid_range_beside_other_problems()
    {
        // Given a mapping with batch_size 0 and concurrency 0
        var e = Assert.Throws<SuiteValidationException>(() =>
            RemoteModelSpec.Parse("{ endpoint: http://127.0.0.1:8000/v1, model: m, tokenizer: ./t, batch_size: 0, concurrency: 0 }", "--tuned"))!;

        // Then both are reported, each with its column and the range
        Assert.That(e.Message, Does.Contain("--tuned:1:77: 'batch_size' must be between 1 and 1024, got 0")
            .And.Contain("'concurrency' must be between 1 and 256, got 0"));
    }
}
