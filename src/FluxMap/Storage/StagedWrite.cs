namespace FluxMap.Storage;

/// <summary>
/// One key's pending write in a <see cref="WriteSet{TKey, TValue}"/>: a value (expiring at a UTC
/// tick, or zero for never) or a tombstone. Kept by value in the write set's arrays, so staging a
/// write allocates nothing per key.
/// </summary>
internal readonly record struct StagedWrite<TKey, TValue>(TKey Key, TValue Value, bool IsTombstone, long ExpiresAt);
