namespace FluxMap.Transactions;

/// <summary>
/// A scanned interval a transaction depends on. It starts as the whole requested range and is
/// narrowed to what the caller actually consumed when the scan stops early.
/// </summary>
internal sealed class RangeTrace<TKey>
    where TKey : notnull
{
    internal RangeTrace(KeyRange<TKey> range) => Range = range;

    internal KeyRange<TKey> Range { get; set; }
}
