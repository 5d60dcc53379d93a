namespace FluxMap.Storage;

/// <summary>
/// A version whose value was dropped from memory under a memory limit because the data file holds
/// it; <see cref="LoadAsync"/> reads it back (its <see cref="VersionEntry{TValue}.Value"/> holds nothing).
/// Only a key's sole, non-expiring version is paged out, so the chain stays as it was apart from
/// where the value lives.
/// </summary>
internal abstract class PagedVersion<TValue>(long timestamp) : VersionEntry<TValue>(timestamp, default!, isTombstone: false, older: null)
{
    /// <summary>Reads the value from the data file.</summary>
    internal abstract ValueTask<TValue> LoadAsync(CancellationToken cancellationToken);

    /// <summary>Gets a value indicating whether the version left its chain (<see cref="Release"/> ran).</summary>
    internal abstract bool IsReleased { get; }

    /// <summary>The version left the chain: the data file may reuse the space of its record.</summary>
    internal abstract void Release();
}
