namespace FluxMap;

/// <summary>What a backup wrote.</summary>
public sealed class BackupResult
{
    /// <summary>Gets the full path of the directory holding the copy.</summary>
    public required string Destination { get; init; }

    /// <summary>
    /// Gets the snapshot the copy holds: exactly the commits whose commit timestamp is at or below
    /// this one (commit timestamps are the log's LSNs, as in <see cref="FluxStatistics.CheckpointLsn"/>).
    /// </summary>
    public long SnapshotTimestamp { get; init; }

    /// <summary>Gets the keys in the copy.</summary>
    public long Keys { get; init; }

    /// <summary>Gets the bytes of encoded keys and values in the copy.</summary>
    public long Bytes { get; init; }
}
