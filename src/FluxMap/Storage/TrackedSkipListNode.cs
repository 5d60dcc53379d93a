using FluxMap.Maintenance;

namespace FluxMap.Storage;

/// <summary>
/// A node of a store under a memory limit: it also knows its place in the recency list. Only such
/// a store pays for that reference.
/// </summary>
internal sealed class TrackedSkipListNode<TKey, TValue>(TKey key, int height) : SkipListNode<TKey, TValue>(key, height)
{
    /// <summary>Gets or sets the node's place in the memory limit's recency list; set when its key is first accounted.</summary>
    internal LruEntry<TKey, TValue>? Entry { get; set; }
}
