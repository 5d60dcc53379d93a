using FluxMap.Storage;

namespace FluxMap.Maintenance;

/// <summary>A key's place in the memory limit's recency list (see <see cref="MemoryLimiter{TKey, TValue}"/>) and the sizes accounted for it.</summary>
internal sealed class LruEntry<TKey, TValue>
{
    private int _referenced;

    internal LruEntry(SkipListNode<TKey, TValue>? node, long nodeBytes)
    {
        Node = node!;
        NodeBytes = nodeBytes;
        Newer = Older = this;
    }

    internal SkipListNode<TKey, TValue> Node { get; }

    /// <summary>The estimated bytes of the node and its key, fixed for the node's life.</summary>
    internal long NodeBytes { get; }

    /// <summary>The estimated bytes of the newest version, as accounted when it was published.</summary>
    internal long HeadBytes { get; set; }

    /// <summary>Whether the entry is in the recency list (live keys are; deleted ones keep their entry, unlinked).</summary>
    internal bool IsLinked => !ReferenceEquals(Newer, this);

    internal LruEntry<TKey, TValue> Newer { get; set; }

    internal LruEntry<TKey, TValue> Older { get; set; }

    /// <summary>Whether the key was read since the evictor last looked at it.</summary>
    internal bool Referenced
    {
        get => Volatile.Read(ref _referenced) != 0;
        set => Volatile.Write(ref _referenced, value ? 1 : 0);
    }

    /// <summary>Marks a read. Lock-free; writes only when the mark is not already set, so hot keys do not bounce a cache line between cores.</summary>
    internal void Touch()
    {
        if (Volatile.Read(ref _referenced) == 0)
        {
            Volatile.Write(ref _referenced, 1);
        }
    }
}
