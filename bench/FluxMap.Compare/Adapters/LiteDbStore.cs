using LiteDB;

namespace FluxMap.Compare.Adapters;

/// <summary>
/// LiteDB 5 as its documentation advises for a shared embedded database: one LiteDatabase in
/// direct mode shared by all threads (it is thread-safe), BsonDocuments with the key as a binary
/// <c>_id</c> (the primary index, no second index), bulk upserts for loading and an explicit
/// transaction per transfer. LiteDB 5 writes each commit to its log file without an fsync (a
/// commit takes microseconds where an fsync here takes a millisecond), so it is relaxed: it
/// survives a process crash, not a power loss, and it offers no setting to sync.
/// Its transactions do not stop lost updates: two concurrent transfers that read the same
/// balance both commit (the harness's balance check caught it), so transfers also take a
/// process-wide lock, as a LiteDB application has to.
/// </summary>
internal sealed class LiteDbStore : IStoreAdapter, IStoreSession
{
    private readonly LiteDatabase _db;
    private readonly ILiteCollection<BsonDocument> _collection;
    private readonly Lock _transfers = new();

    private LiteDbStore(string path)
    {
        _db = new LiteDatabase(new ConnectionString { Filename = path, Connection = ConnectionType.Direct });
        _collection = _db.GetCollection("kv");
    }

    /// <summary>Creates the database file under <paramref name="directory"/>.</summary>
    public static ValueTask<IStoreAdapter> OpenAsync(string directory) => new(new LiteDbStore(Path.Combine(directory, "kv.litedb")));

    /// <inheritdoc />
    public IStoreSession CreateSession() => this;

    /// <inheritdoc />
    public ValueTask<byte[]?> GetAsync(byte[] key) => new(Get(key));

    /// <inheritdoc />
    public ValueTask PutAsync(byte[] key, byte[] value)
    {
        _collection.Upsert(Document(key, value));
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask DeleteAsync(byte[] key)
    {
        _collection.Delete(key);
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask<int> ScanAsync(byte[] from, int count) =>
        new(_collection.Find(Query.GTE("_id", from), 0, count).Count());

    /// <inheritdoc />
    public ValueTask<TransferOutcome> TransferAsync(byte[] from, byte[] to, long amount)
    {
        // LiteDB transactions belong to the calling thread, and this call never leaves it.
        lock (_transfers)
        {
            _db.BeginTrans();
            try
            {
                if (Account.TryMove(Get(from), Get(to), amount, out var newFrom, out var newTo))
                {
                    _collection.Update(Document(from, newFrom));
                    _collection.Update(Document(to, newTo));
                }

                _db.Commit();
            }
            catch
            {
                _db.Rollback();
                throw;
            }
        }

        return new(new TransferOutcome(1, Committed: true));
    }

    /// <inheritdoc />
    public ValueTask LoadAsync(IReadOnlyList<KeyValuePair<byte[], byte[]>> batch)
    {
        _collection.Upsert(batch.Select(entry => Document(entry.Key, entry.Value)));
        return ValueTask.CompletedTask;
    }

    /// <summary>Copies the log file's committed pages into the data file, as LiteDB does itself once the log reaches 1,000 pages, so every row starts with an empty log.</summary>
    public ValueTask SettleAsync(CancellationToken cancellationToken)
    {
        _db.Checkpoint();
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        _db.Dispose();
        return ValueTask.CompletedTask;
    }

    private static BsonDocument Document(byte[] key, byte[] value) => new() { ["_id"] = key, ["v"] = value };

    private byte[]? Get(byte[] key) => _collection.FindById(key)?["v"].AsBinary;
}
