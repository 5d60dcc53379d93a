using System.Diagnostics;
using FluxMap.Maintenance;

namespace FluxMap.Storage;

/// <summary>
/// A key's place in the skip list and the head of its version chain. Level 0 has its own field
/// and only taller nodes (one in four) carry an array for the upper levels, which keeps the
/// common node small.
/// </summary>
internal sealed class SkipListNode<TKey, TValue>
{
    private readonly SkipListNode<TKey, TValue>?[]? _upper;
    private SkipListNode<TKey, TValue>? _next0;
    private VersionEntry<TValue>? _head;

    internal SkipListNode(TKey key, int height)
    {
        Key = key;
        _upper = height > 1 ? new SkipListNode<TKey, TValue>?[height - 1] : null;
    }

    internal TKey Key { get; }

    internal int Height => _upper is null ? 1 : _upper.Length + 1;

    /// <summary>
    /// The newest version, committed or (in Full durability) committed but not yet visible; null
    /// while the commit that linked this new node is still publishing its first version, which
    /// every reader treats as "no version at its snapshot".
    /// </summary>
    internal VersionEntry<TValue>? Head => Volatile.Read(ref _head);

    internal SkipListNode<TKey, TValue>? Next(int level) =>
        level == 0 ? Volatile.Read(ref _next0) : Volatile.Read(ref _upper![level - 1]);

    internal void SetNext(int level, SkipListNode<TKey, TValue>? node)
    {
        if (level == 0)
        {
            Volatile.Write(ref _next0, node);
        }
        else
        {
            Volatile.Write(ref _upper![level - 1], node);
        }
    }

    /// <summary>The node's place in the memory limit's recency list; null when no limit is set.</summary>
    internal LruEntry<TKey, TValue>? Lru { get; set; }

    /// <summary>
    /// Prepends a version and forgets the versions no snapshot can reach any more (see
    /// <see cref="Trim"/>). Callers are serialized by the commit lock.
    /// </summary>
    /// <returns>The versions cut off, newest first, or null.</returns>
    internal VersionEntry<TValue>? Publish(long timestamp, TValue value, bool isTombstone, long expiresAt, long horizon)
    {
        Volatile.Write(ref _head, VersionEntry<TValue>.Create(timestamp, value, isTombstone, expiresAt, _head));
        return Trim(horizon);
    }

    /// <summary>
    /// Forgets everything older than the newest version at or below <paramref name="horizon"/>,
    /// the oldest snapshot any reader holds or can still take: no reader can walk past that
    /// version. Callers are serialized by the commit lock.
    /// </summary>
    /// <returns>The versions cut off, newest first, or null.</returns>
    internal VersionEntry<TValue>? Trim(long horizon)
    {
        for (var version = Head; version is not null; version = version.Older)
        {
            if (version.Timestamp <= horizon)
            {
                return version.ForgetOlder();
            }
        }

        return null;
    }

    /// <summary>
    /// Swaps the sole version for one holding the same commit with its value elsewhere (paging out
    /// or back in); readers holding the old one keep it. Callers are serialized by the commit lock.
    /// </summary>
    internal void ReplaceHead(VersionEntry<TValue> expected, VersionEntry<TValue> replacement)
    {
        Debug.Assert(ReferenceEquals(_head, expected) && expected.Timestamp == replacement.Timestamp, "Only the current head is replaced, by the same commit.");
        Volatile.Write(ref _head, replacement);
    }

    /// <summary>
    /// Replaces the whole chain with one version: a transaction's pending write in its private
    /// workspace (timestamp 0), or the replayed newest version at open, when no snapshot exists.
    /// </summary>
    internal void Overwrite(long timestamp, TValue value, bool isTombstone, long expiresAt) =>
        Overwrite(VersionEntry<TValue>.Create(timestamp, value, isTombstone, expiresAt, null));

    /// <summary>Replaces the whole chain with <paramref name="version"/> (at open: a value left in the data file).</summary>
    internal void Overwrite(VersionEntry<TValue> version) => Volatile.Write(ref _head, version);

    /// <summary>The newest version at or below <paramref name="snapshot"/>, or null.</summary>
    internal VersionEntry<TValue>? Read(long snapshot)
    {
        for (var version = Head; version is not null; version = version.Older)
        {
            if (version.Timestamp <= snapshot)
            {
                return version;
            }
        }

        return null;
    }
}
