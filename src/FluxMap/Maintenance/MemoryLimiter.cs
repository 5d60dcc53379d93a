using FluxMap.Storage;

namespace FluxMap.Maintenance;

/// <summary>
/// Accounts the memory of keys and versions and picks what to evict when live data passes the
/// limit. Every method but <see cref="LruEntry{TKey, TValue}.Touch"/> runs under the commit lock.
/// </summary>
/// <remarks>
/// Recency is a list ordered by last write, with reads marking entries instead of moving them
/// (reads take no lock). The evictor takes the oldest entry; a marked one is unmarked and moved
/// to the newest end instead, once (the second-chance approximation of LRU that CLOCK also uses).
/// Each step is O(1), so eviction never scans the map.
/// Live bytes are a key's node and newest version while that version is a value; versions kept
/// for running snapshots and tombstones awaiting vacuum are counted in the total only, so the
/// limit never evicts live keys to make room that only the end of a snapshot can free.
/// </remarks>
internal sealed class MemoryLimiter<TKey, TValue>
{
    private readonly EntrySizer<TKey, TValue> _sizer;
    // The ring's sentinel: newer than the newest entry (its Older) and older than the oldest (its Newer).
    private readonly LruEntry<TKey, TValue> _list = new(null, 0);
    private long _count;

    internal MemoryLimiter(EntrySizer<TKey, TValue> sizer, long limit)
    {
        _sizer = sizer;
        Limit = limit;
    }

    /// <summary>The most live bytes allowed.</summary>
    internal long Limit { get; }

    internal long LiveBytes { get; private set; }

    internal long TotalBytes { get; private set; }

    internal bool IsOverLimit => LiveBytes > Limit;

    /// <summary>Accounts a version published on <paramref name="node"/> whose head was <paramref name="previous"/>.</summary>
    internal void OnPublished(SkipListNode<TKey, TValue> node, VersionEntry<TValue>? previous)
    {
        // The entry lives as long as the node and remembers the sizes it accounted, so a write
        // estimates only its own value.
        var head = node.Head!;
        var tracked = (TrackedSkipListNode<TKey, TValue>)node;
        var entry = tracked.Entry ??= new LruEntry<TKey, TValue>(node, _sizer.NodeBytes(node));
        var headBytes = _sizer.VersionBytes(head);
        TotalBytes += headBytes + (previous is null ? entry.NodeBytes : 0);
        LiveBytes += (head.IsTombstone ? 0 : entry.NodeBytes + headBytes) - (previous is { IsTombstone: false } ? entry.NodeBytes + entry.HeadBytes : 0);
        entry.HeadBytes = headBytes;
        if (head.IsTombstone)
        {
            Unlink(entry);
        }
        else
        {
            MoveToNewest(entry);
        }
    }

    /// <summary>Accounts a key loaded at open; one whose value stayed in the data file waits off the list until read.</summary>
    internal void OnLoaded(SkipListNode<TKey, TValue> node)
    {
        var head = node.Head!;
        var entry = ((TrackedSkipListNode<TKey, TValue>)node).Entry = new LruEntry<TKey, TValue>(node, _sizer.NodeBytes(node)) { HeadBytes = _sizer.VersionBytes(head) };
        TotalBytes += entry.NodeBytes + entry.HeadBytes;
        if (!head.IsTombstone)
        {
            LiveBytes += entry.NodeBytes + entry.HeadBytes;
        }

        if (!head.IsTombstone && head is not PagedVersion<TValue>)
        {
            MoveToNewest(entry);
        }
    }

    internal void OnTrimmed(VersionEntry<TValue>? dropped)
    {
        for (var version = dropped; version is not null; version = version.Older)
        {
            TotalBytes -= _sizer.VersionBytes(version);
            (version as PagedVersion<TValue>)?.Release();
        }
    }

    /// <summary>Accounts a head version whose value went to the data file; the key stays off the list until written or read back.</summary>
    internal void OnPagedOut(SkipListNode<TKey, TValue> node) => Resize(node.Lru!, node.Head!);

    /// <summary>Accounts a value read back into memory: the key is the most recently used.</summary>
    internal void OnPagedIn(SkipListNode<TKey, TValue> node)
    {
        Resize(node.Lru!, node.Head!);
        MoveToNewest(node.Lru!);
    }

    /// <summary>Puts a victim that could not be paged out back, at the oldest end to try it first next time or at the newest.</summary>
    internal void Requeue(SkipListNode<TKey, TValue> node, bool oldest)
    {
        var entry = node.Lru!;
        if (!oldest)
        {
            MoveToNewest(entry);
            return;
        }

        Unlink(entry);
        _count++;
        entry.Newer = _list.Newer;
        entry.Older = _list;
        _list.Newer.Older = entry;
        _list.Newer = entry;
    }

    /// <summary>Accounts a tombstoned node vacuum unlinked; its chain is the tombstone alone.</summary>
    internal void OnRemoved(SkipListNode<TKey, TValue> node)
    {
        var entry = node.Lru!;
        TotalBytes -= entry.NodeBytes + entry.HeadBytes;
        Unlink(entry);
    }

    /// <summary>
    /// The least recently used live key not written by commit <paramref name="current"/>, taken
    /// off the list; null when only such keys are left.
    /// </summary>
    internal SkipListNode<TKey, TValue>? TakeVictim(long current)
    {
        // Two rounds are enough: the first clears every mark it passes.
        for (var steps = 2L * _count; steps >= 0 && !ReferenceEquals(_list.Newer, _list); steps--)
        {
            var entry = _list.Newer;
            if (entry.Referenced || entry.Node.Head!.Timestamp >= current)
            {
                entry.Referenced = false;
                MoveToNewest(entry);
                continue;
            }

            Unlink(entry);
            return entry.Node;
        }

        return null;
    }

    private void Resize(LruEntry<TKey, TValue> entry, VersionEntry<TValue> head)
    {
        var bytes = _sizer.VersionBytes(head);
        LiveBytes += bytes - entry.HeadBytes;
        TotalBytes += bytes - entry.HeadBytes;
        entry.HeadBytes = bytes;
    }

    private void MoveToNewest(LruEntry<TKey, TValue> entry)
    {
        if (!entry.IsLinked)
        {
            _count++;
        }

        Remove(entry);
        entry.Older = _list.Older;
        entry.Newer = _list;
        _list.Older.Newer = entry;
        _list.Older = entry;
    }

    private void Unlink(LruEntry<TKey, TValue> entry)
    {
        if (entry.IsLinked)
        {
            Remove(entry);
            _count--;
        }
    }

    private static void Remove(LruEntry<TKey, TValue> entry)
    {
        entry.Older.Newer = entry.Newer;
        entry.Newer.Older = entry.Older;
        entry.Newer = entry.Older = entry;
    }
}
