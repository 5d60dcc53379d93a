using FluxMap.Diagnostics;
using FluxMap.Maintenance;
using FluxMap.Storage;

namespace FluxMap.Transactions;

/// <summary>
/// Under a memory limit with a data file: drops the values of the least recently used keys from
/// memory once the data file holds them, and takes values read back from it in again. Runs under
/// the commit lock, and reads no file there: the data file hands out versions that read back later.
/// </summary>
internal sealed class ValuePager<TKey, TValue>
    where TKey : notnull
{
    private readonly CommitLock _gate;
    private readonly MemoryLimiter<TKey, TValue> _memory;
    private readonly Func<TKey, long, PagedVersion<TValue>?> _pageOut;
    private readonly EngineCounters _counters;

    /// <param name="gate">The commit lock the pager runs under.</param>
    /// <param name="memory">The limit and the keys in recency order.</param>
    /// <param name="pageOut">The data file's version of a key's value at a timestamp, null while it does not hold it yet.</param>
    /// <param name="counters">Where paged-out values are counted.</param>
    internal ValuePager(CommitLock gate, MemoryLimiter<TKey, TValue> memory, Func<TKey, long, PagedVersion<TValue>?> pageOut, EngineCounters counters)
    {
        _gate = gate;
        _memory = memory;
        _pageOut = pageOut;
        _counters = counters;
    }

    /// <summary>
    /// Pages out values of the least recently used keys until live data fits the limit. A key
    /// qualifies once the data file holds its only version; the rest wait for the next flush.
    /// </summary>
    internal void PageOut(long current)
    {
        _gate.AssertHeld();

        // A key the data file does not hold yet (its write is still buffered) stops the round at
        // the oldest end, keeping recency order; the next flush lets it go. A key whose version
        // cannot go (older versions kept for snapshots, a time-to-live) is passed over.
        for (var passed = 0; _memory.IsOverLimit && passed < 64 && _memory.TakeVictim(current) is { } victim;)
        {
            var head = victim.Head!;
            if (head is PagedVersion<TValue> || head.Older is not null || head.ExpiresAt != 0 || head.IsTombstone)
            {
                _memory.Requeue(victim, oldest: false);
                passed++;
            }
            else if (_pageOut(victim.Key, head.Timestamp) is { } paged)
            {
                victim.ReplaceHead(head, paged);
                _memory.OnPagedOut(victim);
                _counters.PagedOut++;
            }
            else
            {
                _memory.Requeue(victim, oldest: true);
                return;
            }
        }
    }

    /// <summary>Puts a value read back from the data file in memory again if its version is still the key's newest.</summary>
    /// <returns>Whether the store now holds <paramref name="value"/>.</returns>
    internal bool PageIn(SkipListNode<TKey, TValue>? node, PagedVersion<TValue> paged, TValue value, long current)
    {
        _gate.AssertHeld();
        if (node is null || !ReferenceEquals(node.Head, paged))
        {
            return false;
        }

        node.ReplaceHead(paged, VersionEntry<TValue>.Create(paged.Timestamp, value, isTombstone: false, 0, null));
        _memory.OnPagedIn(node);
        paged.Release();
        PageOut(current);
        return true;
    }
}
