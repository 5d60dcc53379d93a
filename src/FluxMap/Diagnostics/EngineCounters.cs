namespace FluxMap.Diagnostics;

/// <summary>
/// The running totals behind <see cref="FluxStatistics"/> and the "FluxMap" meter. Fields marked
/// "commit lock" change only under it; the others change with Interlocked. Readers take plain
/// 64-bit reads: a snapshot of the figures need not be atomic as a whole.
/// </summary>
internal sealed class EngineCounters
{
    /// <summary>Commits that wrote something (commit lock).</summary>
    internal long Commits;

    /// <summary>Versions held in all chains (commit lock).</summary>
    internal long Versions;

    /// <summary>Keys whose newest version is a value (commit lock).</summary>
    internal long LiveKeys;

    /// <summary>Keys evicted by the memory limit (commit lock).</summary>
    internal long Evictions;

    internal long WriteWriteAborts;

    internal long ReadWriteAborts;

    internal long Retries;

    internal long VacuumRuns;

    internal long VersionsReclaimed;

    internal long KeysReclaimed;

    internal long WalBytes;

    internal long WalSyncs;

    /// <summary>Bytes written to the data file by write-behind flushes and compaction (its writers only).</summary>
    internal long DataFileBytesWritten;

    internal long Checkpoints;

    internal long Compactions;

    /// <summary>Values read back from the data file after being paged out.</summary>
    internal long PagedReads;

    /// <summary>Values dropped from memory because the data file holds them (commit lock).</summary>
    internal long PagedOut;

    /// <summary>Point reads, autocommit and in transactions.</summary>
    internal StripedCounter Reads { get; } = new();

    internal void CountAbort(ConflictReason reason) =>
        Interlocked.Increment(ref reason == ConflictReason.WriteWrite ? ref WriteWriteAborts : ref ReadWriteAborts);
}
