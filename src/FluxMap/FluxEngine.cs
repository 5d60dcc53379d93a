using FluxMap.Storage;
using FluxMap.Transactions;

namespace FluxMap;

/// <summary>The parts one open database is made of, shared by its handles and transactions.</summary>
internal sealed class FluxEngine<TKey, TValue>
    where TKey : notnull
{
    private volatile bool _disposed;

    internal FluxEngine(FluxMapOptions options, KeyOrdering<TKey> keys, TimeProvider timeProvider)
    {
        Keys = keys;
        Store = new VersionedSkipList<TKey, TValue>(keys, indexed: true);
        Transactions = new TransactionManager<TKey, TValue>(Store, keys, options.MaxRetainedTransactions);
        Retry = new RetryPolicy(options, timeProvider);
    }

    internal KeyOrdering<TKey> Keys { get; }

    internal VersionedSkipList<TKey, TValue> Store { get; }

    internal TransactionManager<TKey, TValue> Transactions { get; }

    internal RetryPolicy Retry { get; }

    internal void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, typeof(FluxDatabase<TKey, TValue>));

    internal void Dispose() => _disposed = true;

    /// <summary>The newest version visible to a new snapshot, read without registering a transaction.</summary>
    /// <remarks>
    /// A single read outside a transaction is serializable at any commit point, so it needs no
    /// snapshot registration; the watermark is re-read per version so the answer is always the
    /// newest visible one, even if the chain changes while it is walked.
    /// </remarks>
    internal VersionEntry<TValue>? ReadLatest(TKey key)
    {
        for (var version = Store.Find(key)?.Head; version is not null; version = version.Older)
        {
            if (version.Timestamp <= Volatile.Read(ref Transactions.VisibleTimestampRef))
            {
                return version.IsTombstone ? null : version;
            }
        }

        return null;
    }

    internal KeyRange<TKey> CheckRange(KeyRange<TKey> range)
    {
        if (range.IsEmpty(Keys.Comparer))
        {
            throw new ArgumentException(
                $"The range {range} is empty: its lower bound is above its upper bound. For keys in descending order pass ScanDirection.Reverse.",
                nameof(range));
        }

        return range;
    }
}
