using FluxMap.Storage;

namespace FluxMap.Transactions;

/// <summary>
/// Decides a single-key read-modify-write at the commit point from the key's current version
/// (null when absent or expired), its value (default when there is no current version, or when
/// the version is paged out and the update was run as one that does not read values: see
/// <see cref="SingleRead{TValue}"/>) and the clock in UTC ticks (zero unless the current version expires).
/// </summary>
internal delegate SingleWrite<TValue> SingleUpdate<TValue, in TState>(VersionEntry<TValue>? current, TValue value, long now, TState state);
