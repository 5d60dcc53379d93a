using FluxMap.Diagnostics;
using FluxMap.Storage;
using FluxMap.Transactions;

namespace FluxMap.Maintenance;

/// <summary>
/// Reclaims what no snapshot can see: versions older than the newest one at or below the horizon
/// (the oldest snapshot any transaction holds or can still take), keys whose newest version is a
/// tombstone at or below it, and committed read sets no running transaction can conflict with.
/// </summary>
/// <remarks>
/// A pass walks the key order in slices, each under the commit lock for a bounded number of keys,
/// and re-finds its place by key between slices, so commits wait at most one slice. Commits trim
/// the chains they write themselves; vacuum catches the keys nobody wrote since a long snapshot
/// ended, and the deletes and evictions.
/// </remarks>
internal sealed class Vacuum<TKey, TValue>
    where TKey : notnull
{
    private const int SliceKeys = 2048;

    private readonly VersionedSkipList<TKey, TValue> _store;
    private readonly VersionInstaller<TKey, TValue> _installer;
    private readonly TransactionManager<TKey, TValue> _transactions;
    private readonly MemoryLimiter<TKey, TValue>? _memory;
    private readonly EngineCounters _counters;

    internal Vacuum(CommitParts<TKey, TValue> parts, TransactionManager<TKey, TValue> transactions)
    {
        _store = parts.Store;
        _installer = parts.Installer;
        _memory = parts.Memory;
        _counters = parts.Counters;
        _transactions = transactions;
    }

    /// <summary>Runs one pass over every key. Passes may overlap: each slice is whole under the lock, so the second only finds less to do.</summary>
    internal async ValueTask<VacuumResult> RunAsync(CancellationToken cancellationToken)
    {
        var tally = new Tally();
        while (!_transactions.Maintain((Vacuum: this, Tally: tally), static (s, horizon) => s.Vacuum.RunSlice(s.Tally, horizon)))
        {
            cancellationToken.ThrowIfCancellationRequested();
            await Task.Yield();
        }

        Interlocked.Increment(ref _counters.VacuumRuns);
        return new VacuumResult
        {
            VersionsReclaimed = tally.Versions,
            KeysRemoved = tally.Keys,
            BytesReclaimed = tally.Bytes,
            TransactionsReleased = tally.Transactions,
        };
    }

    // Under the commit lock. Returns true when the pass has reached the last key.
    private bool RunSlice(Tally tally, long horizon)
    {
        var bytesBefore = _memory?.TotalBytes ?? 0;
        var node = tally.HasResumeKey ? _store.FindFirst(tally.ResumeKey, inclusive: false) : _store.First;
        for (var visited = 0; node is not null && visited < SliceKeys; visited++)
        {
            var next = node.Next(0);
            tally.Versions += _installer.OnTrimmed(node.Trim(horizon));
            if (node.Head is { IsTombstone: true } tombstone && tombstone.Timestamp <= horizon)
            {
                _store.Remove(node);
                _memory?.OnRemoved(node);
                _counters.Versions--;
                _counters.KeysReclaimed++;
                tally.Keys++;
            }

            tally.ResumeKey = node.Key;
            tally.HasResumeKey = true;
            node = next;
        }

        tally.Bytes += bytesBefore - (_memory?.TotalBytes ?? 0);
        if (node is not null)
        {
            return false;
        }

        tally.Transactions += _transactions.ReleaseBookkeeping();
        return true;
    }

    private sealed class Tally
    {
        internal long Versions;
        internal long Keys;
        internal long Bytes;
        internal long Transactions;
        internal bool HasResumeKey;
        internal TKey ResumeKey = default!;
    }
}
