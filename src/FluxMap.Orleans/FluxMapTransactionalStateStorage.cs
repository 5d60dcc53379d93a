using Orleans.Storage;
using Orleans.Transactions.Abstractions;

namespace FluxMap.Grains;

/// <summary>
/// One grain's transactional state on FluxMap, as keys under the grain's prefix: a header (ETag,
/// committed sequence id, metadata), the committed state, and one record per pending (prepared)
/// state. <see cref="Store"/> is one FluxMap transaction, so it takes effect whole or not at all,
/// which Orleans' contract does not require and the table-based providers cannot give; a failed
/// Store therefore leaves exactly the state the previous Load or Store saw.
/// </summary>
internal sealed class FluxMapTransactionalStateStorage<TState>(
    FluxGrainDatabaseHost host,
    string prefix,
    IGrainStorageSerializer serializer,
    StoreFaultInjector? faults) : ITransactionalStateStorage<TState>
    where TState : class, new()
{
    private readonly string _header = StorageKeys.Header(prefix);
    private readonly string _committed = StorageKeys.Committed(prefix);
    private readonly string _pending = StorageKeys.PendingPrefix(prefix);

    public async Task<TransactionalStorageLoadResponse<TState>> Load() =>
        await host.Database.ReadAsync(LoadAsync).ConfigureAwait(false);

    public async Task<string> Store(
        string? expectedETag,
        TransactionalStateMetaData metadata,
        List<PendingTransactionState<TState>>? statesToPrepare,
        long? commitUpTo,
        long? abortAfter)
    {
        ArgumentNullException.ThrowIfNull(metadata);

        // Serialized before the transaction: a state the serializer cannot write fails with nothing written,
        // and a retried transaction does not serialize again.
        var metadataBytes = serializer.Serialize(metadata).ToArray();
        var prepared = statesToPrepare?.Select(s => (s.SequenceId, Bytes: serializer.Serialize(s).ToArray())).ToList() ?? [];
        var etag = RecordFormat.NewETag();
        return await host.Database.TransactionAsync(
            (tx, ct) => StoreAsync(tx, expectedETag, metadataBytes, prepared, commitUpTo, abortAfter, etag, ct)).ConfigureAwait(false);
    }

    private async ValueTask<TransactionalStorageLoadResponse<TState>> LoadAsync(FluxTransaction<string, byte[]> tx, CancellationToken cancellationToken)
    {
        if (!(await tx.GetAsync(_header, cancellationToken).ConfigureAwait(false)).TryGetValue(out var headerRecord))
        {
            return new TransactionalStorageLoadResponse<TState>();
        }

        var header = TransactionalHeader.Decode(headerRecord);
        var committed = (await tx.GetAsync(_committed, cancellationToken).ConfigureAwait(false)).TryGetValue(out var committedRecord)
            ? Deserialize<PendingTransactionState<TState>>(committedRecord).State
            : new TState();
        var pending = new List<PendingTransactionState<TState>>();
        await foreach (var (key, record) in tx.ScanPrefixAsync(_pending, cancellationToken).ConfigureAwait(false))
        {
            if (StorageKeys.SequenceOf(key) > header.CommittedSequenceId)
            {
                pending.Add(Deserialize<PendingTransactionState<TState>>(record));
            }
        }

        return new TransactionalStorageLoadResponse<TState>(
            header.ETag,
            committed,
            header.CommittedSequenceId,
            Deserialize<TransactionalStateMetaData>(header.Metadata),
            pending);
    }

    // Returns the ETag it stored.
    private async ValueTask<string> StoreAsync(
        FluxTransaction<string, byte[]> tx,
        string? expectedETag,
        byte[] metadata,
        List<(long SequenceId, byte[] Bytes)> prepared,
        long? commitUpTo,
        long? abortAfter,
        string etag,
        CancellationToken cancellationToken)
    {
        var header = (await tx.GetAsync(_header, cancellationToken).ConfigureAwait(false)).TryGetValue(out var headerRecord)
            ? TransactionalHeader.Decode(headerRecord)
            : (TransactionalHeader?)null;
        if (!string.Equals(header?.ETag, expectedETag, StringComparison.Ordinal))
        {
            throw new InconsistentStateException(
                $"The FluxMap transactional state '{prefix}' of provider '{host.Name}' holds ETag '{header?.ETag ?? "(none)"}', " +
                $"the caller had '{expectedETag ?? "(none)"}': load it again.",
                header?.ETag,
                expectedETag);
        }

        var committed = header?.CommittedSequenceId ?? 0;
        var newCommitted = commitUpTo > committed ? commitUpTo.Value : committed;

        // What the store holds now, by sequence id; stored records are the ones to delete.
        var stored = new SortedDictionary<long, byte[]>();
        await foreach (var (key, record) in tx.ScanPrefixAsync(_pending, cancellationToken).ConfigureAwait(false))
        {
            stored[StorageKeys.SequenceOf(key)] = record;
        }

        if (abortAfter is { } abortAbove)
        {
            foreach (var sequenceId in stored.Keys.Where(s => s > abortAbove).ToList())
            {
                await tx.RemoveAsync(StorageKeys.Pending(prefix, sequenceId), cancellationToken).ConfigureAwait(false);
                stored.Remove(sequenceId);
            }
        }

        faults?.At("aborted");
        var states = new SortedDictionary<long, byte[]>(stored);
        foreach (var (sequenceId, bytes) in prepared)
        {
            states[sequenceId] = bytes;
            if (sequenceId > newCommitted)
            {
                await tx.InsertAsync(StorageKeys.Pending(prefix, sequenceId), bytes, cancellationToken).ConfigureAwait(false);
            }
        }

        faults?.At("prepared");
        if (newCommitted > committed)
        {
            if (!states.TryGetValue(newCommitted, out var committedState))
            {
                throw new InvalidOperationException(
                    $"The FluxMap transactional state '{prefix}' of provider '{host.Name}' has no prepared state {newCommitted} to commit.");
            }

            // The pending record's bytes as they are: Load reads the committed record the same way.
            await tx.InsertAsync(_committed, committedState, cancellationToken).ConfigureAwait(false);
            foreach (var sequenceId in stored.Keys.Where(s => s <= newCommitted))
            {
                await tx.RemoveAsync(StorageKeys.Pending(prefix, sequenceId), cancellationToken).ConfigureAwait(false);
            }
        }

        faults?.At("committed");
        await tx.InsertAsync(_header, new TransactionalHeader(etag, newCommitted, metadata).Encode(), cancellationToken).ConfigureAwait(false);
        faults?.At("header");
        return etag;
    }

    private T Deserialize<T>(ReadOnlyMemory<byte> bytes) =>
        serializer.Deserialize<T>(bytes) ?? throw new InvalidDataException($"The FluxMap transactional state '{prefix}' holds a null {typeof(T).Name}.");
}
