using FluxMap.Storage;

namespace FluxMap.Transactions;

/// <summary>
/// What a transaction's read of one key found: whether it holds a value, the value (a copy the
/// caller may keep, or read back from the data file), its deadline (UTC ticks, zero for never),
/// and the paged-out version it came from, if it was one.
/// </summary>
internal readonly record struct SeenValue<TValue>(bool Exists, TValue Value, long ExpiresAt, PagedVersion<TValue>? Paged = null)
{
    /// <summary>A read of the shared store: the version that answered (null for none) and its value.</summary>
    internal static SeenValue<TValue> Of((VersionEntry<TValue>? Version, TValue Value) read) =>
        read.Version is { } version ? new(true, read.Value, version.ExpiresAt, version as PagedVersion<TValue>) : default;
}
