using FluxMap.Diagnostics;
using FluxMap.Maintenance;
using FluxMap.Storage;

namespace FluxMap.Transactions;

/// <summary>
/// Puts versions into the store's chains and keeps what hangs off them exact: the version and
/// live-key counts, the memory limit's accounting and the time-to-live sweeper's queue. Every
/// version reaches the store here (or, from recovery, is accounted here), all under the commit lock.
/// </summary>
internal sealed class VersionInstaller<TKey, TValue>
    where TKey : notnull
{
    private readonly CommitLock _gate;
    private readonly CommitClock _clock;
    private readonly EngineCounters _counters;
    private readonly MemoryLimiter<TKey, TValue>? _memory;
    private readonly ExpiryQueue<TKey, TValue> _expiring = new();

    internal VersionInstaller(CommitLock gate, CommitClock clock, EngineCounters counters, MemoryLimiter<TKey, TValue>? memory)
    {
        _gate = gate;
        _clock = clock;
        _counters = counters;
        _memory = memory;
    }

    /// <summary>Entries in the sweeper's queue, stale ones included (under the commit lock).</summary>
    internal int QueuedExpiries
    {
        get
        {
            _gate.AssertHeld();
            return _expiring.Count;
        }
    }

    /// <summary>Makes a version committed at <paramref name="commit"/> the newest of <paramref name="node"/>, trimming what <paramref name="horizon"/> lets go.</summary>
    internal void Install(SkipListNode<TKey, TValue> node, long commit, TValue value, bool isTombstone, long expiresAt, long horizon)
    {
        _gate.AssertHeld();
        var previous = node.Head;
        var dropped = node.Publish(commit, value, isTombstone, expiresAt, horizon);
        _expiring.Replaced(previous);
        TrackExpiry(node, node.Head!);
        _counters.Versions++;
        _counters.LiveKeys += (isTombstone ? 0 : 1) - (previous is { IsTombstone: false } ? 1 : 0);
        _memory?.OnPublished(node, previous);
        OnTrimmed(dropped);
    }

    /// <summary>
    /// The next key whose newest version has expired by <paramref name="now"/>, off the sweeper's
    /// queue; null when none is left or <paramref name="budget"/> entries were looked at (under the commit lock).
    /// </summary>
    internal SkipListNode<TKey, TValue>? TakeExpired(long now, ref int budget)
    {
        _gate.AssertHeld();
        return _expiring.TakeExpired(now, ref budget);
    }

    /// <summary>
    /// Counts and accounts versions cut off a chain, then lets go of the value of the oldest if it
    /// is embedded in its node, which stays (under the commit lock); vacuum calls this for what it trims.
    /// </summary>
    /// <returns>How many versions were dropped.</returns>
    internal long OnTrimmed(VersionEntry<TValue>? dropped)
    {
        _gate.AssertHeld();
        var count = 0L;
        var oldest = dropped;
        for (var version = dropped; version is not null; version = version.Older)
        {
            count++;
            oldest = version;
        }

        _counters.Versions -= count;
        _counters.VersionsReclaimed += count;

        // Accounting sizes the values first.
        _memory?.OnTrimmed(dropped);
        (oldest as SkipListNode<TKey, TValue>)?.DropEmbeddedValue();
        return count;
    }

    /// <summary>Accounts the versions recovery wrote straight into <paramref name="store"/>: one per key.</summary>
    internal void AccountRecovered(VersionedSkipList<TKey, TValue> store)
    {
        using (_gate.Enter())
        {
            for (var node = store.First; node is not null; node = node.Next(0))
            {
                var head = node.Head!;
                _counters.Versions++;
                _counters.LiveKeys += head.IsTombstone ? 0 : 1;
                TrackExpiry(node, head);
                _memory?.OnLoaded(node);
            }
        }
    }

    private void TrackExpiry(SkipListNode<TKey, TValue> node, VersionEntry<TValue> version)
    {
        if (version is ExpiringVersion<TValue> expiring)
        {
            _clock.NoteTimeToLive();
            _expiring.Add(node, expiring);
        }
    }
}
