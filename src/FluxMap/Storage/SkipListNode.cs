using System.Diagnostics;
using FluxMap.Maintenance;

namespace FluxMap.Storage;

/// <summary>
/// A key's place in the skip list, the head of its version chain and, embedded, the key's first
/// version (see <see cref="VersionEntry{TValue}"/>): a key written once with no time-to-live is
/// this one object. Level 0 has its own field and only taller nodes (one in four) carry an array
/// for the upper levels, which keeps the common node small.
/// </summary>
internal class SkipListNode<TKey, TValue> : VersionEntry<TValue>
{
    private readonly SkipListNode<TKey, TValue>?[]? _upper;
    private SkipListNode<TKey, TValue>? _next0;

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
    /// every reader treats as "no version at its snapshot". The node itself while its embedded
    /// version is the only one.
    /// </summary>
    internal VersionEntry<TValue>? Head => Newest;

    /// <summary>The node's place in the memory limit's recency list; null when no limit is set.</summary>
    internal LruEntry<TKey, TValue>? Lru => (this as TrackedSkipListNode<TKey, TValue>)?.Entry;

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

    /// <summary>
    /// Prepends a version and forgets the versions no snapshot can reach any more (see
    /// <see cref="Trim"/>). A new node's first version is embedded unless it expires. Callers are
    /// serialized by the commit lock.
    /// </summary>
    /// <returns>The versions cut off, newest first, or null. The caller lets the value of an embedded one go when done with them (<see cref="DropEmbeddedValue"/>).</returns>
    internal VersionEntry<TValue>? Publish(long timestamp, TValue value, bool isTombstone, long expiresAt, long horizon)
    {
        var head = Head;
        if (head is null && (expiresAt == 0 || isTombstone))
        {
            // Written before it is linked: a reader reaches these fields only through the head.
            Embed(timestamp, value, isTombstone);
            Newest = this;
            return null;
        }

        Newest = Create(timestamp, value, isTombstone, expiresAt, head);
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
    /// Lets go of the value of the embedded version, which <see cref="Trim"/> has cut off: only a
    /// reader that found it before the cut can hold it, and such a reader reads without a snapshot
    /// (snapshots keep it in the chain), so it finds the newer version on its next look.
    /// Callers are serialized by the commit lock.
    /// </summary>
    internal void DropEmbeddedValue()
    {
        Debug.Assert(Timestamp <= (Head?.Timestamp ?? 0) && !ReferenceEquals(Head, this), "The embedded version is dropped once it left the chain.");
        DropValue();
    }

    /// <summary>
    /// Swaps the sole version for one holding the same commit with its value elsewhere (paging out
    /// or back in); readers holding a separate old one keep it, readers holding the embedded one
    /// read the chain again. Callers are serialized by the commit lock.
    /// </summary>
    internal void ReplaceHead(VersionEntry<TValue> expected, VersionEntry<TValue> replacement)
    {
        Debug.Assert(ReferenceEquals(Head, expected) && expected.Timestamp == replacement.Timestamp, "Only the current head is replaced, by the same commit.");
        Newest = replacement;
        if (ReferenceEquals(expected, this))
        {
            DropValue();
        }
    }

    /// <summary>Replaces the whole chain with <paramref name="version"/> (at open: a value left in the data file).</summary>
    internal void Overwrite(VersionEntry<TValue> version)
    {
        Debug.Assert(!ReferenceEquals(Head, this), "An embedded head is replaced only where its value is let go or written anew (ReplaceHead, Recover).");
        Newest = version;
    }

    /// <summary>
    /// Replaces the whole chain with one version at open, before anyone reads: the newest version
    /// recovery found, embedded unless it expires.
    /// </summary>
    internal void Recover(long timestamp, TValue value, bool isTombstone, long expiresAt)
    {
        if (expiresAt == 0 || isTombstone)
        {
            Embed(timestamp, value, isTombstone);
            Newest = this;
            return;
        }

        Newest = new ExpiringVersion<TValue>(timestamp, value, expiresAt, null);
        DropValue();
    }

    /// <summary>The newest version at or below <paramref name="snapshot"/>, or null; for its value use the overload that reads it.</summary>
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

    /// <summary>
    /// The newest version at or below <paramref name="snapshot"/>, or null, and its value held in
    /// memory (default for a tombstone or a paged-out version). The version found first may be the
    /// embedded one, paged out meanwhile: the chain is then read again.
    /// </summary>
    internal VersionEntry<TValue>? Read(long snapshot, out TValue value)
    {
        while (true)
        {
            var version = Read(snapshot);
            if (version is null or PagedVersion<TValue>)
            {
                value = default!;
                return version;
            }

            if (version.TryGetValue(out value))
            {
                return version;
            }
        }
    }
}
