using ZoneTree;
using ZoneTree.Comparers;
using ZoneTree.Exceptions;
using ZoneTree.Options;
using ZoneTree.Serializers;
using ZoneTree.Transactional;

namespace FluxMap.Compare.Adapters;

/// <summary>
/// ZoneTree's transactional tree (multi-version, optimistic, Serializable), the mode its README
/// names for coordinated multi-key changes, with the byte-array comparer and serializers and a
/// maintainer for background merges. Relaxed point writes use the tree's autocommit helpers;
/// transactions retry conflicts up to 100 times. Relaxed: the default queued WAL
/// (AsyncCompressed, promoted to AsyncShared); strict: the synchronous WAL and the durable
/// commit methods, which sync before a commit becomes visible.
/// </summary>
internal sealed class ZoneTreeStore : IStoreAdapter, IStoreSession
{
    private const int MaxAttempts = 100;

    private readonly ITransactionalZoneTree<byte[], byte[]> _tree;
    private readonly IMaintainer _maintainer;
    private readonly bool _strict;

    private ZoneTreeStore(ITransactionalZoneTree<byte[], byte[]> tree, bool strict)
    {
        _tree = tree;
        _maintainer = tree.CreateMaintainer();
        _strict = strict;
    }

    /// <summary>Opens a transactional tree in <paramref name="directory"/>.</summary>
    public static ValueTask<IStoreAdapter> OpenAsync(string directory, DurabilityClass durability)
    {
        var strict = durability == DurabilityClass.Strict;
        var tree = new ZoneTreeFactory<byte[], byte[]>()
            .SetComparer(new BytesLexicographicComparerAscending())
            .SetKeySerializer(new BytesSerializer())
            .SetValueSerializer(new BytesSerializer())
            .SetDataDirectory(directory)
            .ConfigureWriteAheadLogOptions(wal => wal.WriteAheadLogMode = strict ? WriteAheadLogMode.Sync : WriteAheadLogMode.AsyncCompressed)
            .OpenOrCreateTransactional();
        return new(new ZoneTreeStore(tree, strict));
    }

    /// <inheritdoc />
    public IStoreSession CreateSession() => this;

    /// <inheritdoc />
    public ValueTask<byte[]?> GetAsync(byte[] key) => new(_tree.TryGet(key, out var value) ? value : null);

    /// <inheritdoc />
    public ValueTask PutAsync(byte[] key, byte[] value)
    {
        if (_strict)
        {
            return Commit(tx => tx.Upsert(key, value));
        }

        // The autocommit helper is the README's fast path for a single write.
        _tree.Upsert(key, value);
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask DeleteAsync(byte[] key)
    {
        if (_strict)
        {
            return Commit(tx => tx.Delete(key));
        }

        _tree.TryDelete(key);
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask<int> ScanAsync(byte[] from, int count)
    {
        using var snapshot = _tree.BeginReadOnlyTransaction();
        using var iterator = snapshot.CreateIterator(new TransactionIteratorOptions());
        iterator.Seek(from);
        var read = 0;
        while (read < count && iterator.Next())
        {
            read++;
        }

        return new(read);
    }

    /// <inheritdoc />
    public async ValueTask<TransferOutcome> TransferAsync(byte[] from, byte[] to, long amount)
    {
        var attempts = 0;
        try
        {
            await Commit(tx =>
            {
                attempts++;
                tx.TryGetForUpdate(from, out var payer);
                tx.TryGetForUpdate(to, out var payee);
                if (Account.TryMove(payer, payee, amount, out var newFrom, out var newTo))
                {
                    tx.Upsert(from, newFrom);
                    tx.Upsert(to, newTo);
                }
            });
            return new TransferOutcome(attempts, Committed: true);
        }
        catch (Exception e) when (e is TransactionConflictException or TransactionAbortedException)
        {
            return new TransferOutcome(attempts, Committed: false);
        }
    }

    /// <inheritdoc />
    public ValueTask LoadAsync(IReadOnlyList<KeyValuePair<byte[], byte[]>> batch) => Commit(tx =>
    {
        foreach (var (key, value) in batch)
        {
            tx.Upsert(key, value);
        }
    });

    /// <summary>Waits for the merges the maintainer is running (ZoneTree's background work).</summary>
    public ValueTask SettleAsync(CancellationToken cancellationToken) =>
        new(_maintainer.WaitForBackgroundThreadsAsync().WaitAsync(cancellationToken));

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        _maintainer.Dispose();
        _tree.Dispose();
        return ValueTask.CompletedTask;
    }

    private async ValueTask Commit(Action<ITransaction<byte[], byte[]>> body)
    {
        // Our own retry loop rather than Execute/ExecuteDurableAsync: the durable helper lets a
        // commit-time conflict escape instead of retrying it.
        for (var attempt = 1; ; attempt++)
        {
            var tx = _tree.BeginTransaction(TransactionIsolationLevel.Serializable);
            try
            {
                body(tx);
                if (_strict)
                {
                    await tx.CommitDurableAsync(CancellationToken.None);
                }
                else
                {
                    tx.Commit();
                }

                return;
            }
            catch (Exception e) when (e is TransactionConflictException or TransactionAbortedException && attempt < MaxAttempts)
            {
                if (tx.State == TransactionState.Active)
                {
                    tx.Rollback();
                }

                // A durable commit holds its keys until its sync lands, so retrying at once only
                // meets the same conflict again: back off with jitter, as FluxMap's own retry does.
                await Task.Delay(TimeSpan.FromMicroseconds(Random.Shared.Next(50, 100 << Math.Min(attempt, 6))));
            }
        }
    }
}
