using System.Security.Cryptography;
using System.Text;
using RegressionGuard.Ledger;
using static RegressionGuard.Core.Tests.Ledger.LedgerSamples;

namespace RegressionGuard.Core.Tests.Ledger;

public sealed class LedgerHashTests
{
    [Test]
    public void The_hash_is_the_SHA256_of_the_canonical_CSV_of_the_rows_sorted_by_run_then_N()
    {
        var sorted = Sweep().OrderBy(r => r.Run, StringComparer.Ordinal).ThenBy(r => r.N).ToList();
        using var writer = new StringWriter();
        LedgerCsv.Export(sorted, writer);
        var expected = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(writer.ToString())));

        Assert.That(LedgerHash.Of(Sweep()), Is.EqualTo(expected).And.Match("^[0-9a-f]{64}$"));
    }

    [Test]
    public void The_hash_is_stable_and_does_not_depend_on_the_order_of_the_rows()
    {
        var hash = LedgerHash.Of(Sweep());
        Assert.That(LedgerHash.Of(Sweep()), Is.EqualTo(hash));
        Assert.That(LedgerHash.Of(Enumerable.Reverse(Sweep())), Is.EqualTo(hash));
    }

    [Test]
    public void The_hash_changes_when_any_value_changes()
    {
        var hash = LedgerHash.Of(Sweep());
        LedgerRow Changed(Func<LedgerRow, LedgerRow> change) => change(Sweep()[0]);
        var variants = new[]
        {
            Changed(r => r with { Lf = BitConverter.Int64BitsToDouble(BitConverter.DoubleToInt64Bits(r.Lf) + 1) }),
            Changed(r => r with { Metrics = new Dictionary<string, double>(r.Metrics) { ["tinystories_facts/acc"] = 0.8126 } }),
            Changed(r => r with { Kl = null }),
            Changed(r => r with { Config = r.Config + " " }),
            Changed(r => r with { CreatedUtc = r.CreatedUtc!.Value.AddTicks(1) }),
        };
        foreach (var variant in variants)
        {
            var rows = Sweep();
            rows[0] = variant;
            Assert.That(LedgerHash.Of(rows), Is.Not.EqualTo(hash), $"changed row: {variant}");
        }
        Assert.That(LedgerHash.Of(Sweep().Skip(1)), Is.Not.EqualTo(hash));
    }
}
