namespace FluxMap.DataFile;

/// <summary>Takes one key's newest record from the data file at open; keys come in ascending order.</summary>
internal delegate void LoadRecord<in TKey, in TValue>(TKey key, long timestamp, TValue value, long expiresAt);
