using System.Collections.Concurrent;
using LightningDB;

namespace FluxMap.Compare.Adapters;

/// <summary>
/// LMDB through LightningDB, set up as LMDB's documentation advises for speed: a large map,
/// NoReadAhead for random access, NoThreadLocalStorage so a worker's read transaction can be
/// reset and renewed rather than created per read, and one write transaction per write (LMDB
/// allows one writer at a time). Default flags sync every commit (strict); NoSync leaves
/// syncing to the OS (relaxed: on a journaling file system a crash loses the last commits but
/// keeps the database consistent).
/// </summary>
internal sealed class LmdbStore : IStoreAdapter
{
    private readonly LightningEnvironment _environment;
    private readonly LightningDatabase _database;
    private readonly ConcurrentBag<Session> _sessions = [];

    private LmdbStore(LightningEnvironment environment, LightningDatabase database)
    {
        _environment = environment;
        _database = database;
    }

    /// <summary>Opens an environment in <paramref name="directory"/>.</summary>
    public static ValueTask<IStoreAdapter> OpenAsync(string directory, DurabilityClass durability)
    {
        LmdbNativeLibrary.EnsureLoaded();
        var environment = new LightningEnvironment(directory, new EnvironmentConfiguration { MapSize = 64L << 30, MaxReaders = 512 });
        var flags = EnvironmentOpenFlags.NoThreadLocalStorage | EnvironmentOpenFlags.NoReadAhead;
        if (durability == DurabilityClass.Relaxed)
        {
            flags |= EnvironmentOpenFlags.NoSync;
        }

        environment.Open(flags);
        using var tx = environment.BeginTransaction();
        var database = tx.OpenDatabase(configuration: new DatabaseConfiguration { Flags = DatabaseOpenFlags.Create });
        tx.Commit().ThrowOnError();
        return new(new LmdbStore(environment, database));
    }

    /// <inheritdoc />
    public IStoreSession CreateSession()
    {
        var session = new Session(this);
        _sessions.Add(session);
        return session;
    }

    /// <summary>
    /// Syncs the environment. Under NoSync the commits wait in the kernel's page cache, and its
    /// writeback would otherwise land in a later row (another store's, when several are open); with
    /// the default flags every commit is already synced and this returns at once.
    /// </summary>
    public ValueTask SettleAsync(CancellationToken cancellationToken)
    {
        _environment.Flush(force: true).ThrowOnError();
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        foreach (var session in _sessions)
        {
            session.Dispose();
        }

        _database.Dispose();
        _environment.Dispose();
        return ValueTask.CompletedTask;
    }

    private sealed class Session : IStoreSession, IDisposable
    {
        private readonly LmdbStore _store;
        private readonly LightningTransaction _read;

        public Session(LmdbStore store)
        {
            _store = store;
            _read = store._environment.BeginTransaction(TransactionBeginFlags.ReadOnly);
            _read.Reset();
        }

        public ValueTask<byte[]?> GetAsync(byte[] key)
        {
            _read.Renew().ThrowOnError();
            try
            {
                var (code, _, value) = _read.Get(_store._database, key);
                return new(code == MDBResultCode.Success ? value.CopyToNewArray() : null);
            }
            finally
            {
                _read.Reset();
            }
        }

        public ValueTask PutAsync(byte[] key, byte[] value)
        {
            Write(tx => tx.Put(_store._database, key, value, PutOptions.None).ThrowOnError());
            return ValueTask.CompletedTask;
        }

        public ValueTask DeleteAsync(byte[] key)
        {
            Write(tx => tx.Delete(_store._database, key));
            return ValueTask.CompletedTask;
        }

        public ValueTask<int> ScanAsync(byte[] from, int count)
        {
            _read.Renew().ThrowOnError();
            try
            {
                using var cursor = _read.CreateCursor(_store._database);
                var read = 0;
                if (cursor.SetRange(from) == MDBResultCode.Success)
                {
                    var (code, _, _) = cursor.GetCurrent();
                    while (code == MDBResultCode.Success && ++read < count)
                    {
                        (code, _, _) = cursor.Next();
                    }
                }

                return new(read);
            }
            finally
            {
                _read.Reset();
            }
        }

        public ValueTask<TransferOutcome> TransferAsync(byte[] from, byte[] to, long amount)
        {
            Write(tx =>
            {
                var payer = tx.Get(_store._database, from).value.CopyToNewArray();
                var payee = tx.Get(_store._database, to).value.CopyToNewArray();
                if (Account.TryMove(payer, payee, amount, out var newFrom, out var newTo))
                {
                    tx.Put(_store._database, from, newFrom, PutOptions.None).ThrowOnError();
                    tx.Put(_store._database, to, newTo, PutOptions.None).ThrowOnError();
                }
            });
            return new(new TransferOutcome(1, Committed: true));
        }

        public ValueTask LoadAsync(IReadOnlyList<KeyValuePair<byte[], byte[]>> batch)
        {
            Write(tx =>
            {
                foreach (var (key, value) in batch)
                {
                    tx.Put(_store._database, key, value, PutOptions.None).ThrowOnError();
                }
            });
            return ValueTask.CompletedTask;
        }

        public void Dispose() => _read.Dispose();

        private void Write(Action<LightningTransaction> body)
        {
            using var tx = _store._environment.BeginTransaction();
            body(tx);
            tx.Commit().ThrowOnError();
        }
    }
}
