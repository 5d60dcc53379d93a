namespace FluxMap.Storage;

/// <summary>A version whose value expires: invisible from its deadline on, and deleted by the sweeper soon after.</summary>
internal sealed class ExpiringVersion<TValue> : VersionEntry<TValue>
{
    internal ExpiringVersion(long timestamp, TValue value, long deadline, VersionEntry<TValue>? older)
        : base(timestamp, value, isTombstone: false, older) => Deadline = deadline;

    /// <summary>UTC ticks of the database's clock at which the value stops being visible.</summary>
    internal long Deadline { get; }
}
