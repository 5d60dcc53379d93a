namespace FluxMap.Operations;

/// <summary>One key as a snapshot holds it: its value and its time-to-live deadline (UTC ticks; 0 for none).</summary>
internal readonly record struct SnapshotEntry<TKey, TValue>(TKey Key, TValue Value, long ExpiresAt);
