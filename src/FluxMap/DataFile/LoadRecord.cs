using FluxMap.Storage;

namespace FluxMap.DataFile;

/// <summary>
/// Takes one key's newest record from the data file at open; keys come in ascending order. With
/// <paramref name="paged"/> the value stayed in the file and the version reads it back.
/// </summary>
internal delegate void LoadRecord<in TKey, TValue>(TKey key, long timestamp, TValue value, long expiresAt, PagedVersion<TValue>? paged);
