namespace FluxMap.Compare.Adapters;

/// <summary>Every store configuration the harness knows, FluxMap first.</summary>
internal static class StoreCatalog
{
    private const StoreFeatures Full = StoreFeatures.OrderedScan | StoreFeatures.Transactions;

    /// <summary>All of them, in report order.</summary>
    public static IReadOnlyList<StoreDefinition> All { get; } =
    [
        new("fluxmap-inmemory", "FluxMap InMemory", DurabilityClass.None, Full,
            "byte[] keys and values stored and read without copies (AssumeImmutableKeys/Values: the harness never changes an array), one shared handle, autocommit calls; transfers in TransactionAsync (SSI, automatic retry)",
            (_, _) => FluxMapStore.OpenAsync(DurabilityMode.InMemory, "")),
        new("fluxmap-relaxed", "FluxMap Relaxed", DurabilityClass.Relaxed, Full,
            "as InMemory, WAL group commit synced on the first of 10 ms / 1,000 commits / 1 MiB (the defaults), write-behind data file with checkpoints (the default)",
            (dir, _) => FluxMapStore.OpenAsync(DurabilityMode.Relaxed, dir)),
        new("fluxmap-relaxed-paged", "FluxMap Relaxed, 64 MiB", DurabilityClass.Relaxed, Full,
            "as FluxMap Relaxed with MemoryLimit = 64 MiB: past it, values of least recently used keys are paged out to the data file and read back on demand",
            (dir, _) => FluxMapStore.OpenAsync(DurabilityMode.Relaxed, dir, memoryLimit: 64L << 20)),
        new("fluxmap-full", "FluxMap Full", DurabilityClass.Strict, Full,
            "as InMemory, every commit acknowledged after the fsync of its group commit; write-behind data file with checkpoints (the default)",
            (dir, _) => FluxMapStore.OpenAsync(DurabilityMode.Full, dir)),
        new("concurrent-dictionary", "ConcurrentDictionary", DurabilityClass.None, StoreFeatures.InMemoryCeiling,
            "ConcurrentDictionary<byte[], byte[]> presized, content comparer; keys copied on write; no order, no transactions",
            (_, capacity) => ConcurrentDictionaryStore.OpenAsync(capacity)),
        new("sorted-dictionary", "SortedDictionary+lock", DurabilityClass.None, StoreFeatures.Transactions | StoreFeatures.InMemoryCeiling,
            "SortedDictionary<byte[], byte[]> behind one lock (transfers under the lock); it cannot seek, so no scans",
            (_, _) => SortedDictionaryStore.OpenAsync()),
        new("faster", "FASTER KV", DurabilityClass.None, StoreFeatures.InMemoryCeiling,
            "Microsoft.FASTER.Core 2.6.5: SpanByte keys/values, one session per worker, index of keys/4 buckets, all records in memory over a null device, no checkpoints",
            (_, capacity) => FasterStore.OpenAsync(capacity)),
        new("zonetree-relaxed", "ZoneTree tx", DurabilityClass.Relaxed, Full,
            "ZoneTree 2.1.3 transactional tree (Serializable), byte[] comparer/serializers, maintainer; queued WAL (AsyncCompressed→AsyncShared); autocommit helpers for point writes; conflicts retried up to 100 times",
            (dir, _) => ZoneTreeStore.OpenAsync(dir, DurabilityClass.Relaxed)),
        new("zonetree-strict", "ZoneTree tx durable", DurabilityClass.Strict, Full,
            "as ZoneTree tx with the Sync WAL (→Shared) and CommitDurableAsync for every write (sync before visible)",
            (dir, _) => ZoneTreeStore.OpenAsync(dir, DurabilityClass.Strict)),
        new("litedb", "LiteDB", DurabilityClass.Relaxed, Full,
            "LiteDB 5.0.20, one shared LiteDatabase (direct mode; a commit reaches its log file but is not fsynced), BsonDocument with binary _id, bulk Upsert to load, BeginTrans/Commit per transfer under a process-wide lock (its transactions let concurrent read-modify-writes lose updates)",
            (dir, _) => LiteDbStore.OpenAsync(dir)),
        new("sqlite-normal", "SQLite NORMAL", DurabilityClass.Relaxed, Full,
            "Microsoft.Data.Sqlite 10.0.1 (bundled SQLite), WAL, synchronous=NORMAL, WITHOUT ROWID BLOB key, connection per worker, prepared commands, writes serialized in-process, BEGIN IMMEDIATE per transfer",
            (dir, _) => SqliteStore.OpenAsync(dir, "NORMAL")),
        new("sqlite-full", "SQLite FULL", DurabilityClass.Strict, Full,
            "as SQLite NORMAL with synchronous=FULL (WAL synced at every commit)",
            (dir, _) => SqliteStore.OpenAsync(dir, "FULL")),
        new("rocksdb-nowal", "RocksDB no WAL", DurabilityClass.None, Full,
            "RocksDB 11.12 binding: level compaction (512 MiB memtables), parallelism = cores, 10-bit Bloom, 256 MiB LRU cache, concurrent memtable writes; WAL disabled; transfers: key locks + atomic WriteBatch",
            (dir, _) => RocksDbStore.OpenAsync(dir, DurabilityClass.None)),
        new("rocksdb-wal", "RocksDB WAL", DurabilityClass.Relaxed, Full,
            "as RocksDB no WAL, with the WAL written but not synced per write",
            (dir, _) => RocksDbStore.OpenAsync(dir, DurabilityClass.Relaxed)),
        new("rocksdb-wal-sync", "RocksDB WAL sync", DurabilityClass.Strict, Full,
            "as RocksDB WAL, with sync=true per write",
            (dir, _) => RocksDbStore.OpenAsync(dir, DurabilityClass.Strict)),
        new("lmdb-nosync", "LMDB NoSync", DurabilityClass.Relaxed, Full,
            "LightningDB 0.23.1 on liblmdb (system library when the package's does not load): 64 GiB map, NoReadAhead, NoTLS with one reset/renewed read txn per worker, a write txn per write; MDB_NOSYNC",
            (dir, _) => LmdbStore.OpenAsync(dir, DurabilityClass.Relaxed)),
        new("lmdb", "LMDB", DurabilityClass.Strict, Full,
            "as LMDB NoSync with the default flags (sync at every commit)",
            (dir, _) => LmdbStore.OpenAsync(dir, DurabilityClass.Strict)),
    ];
}
