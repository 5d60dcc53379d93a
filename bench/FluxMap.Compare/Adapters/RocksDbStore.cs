using RocksDbSharp;

namespace FluxMap.Compare.Adapters;

/// <summary>
/// RocksDB through the RocksDB NuGet binding, tuned as the RocksDB tuning guide suggests for a
/// point-lookup-heavy store: level compaction optimised with a 512 MiB memtable budget,
/// background parallelism for every core, a 10-bit Bloom filter, a 256 MiB LRU block cache and
/// concurrent memtable writes. The write options pick the durability: WAL with sync (strict),
/// WAL without sync (relaxed), or no WAL at all (none). The binding wraps no TransactionDB, so
/// transfers lock both keys and write one atomic WriteBatch.
/// </summary>
internal sealed class RocksDbStore : IStoreAdapter, IStoreSession
{
    private readonly RocksDb _db;
    private readonly WriteOptions _write;
    private readonly StripedLocks _locks = new(1024);
    private Task _settling = Task.CompletedTask;

    private RocksDbStore(RocksDb db, WriteOptions write)
    {
        _db = db;
        _write = write;
    }

    /// <summary>Opens RocksDB in <paramref name="directory"/> with the given durability.</summary>
    public static ValueTask<IStoreAdapter> OpenAsync(string directory, DurabilityClass durability)
    {
        var table = new BlockBasedTableOptions()
            .SetFilterPolicy(BloomFilterPolicy.Create(10, false))
            .SetBlockCache(Cache.CreateLru(256UL << 20))
            .SetCacheIndexAndFilterBlocks(true);
        var options = new DbOptions()
            .SetCreateIfMissing(true)
            .IncreaseParallelism(Environment.ProcessorCount)
            .OptimizeLevelStyleCompaction(512UL << 20)
            .SetAllowConcurrentMemtableWrite(true)
            .SetBlockBasedTableFactory(table);
        var write = new WriteOptions().SetSync(durability == DurabilityClass.Strict);
        if (durability == DurabilityClass.None)
        {
            write.DisableWal(1);
        }

        return new(new RocksDbStore(RocksDb.Open(options, directory), write));
    }

    /// <inheritdoc />
    public IStoreSession CreateSession() => this;

    /// <inheritdoc />
    public ValueTask<byte[]?> GetAsync(byte[] key) => new(_db.Get(key));

    /// <inheritdoc />
    public ValueTask PutAsync(byte[] key, byte[] value)
    {
        _db.Put(key, value, null, _write);
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask DeleteAsync(byte[] key)
    {
        _db.Remove(key, null, _write);
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask<int> ScanAsync(byte[] from, int count)
    {
        var read = 0;
        using var iterator = _db.NewIterator();
        for (iterator.Seek(from); read < count && iterator.Valid(); iterator.Next())
        {
            _ = iterator.Value();
            read++;
        }

        return new(read);
    }

    /// <inheritdoc />
    public ValueTask<TransferOutcome> TransferAsync(byte[] from, byte[] to, long amount)
    {
        _locks.WithBoth(from, to, () =>
        {
            if (Account.TryMove(_db.Get(from), _db.Get(to), amount, out var newFrom, out var newTo))
            {
                using var batch = new WriteBatch();
                batch.Put(from, newFrom);
                batch.Put(to, newTo);
                _db.Write(batch, _write);
            }
        });
        return new(new TransferOutcome(1, Committed: true));
    }

    /// <inheritdoc />
    public ValueTask LoadAsync(IReadOnlyList<KeyValuePair<byte[], byte[]>> batch)
    {
        using var write = new WriteBatch();
        foreach (var (key, value) in batch)
        {
            write.Put(key, value);
        }

        _db.Write(write, _write);
        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// Flushes the memtables and waits for the compactions they and earlier writes set off, in one
    /// <c>rocksdb_wait_for_compact</c> call (the binding wraps it only natively). A wait the caller
    /// gave up on goes on, and the next call joins it rather than starting a second.
    /// </summary>
    public ValueTask SettleAsync(CancellationToken cancellationToken)
    {
        if (_settling.IsCompleted)
        {
            _settling = Task.Run(WaitForCompactions, CancellationToken.None);
        }

        return new(_settling.WaitAsync(cancellationToken));
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        // Closing the database under a native wait that is still running would crash the process.
        await _settling.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _db.Dispose();
    }

    private void WaitForCompactions()
    {
        var native = Native.Instance;
        var options = native.rocksdb_wait_for_compact_options_create();
        try
        {
            native.rocksdb_wait_for_compact_options_set_flush(options, 1);
            native.rocksdb_wait_for_compact(_db.Handle, options);
        }
        finally
        {
            native.rocksdb_wait_for_compact_options_destroy(options);
        }
    }
}
