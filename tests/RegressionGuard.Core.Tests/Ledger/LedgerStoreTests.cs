using Microsoft.Data.Sqlite;
using RegressionGuard.Ledger;
using RegressionGuard.Testing;
using static RegressionGuard.Core.Tests.Ledger.LedgerSamples;

namespace RegressionGuard.Core.Tests.Ledger;

public sealed class LedgerStoreTests
{
    [Test]
    public void A_new_ledger_reads_back_every_appended_row_ordered_by_run_then_N()
    {
        using var temp = new TempFolder();
        using var store = LedgerStore.Open(temp.File("ledger.db"));
        Assert.That(store.Rows(), Is.Empty);

        var sweep = Sweep();
        foreach (var row in sweep)
        {
            store.Append(row);
        }

        var rows = store.Rows();
        Assert.That(Cells(rows), Is.EqualTo(new[] { "full@N=50", "full@N=100", "lora-r4-qv@N=100", "lora-r4-qv@N=200", "lora-r4-qv@N=400" }));
        Assert.That(rows, Is.EquivalentTo(sweep));
        Assert.That(store.Contains("lora-r4-qv@N=200"), Is.True);
        Assert.That(store.Contains("lora-r4-qv@N=300"), Is.False);
    }

    [Test]
    public void Appending_a_cell_that_is_already_in_the_ledger_fails_and_names_the_cell()
    {
        using var temp = new TempFolder();
        var path = temp.File("ledger.db");
        using var store = LedgerStore.Open(path);
        store.Append(Row());

        var error = Assert.Throws<LedgerException>(() => store.Append(Row(lft: 9.0)));
        Assert.That(error!.Message, Is.EqualTo($"{path}: cell 'lora-r4-qv@N=200' is already in the ledger; a cell is appended once (check Contains before appending)"));
        Assert.That(store.Rows().Single().LFt, Is.EqualTo(2.125));
    }

    [Test]
    public void Rows_survive_closing_and_reopening_the_file()
    {
        using var temp = new TempFolder();
        var path = temp.File("sub/ledger.db");
        using (var store = LedgerStore.Open(path))
        {
            foreach (var row in Sweep())
            {
                store.Append(row);
            }
        }

        using (var reopened = LedgerStore.Open(path))
        {
            Assert.That(reopened.Rows(), Is.EquivalentTo(Sweep()));
            reopened.Append(Row(n: 800));
        }
        using (var again = LedgerStore.Open(path))
        {
            Assert.That(again.Rows(), Has.Count.EqualTo(6));
        }
    }

    [Test]
    public void The_file_is_a_WAL_mode_SQLite_database_marked_with_the_schema_version_and_application_id()
    {
        using var temp = new TempFolder();
        var path = temp.File("ledger.db");
        using var store = LedgerStore.Open(path);
        store.Append(Row());

        using var raw = new SqliteConnection($"Data Source={path};Pooling=False");
        raw.Open();
        Assert.That(Scalar(raw, "PRAGMA journal_mode;"), Is.EqualTo("wal"));
        Assert.That(Scalar(raw, "PRAGMA user_version;"), Is.EqualTo(LedgerStore.SchemaVersion));
        Assert.That(Scalar(raw, "PRAGMA application_id;"), Is.EqualTo(LedgerStore.ApplicationId));
        Assert.That(Scalar(raw, "SELECT count(*) FROM metrics WHERE cell = 'lora-r4-qv@N=200';"), Is.EqualTo(2));
    }

    [Test]
    public void Finite_doubles_and_times_read_back_from_the_store_bit_for_bit_except_the_sign_of_zero()
    {
        using var temp = new TempFolder();
        using var store = LedgerStore.Open(temp.File("ledger.db"));
        double[] values = [0.1, 1.0 / 3.0, 1e-300, double.Epsilon, 2.0, -0.0, 1e300, 123456789.123456789, double.MaxValue, -7.25];
        for (int i = 0; i < values.Length; i++)
        {
            store.Append(Row(n: i, lft: values[i], lf: values[^(i + 1)]) with
            {
                Metrics = new Dictionary<string, double> { ["m"] = values[i] },
                CreatedUtc = new DateTimeOffset(638_000_000_000_000_007L + i, TimeSpan.FromHours(2)),
            });
        }

        // SQLite keeps no sign of zero: -0 reads back as 0. Every other finite double keeps its bits.
        static long Bits(double value) => value == 0 ? 0 : BitConverter.DoubleToInt64Bits(value);
        var rows = store.Rows();
        for (int i = 0; i < values.Length; i++)
        {
            Assert.That(BitConverter.DoubleToInt64Bits(rows[i].LFt), Is.EqualTo(Bits(values[i])), $"L_ft of row {i}");
            Assert.That(BitConverter.DoubleToInt64Bits(rows[i].Lf), Is.EqualTo(Bits(values[^(i + 1)])), $"L_f of row {i}");
            Assert.That(BitConverter.DoubleToInt64Bits(rows[i].Metrics["m"]), Is.EqualTo(Bits(values[i])), $"metric of row {i}");
            Assert.That(rows[i].CreatedUtc!.Value.UtcTicks, Is.EqualTo(638_000_000_000_000_007L + i - TimeSpan.FromHours(2).Ticks));
        }
    }

    [Test]
    public void A_failure_inside_the_append_transaction_leaves_no_partial_row()
    {
        using var temp = new TempFolder();
        var path = temp.File("ledger.db");
        using (var store = LedgerStore.Open(path))
        {
            store.BeforeCommit = _ => throw new IOException("simulated crash after the row and metrics were written");
            Assert.Throws<IOException>(() => store.Append(Row()));

            Assert.That(store.Contains("lora-r4-qv@N=200"), Is.False);
            Assert.That(store.Rows(), Is.Empty);
            store.BeforeCommit = null;
            store.Append(Row());
            Assert.That(store.Rows(), Has.Count.EqualTo(1));
        }
        using var raw = new SqliteConnection($"Data Source={path};Pooling=False");
        raw.Open();
        Assert.That(Scalar(raw, "SELECT count(*) FROM runs;"), Is.EqualTo(1));
        Assert.That(Scalar(raw, "SELECT count(*) FROM metrics;"), Is.EqualTo(2));
    }

    [Test]
    public void A_writer_that_dies_before_committing_leaves_nothing_that_the_store_sees()
    {
        using var temp = new TempFolder();
        var path = temp.File("ledger.db");
        using (var store = LedgerStore.Open(path))
        {
            store.Append(Row(n: 100));
        }

        using (var crashed = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            crashed.Open();
            var transaction = crashed.BeginTransaction();
            Execute(crashed, "INSERT INTO runs (run, method, p) VALUES ('ghost', 'lora', 1);", transaction);
            Execute(crashed, "INSERT INTO rows (cell, run, n, l_ft, l_f) VALUES ('ghost@N=1', 'ghost', 1, 1.0, 1.0);", transaction);
            Execute(crashed, "INSERT INTO metrics (cell, name, value) VALUES ('ghost@N=1', 'x', 1.0);", transaction);
            // No commit: the connection goes away with the transaction open, as when a process is killed.
        }

        using var reopened = LedgerStore.Open(path);
        Assert.That(reopened.Contains("ghost@N=1"), Is.False);
        Assert.That(Cells(reopened.Rows()), Is.EqualTo(new[] { "lora-r4-qv@N=100" }));
        reopened.Append(Row("ghost", 1));
        Assert.That(reopened.Where("run=ghost").Single().Method, Is.EqualTo("lora"));
    }

    [Test]
    public void Two_stores_on_one_file_appending_from_two_threads_lose_nothing()
    {
        using var temp = new TempFolder();
        var path = temp.File("ledger.db");
        using var first = LedgerStore.Open(path);
        using var second = LedgerStore.Open(path);
        using var start = new Barrier(2);

        void AppendFifty(LedgerStore store, string run)
        {
            start.SignalAndWait();
            for (int n = 1; n <= 50; n++)
            {
                var row = Row(run, n);
                if (!store.Contains(row.Cell))
                {
                    store.Append(row);
                }

                _ = store.Rows(); // readers interleave with the other writer
            }
        }
        var a = Task.Run(() => AppendFifty(first, "lora-a"));
        var b = Task.Run(() => AppendFifty(second, "lora-b"));
        Task.WaitAll(a, b);

        using var reader = LedgerStore.Open(path);
        var rows = reader.Rows();
        Assert.That(rows, Has.Count.EqualTo(100));
        Assert.That(rows.Count(r => r.Run == "lora-a"), Is.EqualTo(50));
        Assert.That(rows.Where(r => r.Run == "lora-b").Select(r => r.N), Is.EqualTo(Enumerable.Range(1, 50).Select(n => (long)n)));
        Assert.That(rows.All(r => r.Metrics.Count == 2), Is.True);
    }

    [Test]
    public void A_run_keeps_its_method_P_config_and_model_across_checkpoints()
    {
        using var temp = new TempFolder();
        var path = temp.File("ledger.db");
        using var store = LedgerStore.Open(path);
        store.Append(Row(n: 100));

        var method = Assert.Throws<LedgerException>(() => store.Append(Row(n: 200, method: "full")));
        Assert.That(method!.Message, Is.EqualTo($"{path}: cell 'lora-r4-qv@N=200': run 'lora-r4-qv' is recorded with method 'lora', this row says 'full'; every checkpoint of a run shares its method, P, config and model, so record this one under another run name"));
        var p = Assert.Throws<LedgerException>(() => store.Append(Row(n: 200, p: 7)));
        Assert.That(p!.Message, Does.Contain("run 'lora-r4-qv' is recorded with P = 65536, this row says P = 7"));
        var model = Assert.Throws<LedgerException>(() => store.Append(Row(n: 200) with { Model = null }));
        Assert.That(model!.Message, Does.Contain("model 'base1234', this row says (none)"));
        Assert.That(store.Rows(), Has.Count.EqualTo(1));
    }

    [Test]
    public void Values_the_ledger_cannot_hold_are_refused_naming_the_cell_and_the_field()
    {
        using var temp = new TempFolder();
        var path = temp.File("ledger.db");
        using var store = LedgerStore.Open(path);

        Assert.That(Assert.Throws<LedgerException>(() => store.Append(Row(lf: double.NaN)))!.Message,
            Is.EqualTo($"{path}: cell 'lora-r4-qv@N=200': L_f is NaN; the ledger stores finite numbers only (use null for \"not measured\")"));
        Assert.That(Assert.Throws<LedgerException>(() => store.Append(Row(n: -1)))!.Message,
            Does.Contain("cell 'lora-r4-qv@N=-1': N is -1; it counts something, so it must be 0 or more"));
        Assert.That(Assert.Throws<LedgerException>(() => store.Append(Row(method: " ")))!.Message,
            Does.Contain("method is empty"));
        Assert.That(Assert.Throws<LedgerException>(() => store.Append(Row() with { Metrics = new Dictionary<string, double> { ["kl"] = 1 } }))!.Message,
            Does.Contain("metric 'kl' has the name of a ledger column"));
        Assert.That(Assert.Throws<LedgerException>(() => store.Append(Row() with { Config = "" }))!.Message,
            Does.Contain("config is an empty string; use null"));
        Assert.That(store.Rows(), Is.Empty);
    }

    [Test]
    public void Rows_filters_by_method_and_Where_takes_key_value_pairs()
    {
        using var temp = new TempFolder();
        using var store = LedgerStore.Open(temp.File("ledger.db"));
        foreach (var row in Sweep())
        {
            store.Append(row);
        }

        store.Append(Row("lora-r8", 100, p: 131_072) with { Model = "other-base" });

        Assert.That(Cells(store.Rows("full")), Is.EqualTo(new[] { "full@N=50", "full@N=100" }));
        Assert.That(store.Rows("hft"), Is.Empty);
        Assert.That(Cells(store.Where("method=lora")), Is.EqualTo(new[] { "lora-r4-qv@N=100", "lora-r4-qv@N=200", "lora-r4-qv@N=400", "lora-r8@N=100" }));
        Assert.That(Cells(store.Where(" Method = lora , model=other-base ")), Is.EqualTo(new[] { "lora-r8@N=100" }));
        Assert.That(Cells(store.Where("run=full,run=lora-r8")), Is.EqualTo(new[] { "full@N=50", "full@N=100", "lora-r8@N=100" }));
        Assert.That(store.Where(""), Has.Count.EqualTo(6));
        Assert.That(store.Where("corpus=c0ffee"), Has.Count.EqualTo(6));
        Assert.That(store.Where("method=lora,run=full"), Is.Empty);
    }

    [Test]
    public void An_unknown_filter_key_is_an_error_that_lists_the_valid_keys()
    {
        using var temp = new TempFolder();
        using var store = LedgerStore.Open(temp.File("ledger.db"));
        var error = Assert.Throws<LedgerException>(() => store.Where("methd=lora"));
        Assert.That(error!.Message, Is.EqualTo("ledger filter 'methd=lora': unknown key 'methd'; valid keys: method, run, model, corpus"));
    }

    [Test]
    public void A_ledger_of_a_newer_schema_version_is_refused()
    {
        using var temp = new TempFolder();
        var path = temp.File("ledger.db");
        using (LedgerStore.Open(path)) { }
        using (var raw = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            raw.Open();
            Execute(raw, "PRAGMA user_version = 99;");
        }
        var error = Assert.Throws<LedgerException>(() => LedgerStore.Open(path));
        Assert.That(error!.Message, Is.EqualTo($"{path}: ledger schema version 99 was written by a newer RegressionGuard; this one reads versions 1 to {LedgerStore.SchemaVersion}"));
    }

    [Test]
    public void A_database_of_another_application_or_a_file_that_is_no_database_is_refused()
    {
        using var temp = new TempFolder();
        var other = temp.File("other.db");
        using (var raw = new SqliteConnection($"Data Source={other};Pooling=False"))
        {
            raw.Open();
            Execute(raw, "CREATE TABLE people (name TEXT);");
        }
        Assert.That(Assert.Throws<LedgerException>(() => LedgerStore.Open(other))!.Message,
            Is.EqualTo($"{other}: is a SQLite database with tables people but no ledger schema version; it is not a RegressionGuard ledger"));

        var text = temp.File("notes.db");
        File.WriteAllText(text, "these are not the pages of a SQLite database, just text that is long enough to be read as one");
        Assert.That(Assert.Throws<LedgerException>(() => LedgerStore.Open(text))!.Message, Does.StartWith($"{text}: cannot open as a ledger: "));
    }

    [Test]
    public void A_disposed_store_refuses_further_calls()
    {
        using var temp = new TempFolder();
        var store = LedgerStore.Open(temp.File("ledger.db"));
        store.Dispose();
        store.Dispose();
        Assert.Throws<ObjectDisposedException>(() => store.Rows());
        Assert.Throws<ObjectDisposedException>(() => store.Append(Row()));
    }

    [Test]
    public void A_schema_1_ledger_is_migrated_to_schema_2_keeping_its_rows_and_gaining_the_signal_columns()
    {
        // Given a ledger written by schema 1 (the tables of the first migration, user_version 1)
        using var temp = new TempFolder();
        var path = temp.File("ledger.db");
        using (var raw = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            raw.Open();
            Execute(raw, """
                CREATE TABLE runs (run TEXT NOT NULL PRIMARY KEY, method TEXT NOT NULL, p INTEGER NOT NULL, config TEXT, model TEXT) STRICT;
                CREATE TABLE rows (cell TEXT NOT NULL PRIMARY KEY, run TEXT NOT NULL REFERENCES runs(run), n INTEGER NOT NULL,
                    l_ft REAL NOT NULL, l_f REAL NOT NULL, base_entropy REAL, kl REAL, seconds REAL, seconds_per_step REAL,
                    train_tokens INTEGER, corpus TEXT, created_utc TEXT) STRICT;
                CREATE INDEX rows_by_run ON rows(run, n);
                CREATE TABLE metrics (cell TEXT NOT NULL REFERENCES rows(cell), name TEXT NOT NULL, value REAL NOT NULL, PRIMARY KEY (cell, name)) STRICT, WITHOUT ROWID;
                INSERT INTO runs VALUES ('old', 'lora', 100, NULL, NULL);
                INSERT INTO rows (cell, run, n, l_ft, l_f) VALUES ('old@N=5', 'old', 5, 2.5, 0.75);
                PRAGMA application_id = 1380404295;
                PRAGMA user_version = 1;
                """);
        }

        // When it is opened by this build and a row with signals is appended
        using var store = LedgerStore.Open(path);
        store.Append(Row() with { KlTrain = 0.25, DeltaFrobenius = 1.5, DeltaStableRank = 1.25, Intruders = 3 });

        // Then the old row reads back with no signals and the new one with all of them
        var rows = store.Rows().ToDictionary(r => r.Cell);
        Assert.That(rows["old@N=5"].Lf, Is.EqualTo(0.75));
        Assert.That(new object?[] { rows["old@N=5"].KlTrain, rows["old@N=5"].DeltaFrobenius, rows["old@N=5"].DeltaStableRank, rows["old@N=5"].Intruders }, Is.All.Null);
        Assert.That(rows["lora-r4-qv@N=200"], Is.EqualTo(Row() with { KlTrain = 0.25, DeltaFrobenius = 1.5, DeltaStableRank = 1.25, Intruders = 3 }));
        using var check = new SqliteConnection($"Data Source={path};Pooling=False");
        check.Open();
        Assert.That(Scalar(check, "PRAGMA user_version;"), Is.EqualTo(2L));
    }

    static object? Scalar(SqliteConnection connection, string sql)
    {
        using var command = new SqliteCommand(sql, connection);
        var value = command.ExecuteScalar();
        return value is long l && l is >= int.MinValue and <= int.MaxValue ? (int)l : value;
    }

    static void Execute(SqliteConnection connection, string sql, SqliteTransaction? transaction = null)
    {
        using var command = new SqliteCommand(sql, connection, transaction);
        command.ExecuteNonQuery();
    }
}
