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
    private readonly LruEntry<TKey, TValue> _list = new(null);
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
        var head = node.Head!;
        var nodeBytes = NodeBytes(node);
        TotalBytes += VersionBytes(head) + (previous is null ? nodeBytes : 0);
        LiveBytes += LiveBytesOf(head, nodeBytes) - LiveBytesOf(previous, nodeBytes);
        if (head.IsTombstone)
        {
            Unlink(node);
        }
        else
        {
            MoveToNewest(node.Lru ??= new LruEntry<TKey, TValue>(node));
        }
    }

    internal void OnTrimmed(VersionEntry<TValue>? dropped)
    {
        for (var version = dropped; version is not null; version = version.Older)
        {
            TotalBytes -= VersionBytes(version);
        }
    }

    /// <summary>Accounts a tombstoned node vacuum unlinked; its chain is the tombstone alone.</summary>
    internal void OnRemoved(SkipListNode<TKey, TValue> node)
    {
        TotalBytes -= NodeBytes(node) + VersionBytes(node.Head!);
        Unlink(node);
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

            Unlink(entry.Node);
            return entry.Node;
        }

        return null;
    }

    private long LiveBytesOf(VersionEntry<TValue>? head, long nodeBytes) =>
        head is { IsTombstone: false } ? nodeBytes + VersionBytes(head) : 0;

    private long NodeBytes(SkipListNode<TKey, TValue> node) => _sizer.NodeBytes(node);

    private long VersionBytes(VersionEntry<TValue> version) => _sizer.VersionBytes(version);

    private void MoveToNewest(LruEntry<TKey, TValue> entry)
    {
        if (ReferenceEquals(entry.Newer, entry))
        {
            _count++;
        }

        Remove(entry);
        entry.Older = _list.Older;
        entry.Newer = _list;
        _list.Older.Newer = entry;
        _list.Older = entry;
    }

    private void Unlink(SkipListNode<TKey, TValue> node)
    {
        if (node.Lru is { } entry)
        {
            Remove(entry);
            node.Lru = null;
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
