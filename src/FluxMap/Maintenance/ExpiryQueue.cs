using FluxMap.Storage;

namespace FluxMap.Maintenance;

/// <summary>
/// Versions with a time-to-live by deadline, for the sweeper; under the commit lock. A version
/// replaced before its deadline leaves a stale entry behind; once stale entries outnumber the
/// rest the queue is rebuilt, so refreshing a key's time-to-live over and over keeps it small.
/// </summary>
internal sealed class ExpiryQueue<TKey, TValue>
{
    private const int RebuildAfterStale = 1024;

    private readonly PriorityQueue<(SkipListNode<TKey, TValue> Node, VersionEntry<TValue> Version), long> _queue = new();
    private int _stale;

    internal int Count => _queue.Count;

    internal void Add(SkipListNode<TKey, TValue> node, ExpiringVersion<TValue> version) => _queue.Enqueue((node, version), version.Deadline);

    /// <summary>Notes that <paramref name="previous"/>, a node's newest version, was just replaced.</summary>
    internal void Replaced(VersionEntry<TValue>? previous)
    {
        if (previous is not ExpiringVersion<TValue>)
        {
            return;
        }

        if (++_stale > RebuildAfterStale && _stale > _queue.Count / 2)
        {
            var current = _queue.UnorderedItems.Where(static e => ReferenceEquals(e.Element.Node.Head, e.Element.Version)).ToList();
            _queue.Clear();
            _queue.EnqueueRange(current);
            _stale = 0;
        }
    }

    /// <summary>
    /// The next node whose newest version has expired by <paramref name="now"/>, taken off the
    /// queue; null when none is left or <paramref name="budget"/> entries (stale ones included) were looked at.
    /// </summary>
    internal SkipListNode<TKey, TValue>? TakeExpired(long now, ref int budget)
    {
        while (budget > 0 && _queue.TryPeek(out var entry, out var deadline) && deadline <= now)
        {
            _queue.Dequeue();
            budget--;
            if (ReferenceEquals(entry.Node.Head, entry.Version))
            {
                // The caller replaces it with a tombstone next, which counts as a replacement.
                _stale--;
                return entry.Node;
            }

            _stale--;
        }

        return null;
    }
}
