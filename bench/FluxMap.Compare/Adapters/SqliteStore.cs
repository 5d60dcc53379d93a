using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;

namespace FluxMap.Compare.Adapters;

/// <summary>
/// SQLite through Microsoft.Data.Sqlite, set up as its documentation advises for speed: WAL
/// journal, a WITHOUT ROWID table keyed by the BLOB key, one connection per worker, prepared
/// commands reused for every call, and writes serialized in the process (SQLite admits one
/// writer at a time; left to its busy handler, 64 writers spend their time in its back-off
/// sleeps). <c>synchronous</c> picks the durability:
/// NORMAL syncs only at checkpoints (relaxed), FULL syncs the WAL at every commit (strict).
/// </summary>
internal sealed class SqliteStore : IStoreAdapter
{
    private readonly string _connectionString;
    private readonly string _synchronous;
    private readonly ConcurrentBag<Session> _sessions = [];
    private readonly Lock _writer = new();

    private SqliteStore(string path, string synchronous)
    {
        // Pooling off: each worker keeps its own connection open for the whole run anyway.
        _connectionString = new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString();
        _synchronous = synchronous;
    }

    /// <summary>Creates the database file under <paramref name="directory"/> with <c>PRAGMA synchronous=<paramref name="synchronous"/></c>.</summary>
    public static ValueTask<IStoreAdapter> OpenAsync(string directory, string synchronous)
    {
        var store = new SqliteStore(Path.Combine(directory, "kv.db"), synchronous);
        using var connection = store.Connect();
        using var create = connection.CreateCommand();
        create.CommandText = "PRAGMA journal_mode=WAL; CREATE TABLE IF NOT EXISTS kv (k BLOB PRIMARY KEY, v BLOB NOT NULL) WITHOUT ROWID;";
        create.ExecuteNonQuery();
        return new(store);
    }

    /// <inheritdoc />
    public IStoreSession CreateSession()
    {
        var session = new Session(Connect(), _writer);
        _sessions.Add(session);
        return session;
    }

    /// <summary>
    /// Checkpoints the WAL into the database file and truncates it, so every row starts with an
    /// empty WAL instead of inheriting the previous row's (SQLite's own checkpoints run inside a
    /// commit once the WAL passes 1,000 pages, so they stay part of the rows).
    /// </summary>
    public ValueTask SettleAsync(CancellationToken cancellationToken)
    {
        using var connection = Connect();
        using var checkpoint = connection.CreateCommand();
        checkpoint.CommandText = "PRAGMA wal_checkpoint(TRUNCATE)";
        using var reader = checkpoint.ExecuteReader();
        reader.Read();
        if (reader.GetInt32(0) != 0)
        {
            throw new InvalidOperationException("SQLite's WAL checkpoint was blocked by a reader or writer.");
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        foreach (var session in _sessions)
        {
            session.Dispose();
        }

        return ValueTask.CompletedTask;
    }

    private SqliteConnection Connect()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        using var pragma = connection.CreateCommand();
        // synchronous is a per-connection setting; journal_mode=WAL is stored in the file.
        pragma.CommandText = $"PRAGMA synchronous={_synchronous}; PRAGMA busy_timeout=30000;";
        pragma.ExecuteNonQuery();
        return connection;
    }

    private sealed class Session : IStoreSession, IDisposable
    {
        private readonly SqliteConnection _connection;
        private readonly Lock _writer;
        private readonly SqliteCommand _get;
        private readonly SqliteCommand _put;
        private readonly SqliteCommand _delete;
        private readonly SqliteCommand _scan;
        private readonly SqliteCommand _begin;
        private readonly SqliteCommand _commit;
        private readonly SqliteCommand _rollback;

        public Session(SqliteConnection connection, Lock writer)
        {
            _connection = connection;
            _writer = writer;
            _get = Command("SELECT v FROM kv WHERE k = $k", "$k");
            _put = Command("INSERT INTO kv (k, v) VALUES ($k, $v) ON CONFLICT (k) DO UPDATE SET v = excluded.v", "$k", "$v");
            _delete = Command("DELETE FROM kv WHERE k = $k", "$k");
            _scan = Command("SELECT k, v FROM kv WHERE k >= $k ORDER BY k LIMIT $n", "$k", "$n");
            // IMMEDIATE takes the write lock up front, so two transfers never deadlock upgrading a read lock.
            _begin = Command("BEGIN IMMEDIATE");
            _commit = Command("COMMIT");
            _rollback = Command("ROLLBACK");
        }

        public ValueTask<byte[]?> GetAsync(byte[] key) => new(Get(key));

        public ValueTask PutAsync(byte[] key, byte[] value)
        {
            lock (_writer)
            {
                Put(key, value);
            }

            return ValueTask.CompletedTask;
        }

        public ValueTask DeleteAsync(byte[] key)
        {
            lock (_writer)
            {
                _delete.Parameters[0].Value = key;
                _delete.ExecuteNonQuery();
            }

            return ValueTask.CompletedTask;
        }

        public ValueTask<int> ScanAsync(byte[] from, int count)
        {
            _scan.Parameters[0].Value = from;
            _scan.Parameters[1].Value = count;
            var read = 0;
            using var reader = _scan.ExecuteReader();
            while (reader.Read())
            {
                _ = reader.GetFieldValue<byte[]>(1);
                read++;
            }

            return new(read);
        }

        public ValueTask<TransferOutcome> TransferAsync(byte[] from, byte[] to, long amount)
        {
            var attempts = 0;
            while (true)
            {
                attempts++;
                try
                {
                    InTransaction(() =>
                    {
                        if (Account.TryMove(Get(from), Get(to), amount, out var newFrom, out var newTo))
                        {
                            Put(from, newFrom);
                            Put(to, newTo);
                        }
                    });
                    return new(new TransferOutcome(attempts, Committed: true));
                }
                catch (SqliteException e) when (e.SqliteErrorCode == 5 /* SQLITE_BUSY */)
                {
                    // Past busy_timeout: count it as an aborted attempt and try again.
                }
            }
        }

        public ValueTask LoadAsync(IReadOnlyList<KeyValuePair<byte[], byte[]>> batch)
        {
            InTransaction(() =>
            {
                foreach (var (key, value) in batch)
                {
                    Put(key, value);
                }
            });
            return ValueTask.CompletedTask;
        }

        public void Dispose() => _connection.Dispose();

        private void InTransaction(Action body)
        {
            lock (_writer)
            {
                _begin.ExecuteNonQuery();
                try
                {
                    body();
                    _commit.ExecuteNonQuery();
                }
                catch
                {
                    _rollback.ExecuteNonQuery();
                    throw;
                }
            }
        }

        private byte[]? Get(byte[] key)
        {
            _get.Parameters[0].Value = key;
            return _get.ExecuteScalar() as byte[];
        }

        private void Put(byte[] key, byte[] value)
        {
            _put.Parameters[0].Value = key;
            _put.Parameters[1].Value = value;
            _put.ExecuteNonQuery();
        }

        private SqliteCommand Command(string sql, params string[] parameters)
        {
            var command = _connection.CreateCommand();
            command.CommandText = sql;
            foreach (var name in parameters)
            {
                command.Parameters.Add(new SqliteParameter { ParameterName = name });
            }

            return command;
        }
    }
}
