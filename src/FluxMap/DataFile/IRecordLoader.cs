using FluxMap.Storage;

namespace FluxMap.DataFile;

/// <summary>Takes the data file's live records at open: how many come, then one record per key in ascending key order.</summary>
internal interface IRecordLoader<in TKey, TValue>
{
    /// <summary>Called once before the first record with the number of keys that follow.</summary>
    void Reserve(int keys);

    /// <summary>One key's newest record. With <paramref name="paged"/> the value stayed in the file and the version reads it back.</summary>
    void Load(TKey key, long timestamp, TValue value, long expiresAt, PagedVersion<TValue>? paged);
}
