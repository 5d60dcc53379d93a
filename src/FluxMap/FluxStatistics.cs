namespace FluxMap;

/// <summary>
/// A snapshot of a database's running totals, the same figures the "FluxMap" meter reports.
/// Counters start at zero when the database opens.
/// </summary>
public sealed class FluxStatistics
{
    /// <summary>Gets the number of keys that hold a value, as of the newest commit (keys whose time-to-live ran out count until the sweeper deletes them).</summary>
    public long Count { get; init; }

    /// <summary>Gets the versions held in all version chains, current ones included.</summary>
    public long Versions { get; init; }

    /// <summary>Gets the point reads (autocommit and in transactions; scans not counted). Counted per processor without atomics, so it may run a little short under heavy concurrency.</summary>
    public long Reads { get; init; }

    /// <summary>Gets the commits that wrote something (autocommit writes included).</summary>
    public long Commits { get; init; }

    /// <summary>Gets the transactions aborted because another committed the same key first.</summary>
    public long WriteWriteAborts { get; init; }

    /// <summary>Gets the transactions aborted to break a dangerous structure of read-write dependencies.</summary>
    public long ReadWriteAborts { get; init; }

    /// <summary>Gets how often <c>TransactionAsync</c> ran a body again after a conflict.</summary>
    public long Retries { get; init; }

    /// <summary>Gets the bytes appended to the write-ahead log; zero in memory.</summary>
    public long WalBytes { get; init; }

    /// <summary>Gets the write-ahead log syncs (fsync).</summary>
    public long WalSyncs { get; init; }

    /// <summary>Gets the commits acknowledged but not yet synced (Relaxed durability's window of loss).</summary>
    public long WalUnsyncedCommits { get; init; }

    /// <summary>Gets the estimated bytes of keys and values the newest commit holds; null unless a memory limit is set.</summary>
    public long? LiveMemoryBytes { get; init; }

    /// <summary>Gets the estimated bytes of all keys and versions, including those kept for running snapshots; null unless a memory limit is set.</summary>
    public long? MemoryBytes { get; init; }

    /// <summary>Gets the memory limit in bytes; zero when there is none.</summary>
    public long MemoryLimit { get; init; }

    /// <summary>Gets the keys evicted by the memory limit.</summary>
    public long Evictions { get; init; }

    /// <summary>Gets the vacuum passes run, on demand and automatic.</summary>
    public long VacuumRuns { get; init; }

    /// <summary>Gets the old versions vacuum and commits have dropped.</summary>
    public long VersionsReclaimed { get; init; }

    /// <summary>Gets the deleted or evicted keys vacuum removed from the index.</summary>
    public long KeysReclaimed { get; init; }

    /// <summary>Gets the bytes the write-ahead log's files take on disk, recycled segments included; zero in memory.</summary>
    public long WalDiskBytes { get; init; }

    /// <summary>Gets the size of the data file; zero without one.</summary>
    public long DataFileBytes { get; init; }

    /// <summary>Gets the bytes of the data file's live records (the rest is reusable or compacted away).</summary>
    public long DataFileLiveBytes { get; init; }

    /// <summary>Gets the bytes write-behind flushes and compaction wrote to the data file.</summary>
    public long DataFileBytesWritten { get; init; }

    /// <summary>Gets the newest checkpoint's LSN: every commit up to it is in the data file, and an open replays the log only after it.</summary>
    public long CheckpointLsn { get; init; }

    /// <summary>Gets the checkpoints taken since the database opened.</summary>
    public long Checkpoints { get; init; }

    /// <summary>Gets the data file compaction rounds that moved records.</summary>
    public long Compactions { get; init; }

    /// <summary>Gets how many times a value left memory for the data file under the memory limit.</summary>
    public long PagedOutValues { get; init; }

    /// <summary>Gets the reads that brought a paged-out value back from the data file.</summary>
    public long PagedReads { get; init; }
}
