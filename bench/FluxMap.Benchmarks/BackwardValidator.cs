using System.Diagnostics;

namespace FluxMap.Benchmarks;

/// <summary>
/// Plain optimistic concurrency control by backward validation (Kung and Robinson, 1981): a
/// transaction commits only if no key it read was written by a transaction that committed after
/// its snapshot; otherwise it aborts, whoever else read what it writes. Validation and the write
/// phase run in one critical section, so transactions take effect in validation order and the
/// result is serializable, with no test for dangerous structures: every read-write dependency
/// on a commit the transaction did not see aborts it, where SSI aborts only a pivot.
/// </summary>
/// <remarks>
/// The snapshot is a count of committed writers, and each key remembers the count at its last
/// write. Callers take the lock (<see cref="Enter"/>) around their store's own begin and commit,
/// so that a snapshot number and a store snapshot cover the same commits.
/// </remarks>
internal sealed class BackwardValidator<TKey>
    where TKey : notnull
{
    private readonly Lock _gate = new();
    private readonly Dictionary<TKey, long> _lastWritten = [];
    private long _committed;

    /// <summary>Takes the lock under which snapshots are taken, transactions validated and writes published.</summary>
    public Lock.Scope Enter() => _gate.EnterScope();

    /// <summary>The snapshot a transaction beginning now holds: the writers committed so far (under the lock).</summary>
    public long Snapshot
    {
        get
        {
            Debug.Assert(_gate.IsHeldByCurrentThread);
            return _committed;
        }
    }

    /// <summary>
    /// Whether a transaction with <paramref name="snapshot"/> that read <paramref name="reads"/> may
    /// commit: none of those keys was written after the snapshot (under the lock).
    /// </summary>
    public bool IsValid(long snapshot, IEnumerable<TKey> reads)
    {
        Debug.Assert(_gate.IsHeldByCurrentThread);
        foreach (var key in reads)
        {
            if (_lastWritten.TryGetValue(key, out var written) && written > snapshot)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Records a validated transaction's writes as one new commit (under the lock, after the store has published them).</summary>
    public void Committed(IReadOnlyCollection<TKey> writes)
    {
        Debug.Assert(_gate.IsHeldByCurrentThread);
        if (writes.Count == 0)
        {
            return;
        }

        _committed++;
        foreach (var key in writes)
        {
            _lastWritten[key] = _committed;
        }
    }
}
