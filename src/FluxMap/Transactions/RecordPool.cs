using FluxMap.Storage;

namespace FluxMap.Transactions;

/// <summary>
/// Transaction records for reuse, with their read traces: a begin takes one that both of its
/// holders let go of (see <see cref="TransactionRecord{TKey}.Release"/>), so a transaction's
/// bookkeeping allocates nothing once warm. Past a few spares the collector takes the rest.
/// </summary>
internal sealed class RecordPool<TKey>
    where TKey : notnull
{
    private readonly KeyOrdering<TKey> _keys;
    private readonly SparePool<TransactionRecord<TKey>> _spares = new();

    internal RecordPool(KeyOrdering<TKey> keys) => _keys = keys;

    /// <summary>A record for a transaction just begun (see <see cref="TransactionRecord{TKey}.Start"/>), held by the SSI tracker and the transaction; <paramref name="traced"/> says whether its reads are traced.</summary>
    internal TransactionRecord<TKey> Rent(long id, long snapshot, bool readOnly, bool traced)
    {
        if (_spares.Rent() is not { } record)
        {
            return new(id, snapshot, readOnly, traced ? new ReadTrace<TKey>(_keys) : null);
        }

        record.Start(id, snapshot, readOnly, traced ? record.SpareTrace ?? new ReadTrace<TKey>(_keys) : null);
        return record;
    }

    /// <summary>One holder of <paramref name="record"/> lets go of it; it is never to touch the record again.</summary>
    internal void Release(TransactionRecord<TKey> record)
    {
        if (record.Release())
        {
            _spares.Return(record);
        }
    }
}
