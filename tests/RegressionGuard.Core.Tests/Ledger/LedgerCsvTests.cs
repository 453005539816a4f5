using RegressionGuard.Ledger;
using RegressionGuard.Testing;
using static RegressionGuard.Core.Tests.Ledger.LedgerSamples;

namespace RegressionGuard.Core.Tests.Ledger;

public sealed class LedgerCsvTests
{
    static string ToCsv(IEnumerable<LedgerRow> rows)
    {
        using var writer = new StringWriter();
        LedgerCsv.Export(rows, writer);
        return writer.ToString();
    }

    static IReadOnlyList<LedgerRow> FromCsv(string text, string source = "ledger.csv") =>
        LedgerCsv.Import(new StringReader(text), source);

    [Test]
    public void Export_then_import_gives_back_equal_rows_with_bit_identical_doubles()
    {
        double[] awkward = [0.1, 1.0 / 3.0, 2.0 / 3.0 * 1e-300, double.Epsilon, -0.0, double.NaN, double.PositiveInfinity,
                            double.NegativeInfinity, double.MaxValue, 1e21, 123456789.123456789, Math.PI, -1e-7];
        var rows = new List<LedgerRow>();
        for (int i = 0; i < awkward.Length; i++)
        {
            rows.Add(Row(n: i, lft: awkward[i], lf: awkward[^(i + 1)]) with
            {
                Kl = i % 3 == 0 ? null : awkward[i],
                Metrics = i % 2 == 0 ? new Dictionary<string, double> { ["suite/acc"] = awkward[i] } : new Dictionary<string, double> { ["zz, \"quoted\""] = -awkward[i] },
                Config = i == 1 ? "{\"note\": \"a, b\nand \\\"c\\\"\"}" : null,
                CreatedUtc = new DateTimeOffset(638_000_000_000_000_007L + i, TimeSpan.FromHours(-5)),
            });
        }

        var back = FromCsv(ToCsv(rows));

        Assert.That(back, Is.EqualTo(rows));
        // Every NaN reads back as double.NaN (text has no NaN payloads); every other double keeps its bits, -0 included.
        static long Bits(double value) => double.IsNaN(value) ? BitConverter.DoubleToInt64Bits(double.NaN) : BitConverter.DoubleToInt64Bits(value);
        for (int i = 0; i < rows.Count; i++)
        {
            Assert.That(Bits(back[i].LFt), Is.EqualTo(Bits(rows[i].LFt)), $"L_ft of row {i}");
            Assert.That(Bits(back[i].Lf), Is.EqualTo(Bits(rows[i].Lf)), $"L_f of row {i}");
            foreach (var (name, value) in rows[i].Metrics)
            {
                Assert.That(Bits(back[i].Metrics[name]), Is.EqualTo(Bits(value)), $"metric {name} of row {i}");
            }

            Assert.That(back[i].CreatedUtc!.Value.UtcTicks, Is.EqualTo(rows[i].CreatedUtc!.Value.UtcTicks));
        }
    }

    [Test]
    public void The_header_has_the_core_columns_then_the_optional_ones_then_the_metrics_sorted()
    {
        var text = ToCsv(Sweep());
        var header = text[..text.IndexOf('\n', StringComparison.Ordinal)];
        Assert.That(header, Is.EqualTo("run,method,P,N,L_ft,L_f,base_entropy,kl,seconds,seconds_per_step,train_tokens,cell,corpus,model,created_utc,config,arc_easy/acc_norm,tinystories_facts/acc"));
        Assert.That(text.Split('\n')[1], Does.StartWith("lora-r4-qv,lora,65536,400,1.9,0.61,1.75,0.0625,5000,12.5,1638400,lora-r4-qv@N=400,c0ffee,base1234,2025-03-14T15:16:06.0000000+00:00,"));
    }

    [Test]
    public void Signal_columns_are_written_after_config_only_when_a_row_has_them_and_read_back()
    {
        var rows = new List<LedgerRow> { Row(n: 1) with { KlTrain = 0.125, DeltaFrobenius = 2.5, DeltaStableRank = 1.75, Intruders = 4 }, Row(n: 2) };

        var text = ToCsv(rows);

        Assert.That(text[..text.IndexOf('\n', StringComparison.Ordinal)], Does.Contain(",config,kl_train,dw_frobenius,dw_stable_rank,intruders,"));
        Assert.That(FromCsv(text), Is.EqualTo(rows));
        Assert.That(ToCsv([Row(n: 2)]), Does.Not.Contain("kl_train"), "a ledger without signals exports as before (same hash)");
    }

    [Test]
    public void A_file_with_only_the_core_columns_imports_with_the_rest_missing_and_default_cells()
    {
        using var temp = new TempFolder();
        var path = temp.File("sweep.csv");
        File.WriteAllText(path, "N,run,L_f,method,L_ft,P,hellaswag/acc\n200.0,lora-r4-qv,0.5,lora,2.1,65536,\n\n400,lora-r4-qv,nan,lora,1.9,65536,0.25\n");

        var rows = LedgerCsv.Import(path);

        Assert.That(rows, Has.Count.EqualTo(2));
        Assert.That(rows[0], Is.EqualTo(new LedgerRow { Run = "lora-r4-qv", Cell = "lora-r4-qv@N=200", Method = "lora", P = 65536, N = 200, LFt = 2.1, Lf = 0.5 }));
        Assert.That(rows[1].Cell, Is.EqualTo("lora-r4-qv@N=400"));
        Assert.That(rows[1].Lf, Is.NaN);
        Assert.That(rows[1].Metrics, Is.EqualTo(new Dictionary<string, double> { ["hellaswag/acc"] = 0.25 }));
    }

    [Test]
    public void Import_needs_the_core_columns_and_names_the_missing_ones()
    {
        var error = Assert.Throws<LedgerException>(() => FromCsv("run,method,N,L_ft\nx,lora,1,2\n", "sweep.csv"));
        Assert.That(error!.Message, Is.EqualTo("sweep.csv:1: missing required columns P, L_f; a ledger CSV needs run, method, P, N, L_ft, L_f (header: run, method, N, L_ft)"));
        Assert.That(Assert.Throws<LedgerException>(() => FromCsv("", "empty.csv"))!.Message,
            Is.EqualTo("empty.csv: the file is empty; a ledger CSV starts with a header naming at least run, method, P, N, L_ft, L_f"));
    }

    [Test]
    public void An_unparsable_number_is_reported_at_file_line_and_column()
    {
        using var temp = new TempFolder();
        var path = temp.File("sweep.csv");
        File.WriteAllText(path, "run,method,P,N,L_ft,L_f,suite/acc\nr,lora,10,1,2.5,0.5,0.1\n\nr,lora,10,2,2.4,0.5,zero point two\n");
        Assert.That(Assert.Throws<LedgerException>(() => LedgerCsv.Import(path))!.Message,
            Is.EqualTo($"{path}:4: column 'suite/acc': 'zero point two' is not a number; write e.g. 2.3517 or 1E-05"));

        Assert.That(Assert.Throws<LedgerException>(() => FromCsv("run,method,P,N,L_ft,L_f\nr,lora,1.5,1,2.5,0.5\n"))!.Message,
            Is.EqualTo("ledger.csv:2: column 'P': '1.5' is not a whole number; write e.g. 200"));
        Assert.That(Assert.Throws<LedgerException>(() => FromCsv("run,method,P,N,L_ft,L_f\n\"multi\nline\",lora,1,1,2.5,0,5\n"))!.Message,
            Is.EqualTo("ledger.csv:2: expected 6 fields (header: run, method, P, N, L_ft, L_f), got 7"));
        Assert.That(Assert.Throws<LedgerException>(() => FromCsv("run,method,P,N,L_ft,L_f\nr,,1,1,2.5,0.5\n"))!.Message,
            Is.EqualTo("ledger.csv:2: column 'method' is empty; every row needs run, method, P, N, L_ft, L_f"));
        Assert.That(Assert.Throws<LedgerException>(() => FromCsv("run,method,P,N,L_ft,L_f,created_utc\nr,lora,1,1,2.5,0.5,yesterday\n"))!.Message,
            Is.EqualTo("ledger.csv:2: column 'created_utc': 'yesterday' is not a time; write ISO 8601, e.g. 2025-01-31T12:00:00Z"));
    }

    [Test]
    public void Malformed_quoting_is_an_error_at_its_line()
    {
        var error = Assert.Throws<LedgerException>(() => FromCsv("run,method,P,N,L_ft,L_f\nr,lora,1,1,2.5,0.5\n\"r,lora,1,2,2.4,0.5\n"));
        Assert.That(error!.Message, Does.StartWith("ledger.csv:3: malformed CSV: "));
    }

    [Test]
    public void A_cell_that_appears_twice_is_an_error_naming_both_lines()
    {
        var error = Assert.Throws<LedgerException>(() => FromCsv("run,method,P,N,L_ft,L_f\nr,lora,1,5,2.5,0.5\nr,lora,1,6,2.4,0.5\nr,lora,1,5,2.3,0.5\n"));
        Assert.That(error!.Message, Is.EqualTo("ledger.csv:4: cell 'r@N=5' appears again (first at line 2); each cell is one row"));
    }

    [Test]
    public void A_metric_named_like_a_ledger_column_cannot_be_exported()
    {
        var row = Row() with { Metrics = new Dictionary<string, double> { ["L_F"] = 1 } };
        Assert.That(Assert.Throws<LedgerException>(() => ToCsv([row]))!.Message, Does.StartWith("cell 'lora-r4-qv@N=200': metric 'L_F' cannot be a CSV column"));
    }

    [TestCase("=HYPERLINK(\"http://evil\",\"x\")")]
    [TestCase("+1+2")]
    [TestCase("-2+3")]
    [TestCase("@SUM(A1:A9)")]
    [TestCase("\tcmd")]
    [TestCase("\rcmd")]
    public void Formula_looking_text_is_written_with_a_leading_quote_and_reads_back_unchanged(string text)
    {
        // Given a row whose text fields start like a spreadsheet formula
        var row = Row(run: text, method: text) with { Config = text, Model = text, Corpus = text, Metrics = new Dictionary<string, double> { [text] = 1 } };

        // When it is exported
        var csv = ToCsv([row]);

        // Then no cell starts with the formula character, and import gives the same row back
        var cells = FromCsvCells(csv);
        Assert.That(cells.Where(c => c.Length > 0 && c[0] is '=' or '+' or '@' or '\t' or '\r' || (c.StartsWith('-') && !double.TryParse(c, System.Globalization.CultureInfo.InvariantCulture, out _))), Is.Empty);
        Assert.That(cells, Has.Some.EqualTo("'" + text));
        Assert.That(FromCsv(csv), Is.EqualTo(new[] { row }));
    }

    static List<string> FromCsvCells(string csv)
    {
        using var reader = CsvHelper.CsvReader.Create(new StringReader(csv), CsvHelper.CsvReaderOptions.Default with { HasHeader = false });
        var cells = new List<string>();
        while (reader.Read())
        {
            for (int i = 0; i < reader.FieldCount; i++)
            {
                cells.Add(reader.GetString(i) ?? "");
            }
        }

        return cells;
    }
}
