using System.Diagnostics;

namespace FluxMap.Storage;

/// <summary>
/// One committed version of a key's value. Versions are immutable once published and linked
/// newest first, so a reader that holds a version can follow <see cref="Older"/> without locks;
/// the link is cut only below the oldest snapshot anyone can read at. A version with a
/// time-to-live is an <see cref="ExpiringVersion{TValue}"/>, so the common one pays nothing for it.
/// </summary>
internal class VersionEntry<TValue>
{
    // Commit timestamp shifted left by one, with the low bit set for a tombstone: keeps the
    // object at 40 bytes for reference-typed values instead of paying padding for a bool.
    private readonly long _stamp;
    private readonly TValue _value;
    private VersionEntry<TValue>? _older;

    internal VersionEntry(long timestamp, TValue value, bool isTombstone, VersionEntry<TValue>? older)
    {
        _stamp = (timestamp << 1) | (isTombstone ? 1L : 0L);
        _value = value;
        _older = older;
    }

    internal long Timestamp => _stamp >> 1;

    internal bool IsTombstone => (_stamp & 1) != 0;

    /// <summary>Gets the value held in memory. A paged-out version holds none: its value is read with <see cref="PagedVersion{TValue}.LoadAsync"/>, never here.</summary>
    internal TValue Value
    {
        get
        {
            Debug.Assert(this is not PagedVersion<TValue>, "A paged-out version's value lives in the data file: load it with LoadAsync, outside the commit lock.");
            return _value;
        }
    }

    internal VersionEntry<TValue>? Older => Volatile.Read(ref _older);

    /// <summary>When the value expires, in UTC ticks of the database's clock; zero for never.</summary>
    internal long ExpiresAt => this is ExpiringVersion<TValue> expiring ? expiring.Deadline : 0;

    /// <summary>Creates a version, expiring at <paramref name="expiresAt"/> (UTC ticks) unless it is zero.</summary>
    internal static VersionEntry<TValue> Create(long timestamp, TValue value, bool isTombstone, long expiresAt, VersionEntry<TValue>? older) =>
        expiresAt == 0 || isTombstone
            ? new VersionEntry<TValue>(timestamp, value, isTombstone, older)
            : new ExpiringVersion<TValue>(timestamp, value, expiresAt, older);

    /// <summary>Whether this version holds a value at <paramref name="clock"/> (UTC ticks): not a tombstone and not expired.</summary>
    internal bool IsLiveAt(long clock) => !IsTombstone && (this is not ExpiringVersion<TValue> expiring || expiring.Deadline > clock);

    /// <summary>
    /// Drops every older version. Only safe for the newest version at or below the oldest
    /// snapshot any reader can hold: no reader ever walks past it.
    /// </summary>
    /// <returns>The versions dropped, newest first, or null.</returns>
    internal VersionEntry<TValue>? ForgetOlder() => Interlocked.Exchange(ref _older, null);
}
