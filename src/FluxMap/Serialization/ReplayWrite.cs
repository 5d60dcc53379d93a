namespace FluxMap.Serialization;

/// <summary>Applies one replayed write: its commit, key, value (default for a delete), whether it deletes, and its expiry in UTC ticks (zero for none).</summary>
internal delegate void ReplayWrite<in TKey, in TValue>(long lsn, TKey key, TValue value, bool isDelete, long expiresAt);
