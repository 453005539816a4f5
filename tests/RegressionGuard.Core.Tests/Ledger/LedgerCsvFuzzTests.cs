using System.Text;
using CsCheck;
using RegressionGuard.Core.Tests.Fuzzing;
using RegressionGuard.Ledger;
using RegressionGuard.Testing.Fuzzing;

namespace RegressionGuard.Core.Tests.Ledger;

/// <summary>The ledger CSV reader on mutated and generated CSV files; rows that load must also export.</summary>
[NonParallelizable]
public sealed class LedgerCsvFuzzTests
{
    static readonly string[] Shipped = ["suites/organism/ledger.csv", "experiments/organism_qv_lora/ledger.csv", "experiments/stories260k_shakespeare/ledger.csv"];

    static void Load(string text)
    {
        var rows = LedgerCsv.Import(new StringReader(text), "fuzzed.csv");
        LedgerCsv.Export(rows, new StringWriter());
    }

    static readonly string[] Cells = ["1", "1", "2.5", "r1", "", "0", "-1", "1e309", "NaN", "Infinity", "2.5", "200", "lora", "full", "=SUM(A1)", "\"a,b\"", "\"a\"\"b\"", "\"open", "a\nb", " x ", "2025-01-31T12:00:00Z", "not a time", "é", "\0"];

    /// <summary>A header of ledger and random columns, then rows of random cells (quoted, empty, numbers, text).</summary>
    static Gen<string> GeneratedCsv()
    {
        var columns = LedgerCsv.FixedColumns.Concat(["suite/acc", "x", "", "P"]).ToArray();
        return Gen.Select(Gen.Int, Gen.Int[1, 10], Gen.Int[0, 8], (salt, width, height) =>
        {
            var random = new Random(salt);
            var text = new StringBuilder();
            // mostly the required columns (shuffled) and a few more, so that rows get read; sometimes any columns
            var header = random.Next(5) == 0
                ? Enumerable.Range(0, width).Select(_ => columns[random.Next(columns.Length)]).ToList()
                : LedgerCsv.CoreColumns.Concat(Enumerable.Range(0, width / 3).Select(_ => columns[random.Next(columns.Length)])).OrderBy(_ => random.Next()).ToList();
            width = header.Count;
            text.AppendJoin(',', header).Append('\n');
            for (int r = 0; r < height; r++)
            {
                int cells = random.Next(10) == 0 ? random.Next(0, width + 2) : width;
                text.AppendJoin(',', Enumerable.Range(0, cells).Select(_ => Cells[random.Next(Cells.Length)])).Append(random.Next(8) == 0 ? "\r\n" : "\n");
            }
            return text.ToString();
        });
    }

    [Test]
    public void Mutated_ledger_files_load_or_fail_with_ledger_errors_only() =>
        LoaderFuzz.Run("ledger CSV (mutated)", LoaderFuzz.Mutated(LoaderFuzz.Seeds(Shipped)), Load, InputErrors.Typed, LoaderFuzz.MutatedCases);

    [Test]
    public void Generated_ledger_files_load_or_fail_with_ledger_errors_only() =>
        LoaderFuzz.Run("ledger CSV (generated)", GeneratedCsv(), Load, InputErrors.Typed, LoaderFuzz.GeneratedCases);

    static IEnumerable<TestCaseData> Corpus() => LoaderFuzz.Corpus("RegressionGuard.Core.Tests", "ledger-csv");

    [TestCaseSource(nameof(Corpus))]
    public void An_input_that_once_found_a_bug_fails_with_ledger_errors_only(string text) =>
        Assert.That(LoaderFuzz.Check(text, Load, InputErrors.Typed), Is.Null.Or.Empty);
}
