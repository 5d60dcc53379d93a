using FluxMap.Storage;

namespace FluxMap.Durability;

/// <summary>
/// One commit on its way to the log: its timestamp (which is also its log sequence number) and its
/// writes, either a transaction's whole workspace or one autocommit write.
/// </summary>
internal sealed class CommitRecord<TKey, TValue>
    where TKey : notnull
{
    private CommitRecord(long timestamp, VersionedSkipList<TKey, TValue>? writes, TKey key, TValue value, bool isDelete, long expiresAt)
    {
        Timestamp = timestamp;
        Writes = writes;
        Key = key;
        Value = value;
        IsDelete = isDelete;
        ExpiresAt = expiresAt;
    }

    internal long Timestamp { get; }

    /// <summary>A committed transaction's workspace (no longer changed by anyone), or null for a single write.</summary>
    internal VersionedSkipList<TKey, TValue>? Writes { get; }

    internal TKey Key { get; }

    internal TValue Value { get; }

    internal bool IsDelete { get; }

    /// <summary>The single write's expiry in UTC ticks, or zero.</summary>
    internal long ExpiresAt { get; }

    /// <summary>Completed once the record is durable; only set where a committer waits for it.</summary>
    internal TaskCompletionSource? Durable { get; set; }

    internal static CommitRecord<TKey, TValue> ForTransaction(long timestamp, VersionedSkipList<TKey, TValue> writes) =>
        new(timestamp, writes, default!, default!, false, 0);

    internal static CommitRecord<TKey, TValue> ForSingle(long timestamp, TKey key, TValue value, bool isDelete, long expiresAt) =>
        new(timestamp, null, key, value, isDelete, expiresAt);
}
