namespace FluxMap.Transactions;

/// <summary>
/// A scanned interval a transaction depends on. It starts as the whole requested range and is
/// narrowed to what the caller actually consumed when the scan stops early. A transaction's
/// ranges link through <see cref="Next"/>, so its trace needs no list of them.
/// </summary>
internal sealed class RangeTrace<TKey>
    where TKey : notnull
{
    internal RangeTrace(KeyRange<TKey> range) => Range = range;

    internal KeyRange<TKey> Range { get; set; }

    /// <summary>The range the transaction scanned before this one (under its trace's lock).</summary>
    internal RangeTrace<TKey>? Next { get; set; }
}
