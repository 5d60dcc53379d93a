using System.Runtime.CompilerServices;
using FluxMap.Storage;

namespace FluxMap.Operations;

/// <summary>
/// Reads every key of one snapshot, with its time-to-live, for a backup or an export: a
/// deferrable read-only transaction, so once its snapshot is safe it traces nothing, can never be
/// aborted and never makes a writer abort; writers go on meanwhile. Vacuum keeps the versions the
/// snapshot sees until it is disposed.
/// </summary>
internal sealed class SnapshotReader<TKey, TValue> : IAsyncDisposable
    where TKey : notnull
{
    private static readonly TransactionOptions Deferrable = new() { ReadOnly = true, Deferrable = true };

    private readonly FluxEngine<TKey, TValue> _engine;
    private readonly FluxTransaction<TKey, TValue> _transaction;

    private SnapshotReader(FluxEngine<TKey, TValue> engine, FluxTransaction<TKey, TValue> transaction)
    {
        _engine = engine;
        _transaction = transaction;
    }

    /// <summary>The commit timestamp the snapshot reads at: it holds exactly the commits up to it.</summary>
    internal long Timestamp => _transaction.Record.Snapshot;

    /// <summary>Takes a snapshot and waits until it is safe (the read-write transactions running at its start have ended).</summary>
    internal static async Task<SnapshotReader<TKey, TValue>> OpenAsync(FluxEngine<TKey, TValue> engine, CancellationToken cancellationToken)
    {
        var transaction = new FluxHandle<TKey, TValue>(engine).BeginTransaction(Deferrable);
        try
        {
            await engine.Transactions.WaitForSafeSnapshotAsync(transaction.Record, cancellationToken).ConfigureAwait(false);
            return new SnapshotReader<TKey, TValue>(engine, transaction);
        }
        catch
        {
            await transaction.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// The keys of <paramref name="range"/> in key order, as the snapshot holds them: keys expired at
    /// the snapshot are left out, values paged out to the data file are read back (not kept in memory).
    /// The values are the stored instances: encode them, never hand them out.
    /// </summary>
    internal async IAsyncEnumerable<SnapshotEntry<TKey, TValue>> ReadAsync(KeyRange<TKey> range, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var comparer = _engine.Keys.Comparer;
        var node = range.HasLower ? _engine.Store.FindFirst(range.Lower!, range.LowerInclusive) : _engine.Store.First;
        for (; node is not null && range.IsBelowUpper(node.Key, comparer); node = node.Next(0))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var version = _transaction.ReadVisible(node, out var value);
            if (version is PagedVersion<TValue> paged)
            {
                (var loaded, value) = await _engine.LoadAsync(paged, (Tx: _transaction, Node: node), static s => s.Tx.ReadVisible(s.Node, out _), cancellationToken)
                    .ConfigureAwait(false);
                if (loaded is not null)
                {
                    yield return new SnapshotEntry<TKey, TValue>(node.Key, value, loaded.ExpiresAt);
                }
            }
            else if (version is not null)
            {
                yield return new SnapshotEntry<TKey, TValue>(node.Key, value, version.ExpiresAt);
            }
        }
    }

    public ValueTask DisposeAsync() => _transaction.DisposeAsync();
}
