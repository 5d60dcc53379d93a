namespace FluxMap;

/// <summary>What one vacuum pass reclaimed.</summary>
public sealed class VacuumResult
{
    /// <summary>Gets the old versions no snapshot could see any more that were dropped.</summary>
    public long VersionsReclaimed { get; init; }

    /// <summary>Gets the deleted (or evicted) keys removed from the ordered index.</summary>
    public long KeysRemoved { get; init; }

    /// <summary>Gets the estimated bytes freed; zero unless a memory limit is set.</summary>
    public long BytesReclaimed { get; init; }

    /// <summary>Gets the committed transactions whose read sets no running transaction can conflict with any more, released.</summary>
    public long TransactionsReleased { get; init; }
}
