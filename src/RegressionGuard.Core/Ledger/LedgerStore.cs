using System.Globalization;
using System.Text;
using Microsoft.Data.Sqlite;

namespace RegressionGuard.Ledger;

/// <summary>
/// The forgetting ledger as an embedded SQLite file: one row per checkpoint of a fine-tuning sweep, appended as the
/// sweep goes, read back to fit the scaling law. The schema (documented in <c>docs/ledger.md</c>) has a <c>runs</c>
/// table (run, method, P, config, model), a <c>rows</c> table (one per cell) and a <c>metrics</c> table
/// (cell, name, value); <c>PRAGMA user_version</c> holds the schema version and <c>PRAGMA application_id</c> marks the
/// file as a ledger.
/// <para>
/// The file is in WAL journal mode with a busy timeout, so several processes (or several stores in one process) can
/// append to it at once: each <see cref="Append"/> is one immediate transaction that waits its turn. One store may be
/// used from several threads; its calls run one at a time.
/// </para>
/// <para>
/// Values read back exactly as appended (doubles bit for bit, times to the tick, as UTC), except that −0 reads back as
/// 0: SQLite keeps no sign of zero.
/// </para>
/// </summary>
public sealed class LedgerStore : IDisposable
{
    /// <summary>The schema version this build writes and the newest it reads.</summary>
    public const int SchemaVersion = 2;

    /// <summary>The <c>PRAGMA application_id</c> of ledger files: the ASCII bytes <c>RGLG</c>.</summary>
    public const int ApplicationId = 0x52474C47;

    /// <summary>How long a call waits for another writer to finish before it fails.</summary>
    public static readonly TimeSpan BusyTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Migrations[v] takes a ledger from schema version v to v + 1.</summary>
    static readonly string[] Migrations =
    [
        """
        CREATE TABLE runs (
            run     TEXT NOT NULL PRIMARY KEY,
            method  TEXT NOT NULL,
            p       INTEGER NOT NULL,
            config  TEXT,
            model   TEXT
        ) STRICT;
        CREATE TABLE rows (
            cell             TEXT NOT NULL PRIMARY KEY,
            run              TEXT NOT NULL REFERENCES runs(run),
            n                INTEGER NOT NULL,
            l_ft             REAL NOT NULL,
            l_f              REAL NOT NULL,
            base_entropy     REAL,
            kl               REAL,
            seconds          REAL,
            seconds_per_step REAL,
            train_tokens     INTEGER,
            corpus           TEXT,
            created_utc      TEXT
        ) STRICT;
        CREATE INDEX rows_by_run ON rows(run, n);
        CREATE TABLE metrics (
            cell   TEXT NOT NULL REFERENCES rows(cell),
            name   TEXT NOT NULL,
            value  REAL NOT NULL,
            PRIMARY KEY (cell, name)
        ) STRICT, WITHOUT ROWID;
        """,
        // 1 → 2: cheap forgetting signals per checkpoint (KL on the fine-tuning data, weight-space diagnostics)
        """
        ALTER TABLE rows ADD COLUMN kl_train REAL;
        ALTER TABLE rows ADD COLUMN dw_frobenius REAL;
        ALTER TABLE rows ADD COLUMN dw_stable_rank REAL;
        ALTER TABLE rows ADD COLUMN intruders INTEGER;
        """,
    ];

    static readonly IReadOnlyDictionary<string, string> FilterColumns = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["method"] = "u.method",
        ["run"] = "r.run",
        ["model"] = "u.model",
        ["corpus"] = "r.corpus",
    };

    readonly SqliteConnection _connection;
    readonly Lock _gate = new();
    bool _disposed;

    LedgerStore(string path, SqliteConnection connection)
    {
        Path = path;
        _connection = connection;
    }

    /// <summary>The ledger file, as given to <see cref="Open"/>.</summary>
    public string Path { get; }

    /// <summary>Test hook: called inside the append transaction after the row and its metrics are written, before the
    /// commit. An exception from it rolls the append back.</summary>
    internal Action<LedgerRow>? BeforeCommit { get; set; }

    /// <summary>
    /// Opens the ledger at <paramref name="path"/>, creating the file (and its folder) when missing and bringing an
    /// older schema up to <see cref="SchemaVersion"/>.
    /// </summary>
    /// <exception cref="LedgerException">The file is not a SQLite database, is another application's database, was
    /// written by a newer RegressionGuard, or cannot be opened for writing.</exception>
    public static LedgerStore Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var full = System.IO.Path.GetFullPath(path);
        if (Directory.Exists(full))
        {
            throw new LedgerException($"{path}: is a folder; give the path of a ledger file such as {System.IO.Path.Combine(path, "ledger.db")}");
        }

        var folder = System.IO.Path.GetDirectoryName(full);
        if (!string.IsNullOrEmpty(folder))
        {
            Directory.CreateDirectory(folder);
        }

        var builder = new SqliteConnectionStringBuilder
        {
            DataSource = full,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
            DefaultTimeout = (int)BusyTimeout.TotalSeconds,
        };
        var connection = new SqliteConnection(builder.ToString());
        try
        {
            connection.Open();
            Execute(connection, $"PRAGMA busy_timeout = {(int)BusyTimeout.TotalMilliseconds};");
            var mode = Convert.ToString(Scalar(connection, "PRAGMA journal_mode = WAL;"), CultureInfo.InvariantCulture);
            if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
            {
                throw new LedgerException($"{path}: could not switch the ledger to WAL journal mode (SQLite kept '{mode}'); keep the ledger on a local file system");
            }

            Execute(connection, "PRAGMA foreign_keys = ON;");
            Migrate(connection, path);
            return new LedgerStore(path, connection);
        }
        catch (SqliteException e)
        {
            connection.Dispose();
            throw new LedgerException($"{path}: cannot open as a ledger: {e.Message}", e);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>Whether a row with this cell key is in the ledger.</summary>
    public bool Contains(string cell)
    {
        ArgumentNullException.ThrowIfNull(cell);
        lock (_gate)
        {
            ThrowIfDisposed();
            using var command = Command("SELECT 1 FROM rows WHERE cell = $cell;");
            command.Parameters.AddWithValue("$cell", cell);
            return Run(() => command.ExecuteScalar()) is not null;
        }
    }

    /// <summary>
    /// Appends one checkpoint, its run (when new) and its metrics in one transaction: either all of it is in the
    /// ledger afterwards or none of it.
    /// </summary>
    /// <exception cref="LedgerException">The cell is already in the ledger (check <see cref="Contains"/> first); the
    /// run is already recorded with a different method, P, config or model; or a value cannot be stored (an empty
    /// name, a negative count, a number that is not finite).</exception>
    public void Append(LedgerRow row)
    {
        ArgumentNullException.ThrowIfNull(row);
        lock (_gate)
        {
            ThrowIfDisposed();
            Check(row);
            Run(() =>
            {
                using var transaction = _connection.BeginTransaction(deferred: false);
                using (var exists = Command("SELECT 1 FROM rows WHERE cell = $cell;", transaction))
                {
                    exists.Parameters.AddWithValue("$cell", row.Cell);
                    if (exists.ExecuteScalar() is not null)
                    {
                        throw new LedgerException($"{Path}: cell '{row.Cell}' is already in the ledger; a cell is appended once (check Contains before appending)");
                    }
                }
                AddOrCheckRun(row, transaction);
                using (var insert = Command(
                    """
                    INSERT INTO rows (cell, run, n, l_ft, l_f, base_entropy, kl, seconds, seconds_per_step, train_tokens, corpus, created_utc,
                                      kl_train, dw_frobenius, dw_stable_rank, intruders)
                    VALUES ($cell, $run, $n, $l_ft, $l_f, $base_entropy, $kl, $seconds, $seconds_per_step, $train_tokens, $corpus, $created_utc,
                            $kl_train, $dw_frobenius, $dw_stable_rank, $intruders);
                    """, transaction))
                {
                    var p = insert.Parameters;
                    p.AddWithValue("$cell", row.Cell);
                    p.AddWithValue("$run", row.Run);
                    p.AddWithValue("$n", row.N);
                    p.AddWithValue("$l_ft", row.LFt);
                    p.AddWithValue("$l_f", row.Lf);
                    p.AddWithValue("$base_entropy", (object?)row.BaseEntropy ?? DBNull.Value);
                    p.AddWithValue("$kl", (object?)row.Kl ?? DBNull.Value);
                    p.AddWithValue("$seconds", (object?)row.Seconds ?? DBNull.Value);
                    p.AddWithValue("$seconds_per_step", (object?)row.SecondsPerStep ?? DBNull.Value);
                    p.AddWithValue("$train_tokens", (object?)row.TrainTokens ?? DBNull.Value);
                    p.AddWithValue("$kl_train", (object?)row.KlTrain ?? DBNull.Value);
                    p.AddWithValue("$dw_frobenius", (object?)row.DeltaFrobenius ?? DBNull.Value);
                    p.AddWithValue("$dw_stable_rank", (object?)row.DeltaStableRank ?? DBNull.Value);
                    p.AddWithValue("$intruders", (object?)row.Intruders ?? DBNull.Value);
                    p.AddWithValue("$corpus", (object?)row.Corpus ?? DBNull.Value);
                    p.AddWithValue("$created_utc", row.CreatedUtc is { } created ? FormatTime(created) : DBNull.Value);
                    insert.ExecuteNonQuery();
                }
                if (row.Metrics.Count > 0)
                {
                    using var metric = Command("INSERT INTO metrics (cell, name, value) VALUES ($cell, $name, $value);", transaction);
                    var cell = metric.Parameters.AddWithValue("$cell", row.Cell);
                    var name = metric.Parameters.AddWithValue("$name", "");
                    var value = metric.Parameters.AddWithValue("$value", 0.0);
                    foreach (var (metricName, metricValue) in row.Metrics.OrderBy(m => m.Key, StringComparer.Ordinal))
                    {
                        name.Value = metricName;
                        value.Value = metricValue;
                        metric.ExecuteNonQuery();
                    }
                }
                BeforeCommit?.Invoke(row);
                transaction.Commit();
                return 0;
            });
        }
    }

    /// <summary>Every row, or those of one method, ordered by run, then N, then cell (ordinal).</summary>
    public IReadOnlyList<LedgerRow> Rows(string? whereMethod = null) => Query(LedgerFilter.ForMethod(whereMethod));

    /// <summary>The rows that pass a filter expression such as <c>method=lora</c> (see <see cref="LedgerFilter"/>),
    /// ordered as <see cref="Rows"/> orders them.</summary>
    /// <exception cref="LedgerException">The expression does not parse; the message lists the valid keys.</exception>
    public IReadOnlyList<LedgerRow> Where(string expression) => Query(LedgerFilter.Parse(expression));

    /// <summary>The rows that pass <paramref name="filter"/>, ordered as <see cref="Rows"/> orders them.</summary>
    public IReadOnlyList<LedgerRow> Query(LedgerFilter filter)
    {
        ArgumentNullException.ThrowIfNull(filter);
        lock (_gate)
        {
            ThrowIfDisposed();
            return Run(() =>
            {
                // One read transaction, so the rows and their metrics come from the same snapshot.
                using var transaction = _connection.BeginTransaction(deferred: true);
                var where = new StringBuilder();
                var parameters = new List<(string Name, string Value)>();
                foreach (var (key, values) in filter.Clauses)
                {
                    where.Append(where.Length == 0 ? " WHERE " : " AND ").Append(FilterColumns[key]).Append(" IN (");
                    for (int i = 0; i < values.Count; i++)
                    {
                        var name = $"$f{parameters.Count}";
                        parameters.Add((name, values[i]));
                        where.Append(i == 0 ? "" : ", ").Append(name);
                    }
                    where.Append(')');
                }

                var metrics = new Dictionary<string, Dictionary<string, double>>(StringComparer.Ordinal);
                using (var command = Command($"SELECT m.cell, m.name, m.value FROM metrics m JOIN rows r ON r.cell = m.cell JOIN runs u ON u.run = r.run{where};", transaction))
                {
                    foreach (var (name, value) in parameters)
                    {
                        command.Parameters.AddWithValue(name, value);
                    }

                    using var reader = command.ExecuteReader();
                    while (reader.Read())
                    {
                        var cell = reader.GetString(0);
                        if (!metrics.TryGetValue(cell, out var of))
                        {
                            metrics[cell] = of = new Dictionary<string, double>(StringComparer.Ordinal);
                        }

                        of[reader.GetString(1)] = reader.GetDouble(2);
                    }
                }

                var rows = new List<LedgerRow>();
                using (var command = Command(
                    $"""
                    SELECT r.cell, r.run, u.method, u.p, r.n, r.l_ft, r.l_f, r.base_entropy, r.kl, r.seconds, r.seconds_per_step,
                           r.train_tokens, u.config, r.corpus, u.model, r.created_utc, r.kl_train, r.dw_frobenius, r.dw_stable_rank, r.intruders
                    FROM rows r JOIN runs u ON u.run = r.run{where}
                    ORDER BY r.run, r.n, r.cell;
                    """, transaction))
                {
                    foreach (var (name, value) in parameters)
                    {
                        command.Parameters.AddWithValue(name, value);
                    }

                    using var reader = command.ExecuteReader();
                    while (reader.Read())
                    {
                        var cell = reader.GetString(0);
                        rows.Add(new LedgerRow
                        {
                            Cell = cell,
                            Run = reader.GetString(1),
                            Method = reader.GetString(2),
                            P = reader.GetInt64(3),
                            N = reader.GetInt64(4),
                            LFt = reader.GetDouble(5),
                            Lf = reader.GetDouble(6),
                            BaseEntropy = reader.IsDBNull(7) ? null : reader.GetDouble(7),
                            Kl = reader.IsDBNull(8) ? null : reader.GetDouble(8),
                            Seconds = reader.IsDBNull(9) ? null : reader.GetDouble(9),
                            SecondsPerStep = reader.IsDBNull(10) ? null : reader.GetDouble(10),
                            TrainTokens = reader.IsDBNull(11) ? null : reader.GetInt64(11),
                            Config = reader.IsDBNull(12) ? null : reader.GetString(12),
                            Corpus = reader.IsDBNull(13) ? null : reader.GetString(13),
                            Model = reader.IsDBNull(14) ? null : reader.GetString(14),
                            CreatedUtc = reader.IsDBNull(15) ? null : ParseTime(reader.GetString(15), cell),
                            KlTrain = reader.IsDBNull(16) ? null : reader.GetDouble(16),
                            DeltaFrobenius = reader.IsDBNull(17) ? null : reader.GetDouble(17),
                            DeltaStableRank = reader.IsDBNull(18) ? null : reader.GetDouble(18),
                            Intruders = reader.IsDBNull(19) ? null : reader.GetInt64(19),
                            Metrics = metrics.TryGetValue(cell, out var of) ? of : new Dictionary<string, double>(StringComparer.Ordinal),
                        });
                    }
                }
                transaction.Commit();
                return (IReadOnlyList<LedgerRow>)rows;
            });
        }
    }

    /// <summary>Closes the file. Further calls throw <see cref="ObjectDisposedException"/>.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _connection.Dispose();
        }
    }

    void AddOrCheckRun(LedgerRow row, SqliteTransaction transaction)
    {
        using var select = Command("SELECT method, p, config, model FROM runs WHERE run = $run;", transaction);
        select.Parameters.AddWithValue("$run", row.Run);
        using (var reader = select.ExecuteReader())
        {
            if (reader.Read())
            {
                var method = reader.GetString(0);
                long p = reader.GetInt64(1);
                var config = reader.IsDBNull(2) ? null : reader.GetString(2);
                var model = reader.IsDBNull(3) ? null : reader.GetString(3);
                string? field =
                    method != row.Method ? $"method '{method}', this row says '{row.Method}'"
                    : p != row.P ? $"P = {p}, this row says P = {row.P}"
                    : config != row.Config ? $"config {Shown(config)}, this row says {Shown(row.Config)}"
                    : model != row.Model ? $"model {Shown(model)}, this row says {Shown(row.Model)}"
                    : null;
                if (field is not null)
                {
                    throw new LedgerException($"{Path}: cell '{row.Cell}': run '{row.Run}' is recorded with {field}; every checkpoint of a run shares its method, P, config and model, so record this one under another run name");
                }

                return;
            }
        }
        using var insert = Command("INSERT INTO runs (run, method, p, config, model) VALUES ($run, $method, $p, $config, $model);", transaction);
        insert.Parameters.AddWithValue("$run", row.Run);
        insert.Parameters.AddWithValue("$method", row.Method);
        insert.Parameters.AddWithValue("$p", row.P);
        insert.Parameters.AddWithValue("$config", (object?)row.Config ?? DBNull.Value);
        insert.Parameters.AddWithValue("$model", (object?)row.Model ?? DBNull.Value);
        insert.ExecuteNonQuery();
    }

    void Check(LedgerRow row)
    {
        string where = row.Cell is { Length: > 0 } ? $"{Path}: cell '{row.Cell}'" : Path;
        void Name(string field, string? value)
        {
            if (string.IsNullOrWhiteSpace(value))
            {
                throw new LedgerException($"{where}: {field} is empty; every row needs a run, a cell and a method");
            }
        }
        void Optional(string field, string? value)
        {
            if (value is { Length: 0 })
            {
                throw new LedgerException($"{where}: {field} is an empty string; use null for \"not recorded\"");
            }
        }
        void Count(string field, long? value)
        {
            if (value < 0)
            {
                throw new LedgerException($"{where}: {field} is {value}; it counts something, so it must be 0 or more");
            }
        }
        void Finite(string field, double? value)
        {
            if (value is { } v && !double.IsFinite(v))
            {
                throw new LedgerException($"{where}: {field} is {v.ToString(CultureInfo.InvariantCulture)}; the ledger stores finite numbers only (use null for \"not measured\")");
            }
        }

        Name("run", row.Run);
        Name("cell", row.Cell);
        Name("method", row.Method);
        Count("P", row.P);
        Count("N", row.N);
        Count("train_tokens", row.TrainTokens);
        Count("intruders", row.Intruders);
        Finite("kl_train", row.KlTrain);
        Finite("dw_frobenius", row.DeltaFrobenius);
        Finite("dw_stable_rank", row.DeltaStableRank);
        Finite("L_ft", row.LFt);
        Finite("L_f", row.Lf);
        Finite("base_entropy", row.BaseEntropy);
        Finite("kl", row.Kl);
        Finite("seconds", row.Seconds);
        Finite("seconds_per_step", row.SecondsPerStep);
        Optional("config", row.Config);
        Optional("corpus", row.Corpus);
        Optional("model", row.Model);
        if (row.Metrics is null)
        {
            throw new LedgerException($"{where}: Metrics is null; use an empty dictionary for a row without suite metrics");
        }

        foreach (var (name, value) in row.Metrics)
        {
            if (string.IsNullOrWhiteSpace(name))
            {
                throw new LedgerException($"{where}: a metric has an empty name; name every metric, e.g. tinystories_facts/acc");
            }

            if (LedgerCsv.IsFixedColumn(name))
            {
                throw new LedgerException($"{where}: metric '{name}' has the name of a ledger column ({string.Join(", ", LedgerCsv.FixedColumns)}); give the metric another name, e.g. suite/{name}");
            }

            if (!double.IsFinite(value))
            {
                throw new LedgerException($"{where}: metric '{name}' is {value.ToString(CultureInfo.InvariantCulture)}; the ledger stores finite numbers only (leave the metric out when it was not measured)");
            }
        }
    }

    static void Migrate(SqliteConnection connection, string path)
    {
        using var transaction = connection.BeginTransaction(deferred: false);
        long application = Convert.ToInt64(Scalar(connection, "PRAGMA application_id;", transaction), CultureInfo.InvariantCulture);
        long version = Convert.ToInt64(Scalar(connection, "PRAGMA user_version;", transaction), CultureInfo.InvariantCulture);
        if (application != 0 && application != ApplicationId)
        {
            throw new LedgerException($"{path}: is a SQLite database of another application (application_id 0x{application:X8}), not a RegressionGuard ledger");
        }

        if (version > SchemaVersion)
        {
            throw new LedgerException($"{path}: ledger schema version {version} was written by a newer RegressionGuard; this one reads versions 1 to {SchemaVersion}");
        }

        if (version == 0)
        {
            var tables = new List<string>();
            using (var command = new SqliteCommand("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name;", connection, transaction))
            using (var reader = command.ExecuteReader())
            {
                while (reader.Read())
                {
                    tables.Add(reader.GetString(0));
                }
            }

            if (tables.Count > 0)
            {
                throw new LedgerException($"{path}: is a SQLite database with tables {string.Join(", ", tables)} but no ledger schema version; it is not a RegressionGuard ledger");
            }

            Execute(connection, $"PRAGMA application_id = {ApplicationId};", transaction);
        }
        for (long v = version; v < SchemaVersion; v++)
        {
            Execute(connection, Migrations[v], transaction);
        }

        if (version != SchemaVersion)
        {
            Execute(connection, $"PRAGMA user_version = {SchemaVersion};", transaction);
        }

        transaction.Commit();
    }

    SqliteCommand Command(string sql, SqliteTransaction? transaction = null) => new(sql, _connection, transaction);

    T Run<T>(Func<T> body)
    {
        try
        {
            return body();
        }
        catch (SqliteException e)
        {
            throw new LedgerException($"{Path}: {e.Message}", e);
        }
    }

    void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);

    static void Execute(SqliteConnection connection, string sql, SqliteTransaction? transaction = null)
    {
        using var command = new SqliteCommand(sql, connection, transaction);
        command.ExecuteNonQuery();
    }

    static object? Scalar(SqliteConnection connection, string sql, SqliteTransaction? transaction = null)
    {
        using var command = new SqliteCommand(sql, connection, transaction);
        return command.ExecuteScalar();
    }

    static string Shown(string? value) => value is null ? "(none)" : value.Length <= 80 ? $"'{value}'" : $"'{value[..77]}...'";

    internal static string FormatTime(DateTimeOffset time) => time.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture);

    DateTimeOffset ParseTime(string text, string cell) =>
        DateTimeOffset.TryParseExact(text, "O", CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var time)
            ? time
            : throw new LedgerException($"{Path}: cell '{cell}': created_utc '{text}' is not an ISO 8601 round-trip time such as 2025-01-31T12:00:00.0000000+00:00");
}
