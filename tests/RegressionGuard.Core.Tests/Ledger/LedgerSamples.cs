using RegressionGuard.Ledger;

namespace RegressionGuard.Core.Tests.Ledger;

/// <summary>Rows for the ledger tests: a LoRA run and a full fine-tuning run with a few checkpoints each.</summary>
static class LedgerSamples
{
    public static readonly DateTimeOffset Created = new(2025, 3, 14, 15, 9, 26, TimeSpan.Zero);

    public static LedgerRow Row(string run = "lora-r4-qv", long n = 200, string method = "lora", long p = 65_536, double lft = 2.125, double lf = 0.5) =>
        new()
        {
            Run = run,
            Cell = LedgerRow.DefaultCell(run, n),
            Method = method,
            P = p,
            N = n,
            LFt = lft,
            Lf = lf,
            BaseEntropy = 1.75,
            Kl = 0.0625,
            Seconds = 12.5 * n,
            SecondsPerStep = 12.5,
            TrainTokens = 4096 * n,
            Metrics = new Dictionary<string, double> { ["tinystories_facts/acc"] = 0.8125, ["arc_easy/acc_norm"] = 0.4 },
            Config = """{"rank":4,"targets":["q","v"],"lr":0.0003}""",
            Corpus = "c0ffee",
            Model = "base1234",
            CreatedUtc = Created.AddSeconds(n),
        };

    /// <summary>Two runs, given out of order: full (P = 10^6) at N = 100, 50 and lora (P = 65536) at N = 400, 100, 200.</summary>
    public static List<LedgerRow> Sweep() =>
    [
        Row("lora-r4-qv", 400, lft: 1.9, lf: 0.61),
        Row("full", 100, method: "full", p: 1_000_000, lft: 1.7, lf: 0.9),
        Row("lora-r4-qv", 100, lft: 2.3, lf: 0.31),
        Row("full", 50, method: "full", p: 1_000_000, lft: 1.95, lf: 0.7) with { Metrics = new Dictionary<string, double>(), TrainTokens = null },
        Row("lora-r4-qv", 200, lft: 2.1, lf: 0.5) with { Kl = null, BaseEntropy = null, CreatedUtc = null },
    ];

    public static IEnumerable<string> Cells(IEnumerable<LedgerRow> rows) => rows.Select(r => r.Cell);
}
