using FluxMap.Storage;

namespace FluxMap.DataFile;

/// <summary>A paged-out version: where in the data file its value is, pinned there until the version leaves its chain.</summary>
internal sealed class PagedRecord<TKey, TValue>(DataFileStore<TKey, TValue> file, TKey key, RecordLocation<TKey> location, long timestamp) : PagedVersion<TValue>(timestamp)
    where TKey : notnull
{
    private int _released;

    internal override ValueTask<TValue> LoadAsync(CancellationToken cancellationToken) => file.ReadValueAsync(key, location, Timestamp, cancellationToken);

    internal override bool IsReleased => Volatile.Read(ref _released) != 0;

    internal override void Release()
    {
        if (Interlocked.Exchange(ref _released, 1) == 0)
        {
            file.Unpin(location);
        }
    }
}
