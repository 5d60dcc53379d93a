using FluxMap.Durability;

namespace FluxMap.Replication;

/// <summary>
/// Commits the leader put into one Raft log entry; travels as the entry's context, so the leader's
/// own apply finds the records it already installed. An entry at the same index carrying another
/// term is a different entry: these commits then lost.
/// </summary>
internal sealed class CommitBatch<TKey, TValue>(RaftLogSession<TKey, TValue> session, long term, List<CommitRecord<TKey, TValue>> records, long horizon)
    where TKey : notnull
{
    internal RaftLogSession<TKey, TValue> Session => session;

    internal long Term => term;

    internal List<CommitRecord<TKey, TValue>> Records => records;

    internal long Horizon => horizon;

    /// <summary>Gets a value indicating whether every commit of the batch was acknowledged or failed (they settle together).</summary>
    internal bool IsSettled => records.Count == 0 || records[^1].Durable!.Task.IsCompleted;

    internal void Acknowledge()
    {
        foreach (var record in records)
        {
            record.Durable!.TrySetResult();
        }
    }

    internal void Fail(Exception failure)
    {
        foreach (var record in records)
        {
            record.Durable!.TrySetException(failure);
        }
    }
}
