using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace FluxMap.Storage;

/// <summary>
/// One committed version of a key's value. Versions are immutable once published and linked
/// newest first, so a reader that holds a version can follow <see cref="Older"/> without locks;
/// the link is cut only below the oldest snapshot anyone can read at. A version with a
/// time-to-live is an <see cref="ExpiringVersion{TValue}"/>, so the common one pays nothing for it.
/// </summary>
/// <remarks>
/// A key's first version lives in its <see cref="SkipListNode{TKey, TValue}"/>, which derives from
/// this class, so a key written once costs one object. Later versions chain in front of it, and
/// that embedded version is always the oldest of its chain. When it leaves the chain (cut below the
/// horizon, or paged out) the node stays, and so would the value: the node lets the value go
/// instead, and a reader that took the version before that finds out through
/// <see cref="TryGetValue"/> and reads the chain again. Only an embedded version ever drops its value.
/// </remarks>
internal class VersionEntry<TValue>
{
    // Low bits of _stamp. The commit timestamp is stored shifted above them: for a reference-typed
    // value that keeps a separate version at 40 bytes instead of paying padding for flags.
    private const long Tombstone = 1;
    private const long Embedded = 2;
    private const long Dropped = 4;
    private const int FlagBits = 3;

    // Only an embedded version's stamp and value change after construction: set when its node
    // publishes its first version (or recovery writes one), and dropped when it leaves its chain.
    private long _stamp;
    private TValue _value;

    // A separate version: the next older one. A node: the newest version of its key (see
    // SkipListNode.Head), since its own embedded version is always the oldest and needs no link.
    private VersionEntry<TValue>? _link;

    internal VersionEntry(long timestamp, TValue value, bool isTombstone, VersionEntry<TValue>? older)
    {
        _stamp = Stamp(timestamp, isTombstone, 0);
        _value = value;
        _link = older;
    }

    /// <summary>A node's embedded version, published later with <see cref="Embed"/>.</summary>
    private protected VersionEntry()
    {
        _stamp = Embedded;
        _value = default!;
    }

    internal long Timestamp => _stamp >> FlagBits;

    internal bool IsTombstone => (_stamp & Tombstone) != 0;

    /// <summary>Gets a value indicating whether this is a key's first version, held in its skip-list node.</summary>
    internal bool IsEmbedded => (_stamp & Embedded) != 0;

    /// <summary>
    /// Gets the value held in memory, for callers no version can leave a chain under: the commit
    /// lock's holders, recovery, a transaction's own workspace. Lock-free readers use
    /// <see cref="TryGetValue"/>. A paged-out version holds none: its value is read with
    /// <see cref="PagedVersion{TValue}.LoadAsync"/>, never here.
    /// </summary>
    internal TValue Value
    {
        get
        {
            Debug.Assert(this is not PagedVersion<TValue>, "A paged-out version's value lives in the data file: load it with LoadAsync, outside the commit lock.");
            Debug.Assert((_stamp & Dropped) == 0, "An embedded version that left its chain holds no value: read the chain again.");
            return _value;
        }
    }

    internal VersionEntry<TValue>? Older => (_stamp & Embedded) != 0 ? null : Volatile.Read(ref _link);

    /// <summary>When the value expires, in UTC ticks of the database's clock; zero for never.</summary>
    internal long ExpiresAt => this is ExpiringVersion<TValue> expiring ? expiring.Deadline : 0;

    /// <summary>The node's link to its newest version (see <see cref="SkipListNode{TKey, TValue}.Head"/>).</summary>
    private protected VersionEntry<TValue>? Newest
    {
        get => Volatile.Read(ref _link);
        set => Volatile.Write(ref _link, value);
    }

    /// <summary>Creates a version, expiring at <paramref name="expiresAt"/> (UTC ticks) unless it is zero.</summary>
    internal static VersionEntry<TValue> Create(long timestamp, TValue value, bool isTombstone, long expiresAt, VersionEntry<TValue>? older) =>
        expiresAt == 0 || isTombstone
            ? new VersionEntry<TValue>(timestamp, value, isTombstone, older)
            : new ExpiringVersion<TValue>(timestamp, value, expiresAt, older);

    /// <summary>
    /// Reads the value held in memory without locks. False only for an embedded version that left
    /// its chain since the caller found it, and let its value go: the caller reads the chain
    /// again, where a newer version or a paged-out one with the same commit stands instead.
    /// </summary>
    internal bool TryGetValue(out TValue value)
    {
        Debug.Assert(this is not PagedVersion<TValue>, "A paged-out version's value lives in the data file: load it with LoadAsync.");
        value = _value;
        if (!RuntimeHelpers.IsReferenceOrContainsReferences<TValue>())
        {
            // Nothing to let go of, so such a value is never dropped.
            return true;
        }

        // The value before the flag: DropValue sets the flag before it clears the value, so a
        // cleared (or half-cleared) value read here always comes with the flag.
        Volatile.ReadBarrier();
        return (Volatile.Read(ref _stamp) & Dropped) == 0;
    }

    /// <summary>Whether this version holds a value at <paramref name="clock"/> (UTC ticks): not a tombstone and not expired.</summary>
    internal bool IsLiveAt(long clock) => !IsTombstone && (this is not ExpiringVersion<TValue> expiring || expiring.Deadline > clock);

    /// <summary>
    /// Drops every older version. Only safe for the newest version at or below the oldest
    /// snapshot any reader can hold: no reader ever walks past it.
    /// </summary>
    /// <returns>The versions dropped, newest first, or null.</returns>
    internal VersionEntry<TValue>? ForgetOlder() => (_stamp & Embedded) != 0 ? null : Interlocked.Exchange(ref _link, null);

    /// <summary>Makes this embedded version hold a commit; published by linking the node to itself afterwards.</summary>
    private protected void Embed(long timestamp, TValue value, bool isTombstone)
    {
        Debug.Assert(IsEmbedded, "Only a node's own version is written in place.");
        _value = value;
        _stamp = Stamp(timestamp, isTombstone, Embedded);
    }

    /// <summary>
    /// Lets the value of this embedded version go once it has left its chain, so the node that
    /// stays does not keep it alive. Readers that still hold the version see the flag (see <see cref="TryGetValue"/>).
    /// </summary>
    private protected void DropValue()
    {
        Debug.Assert(IsEmbedded, "Only a node's own version outlives its place in the chain.");
        if (RuntimeHelpers.IsReferenceOrContainsReferences<TValue>())
        {
            Volatile.Write(ref _stamp, _stamp | Dropped);
            Volatile.WriteBarrier();
            _value = default!;
        }
    }

    private static long Stamp(long timestamp, bool isTombstone, long flags) => (timestamp << FlagBits) | (isTombstone ? Tombstone : 0) | flags;
}
