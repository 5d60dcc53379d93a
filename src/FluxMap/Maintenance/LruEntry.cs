using FluxMap.Storage;

namespace FluxMap.Maintenance;

/// <summary>A live key's place in the memory limit's recency list (see <see cref="MemoryLimiter{TKey, TValue}"/>).</summary>
internal sealed class LruEntry<TKey, TValue>
{
    private int _referenced;

    internal LruEntry(SkipListNode<TKey, TValue>? node)
    {
        Node = node!;
        Newer = Older = this;
    }

    internal SkipListNode<TKey, TValue> Node { get; }

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
