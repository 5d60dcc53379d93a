namespace FluxMap;

/// <summary>How far a backup has come, reported after each batch of keys it wrote.</summary>
public sealed class BackupProgress
{
    /// <summary>Gets the keys written so far.</summary>
    public long KeysWritten { get; init; }

    /// <summary>Gets the bytes of encoded keys and values written so far.</summary>
    public long BytesWritten { get; init; }

    /// <summary>Gets the number of live keys when the backup began: an estimate of the total (commits go on meanwhile).</summary>
    public long EstimatedKeys { get; init; }
}
