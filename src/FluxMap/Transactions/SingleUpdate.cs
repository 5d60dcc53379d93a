using FluxMap.Storage;

namespace FluxMap.Transactions;

/// <summary>
/// Decides a single-key read-modify-write at the commit point from the key's current version
/// (null when absent or expired) and the clock in UTC ticks (zero unless the current version expires).
/// </summary>
internal delegate SingleWrite<TValue> SingleUpdate<TValue, in TState>(VersionEntry<TValue>? current, long now, TState state);
