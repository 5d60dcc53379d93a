using FluxMap.Storage;

namespace FluxMap;

/// <summary>
/// What a replicated member needs to have a transaction's reads checked on another member: what
/// it read, and, for each key, the newest version it sees in the shared store. A follower records
/// them; the leader reads them again in a transaction of its own and compares.
/// </summary>
public sealed partial class FluxTransaction<TKey, TValue>
{
    /// <summary>
    /// Runs <paramref name="use"/> on the writes staged so far (null for none) holding the call
    /// slot: a disposal meanwhile then leaves them alone instead of handing them to another transaction.
    /// </summary>
    internal TResult WithWrites<TState, TResult>(TState state, Func<TState, WriteSet<TKey, TValue>?, TResult> use)
    {
        Enter(CancellationToken.None);
        try
        {
            return use(state, _writes);
        }
        finally
        {
            Exit();
        }
    }

    /// <summary>The keys and ranges read from the shared store so far (a scan stopped early counts up to its last key); empty for an untracked read-only transaction.</summary>
    internal (TKey[] Points, KeyRange<TKey>[] Ranges) ReadSet() => Record.Trace?.Copy() ?? ([], []);

    /// <summary>
    /// The newest version of <paramref name="key"/> in the shared store at this transaction's
    /// snapshot, its own writes aside: its commit timestamp (a tombstone's too; 0 when there is
    /// none) and whether it holds a value for this transaction. Counts as a read of the key.
    /// </summary>
    internal (long Stamp, bool Live) ReadStamp(TKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        Enter(CancellationToken.None);
        try
        {
            _record.Trace?.AddPoint(key);
            return _engine.Store.Find(key) is { } node ? Guard(node, static (tx, n) => tx.Stamp(n)) : default;
        }
        finally
        {
            Exit();
        }
    }

    /// <summary>
    /// <see cref="ReadStamp"/> of every key in <paramref name="range"/> that has a version at this
    /// transaction's snapshot, in ascending order. Counts as a scan of the whole range.
    /// </summary>
    internal List<(TKey Key, long Stamp, bool Live)> ReadStamps(KeyRange<TKey> range)
    {
        Enter(CancellationToken.None);
        try
        {
            _record.Trace?.AddRange(range);
            var stamps = new List<(TKey Key, long Stamp, bool Live)>();
            var comparer = _engine.Keys.Comparer;
            var store = _engine.Store;
            for (var node = range.HasLower ? store.FindFirst(range.Lower!, range.LowerInclusive) : store.First;
                 node is not null && range.IsBelowUpper(node.Key, comparer);
                 node = node.Next(0))
            {
                var (stamp, live) = Guard(node, static (tx, n) => tx.Stamp(n));
                if (stamp != 0)
                {
                    stamps.Add((node.Key, stamp, live));
                }
            }

            return stamps;
        }
        finally
        {
            Exit();
        }
    }

    // ReadVisible first: it notes a newer version this transaction cannot see and judges expiry.
    private (long Stamp, bool Live) Stamp(SkipListNode<TKey, TValue> node)
    {
        var live = ReadVisible(node, out _) is not null;
        return (node.Read(_record.Snapshot)?.Timestamp ?? 0, live);
    }
}
