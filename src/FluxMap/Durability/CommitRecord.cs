using FluxMap.Storage;

namespace FluxMap.Durability;

/// <summary>
/// One commit on its way to the log: its timestamp (which is also its log sequence number), its
/// payload exactly as the committing caller encoded it, and which keys it wrote, in payload order.
/// </summary>
internal sealed class CommitRecord<TKey, TValue>
    where TKey : notnull
{
    private CommitRecord(long timestamp, byte[] payload, TKey[]? keys, TKey key, long outConflict = long.MaxValue)
    {
        OutConflict = outConflict;
        Timestamp = timestamp;
        Payload = payload;
        Keys = keys;
        Key = key;
    }

    internal long Timestamp { get; }

    /// <summary>The MessagePack array of entries, encoded before the commit took its timestamp; never changed after.</summary>
    internal byte[] Payload { get; }

    /// <summary>A transaction's keys, in payload order (its workspace goes back to the transaction, which may reuse it); null for a single write.</summary>
    internal TKey[]? Keys { get; }

    /// <summary>The single write's key.</summary>
    internal TKey Key { get; }

    /// <summary>
    /// The commit timestamp of the earliest transaction this one had a read-write dependency on
    /// when it committed (long.MaxValue for none): a replica told it knows which snapshots this
    /// commit makes unsafe for read-only transactions nobody tracks (the read-only anomaly).
    /// </summary>
    internal long OutConflict { get; }

    /// <summary>Completed once the record is durable; set where a committer waits for it.</summary>
    internal TaskCompletionSource? Durable { get; set; }

    internal static CommitRecord<TKey, TValue> ForTransaction(long timestamp, byte[] payload, WriteSet<TKey, TValue> writes, long outConflict = long.MaxValue) =>
        new(timestamp, payload, writes.CopyKeys(), default!, outConflict);

    internal static CommitRecord<TKey, TValue> ForSingle(long timestamp, byte[] payload, TKey key) =>
        new(timestamp, payload, null, key);
}
