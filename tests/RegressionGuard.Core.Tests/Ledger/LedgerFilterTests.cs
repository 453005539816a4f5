using RegressionGuard.Ledger;
using static RegressionGuard.Core.Tests.Ledger.LedgerSamples;

namespace RegressionGuard.Core.Tests.Ledger;

public sealed class LedgerFilterTests
{
    [Test]
    public void Different_keys_must_all_match_and_a_repeated_key_matches_any_of_its_values()
    {
        var filter = LedgerFilter.Parse("method=lora, method=full, model=base1234");
        Assert.That(filter.Clauses["method"], Is.EqualTo(new[] { "lora", "full" }));
        Assert.That(filter.Matches(Row()), Is.True);
        Assert.That(filter.Matches(Row(method: "full")), Is.True);
        Assert.That(filter.Matches(Row(method: "hft")), Is.False);
        Assert.That(filter.Matches(Row() with { Model = null }), Is.False);
        Assert.That(LedgerFilter.Parse("  ").Matches(Row()), Is.True);
        Assert.That(Sweep().Where(LedgerFilter.ForMethod("full").Matches).Count(), Is.EqualTo(2));
    }

    [TestCase("method", "ledger filter 'method': 'method' is not key=value; write e.g. method=lora (valid keys: method, run, model, corpus)")]
    [TestCase("run=", "ledger filter 'run=': key 'run' has no value; write e.g. run=lora-r4-qv")]
    [TestCase("method=lora,,run=x", "ledger filter 'method=lora,,run=x': an empty pair (two commas in a row, or a comma at an end); write key=value pairs separated by commas, e.g. method=lora")]
    [TestCase("rank=4", "ledger filter 'rank=4': unknown key 'rank'; valid keys: method, run, model, corpus")]
    public void A_malformed_expression_says_what_is_wrong_and_what_would_be_valid(string expression, string message)
    {
        var error = Assert.Throws<LedgerException>(() => LedgerFilter.Parse(expression));
        Assert.That(error!.Message, Is.EqualTo(message));
    }
}
