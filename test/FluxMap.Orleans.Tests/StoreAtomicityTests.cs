using FluxMap.Grains;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Transactions.Abstractions;
using OrleansBank;
using static FluxMap.Orleans.Tests.TestClusters;

namespace FluxMap.Orleans.Tests;

/// <summary>
/// The transactional state storage straight: a Store that fails at any step inside its FluxMap
/// transaction leaves exactly the state before it, and the same Store without the failure gives
/// exactly the state after it, never a mix.
/// </summary>
[Collection(nameof(SharedCluster))]
public sealed class StoreAtomicityTests(GrainStorageFixture fixture)
{
    private static readonly DateTime Before = new(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc);
    private static readonly DateTime After = new(2021, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    private string? _failAt;

    private async Task<(FluxGrainDatabaseHost Host, FluxMapTransactionalStateStorage<Balance> Storage)> OpenAsync()
    {
        var services = fixture.Cluster.Silos[0].ServiceProvider;
        var host = new FluxGrainDatabaseHost("atomicity", new FluxMapGrainStorageOptions { Database = new FluxMapOptions() }, services);
        await host.OpenAsync(Ct);
        var storage = new FluxMapTransactionalStateStorage<Balance>(
            host,
            StorageKeys.TransactionalPrefix("balance", GrainId.Create("account", "a")),
            services.GetRequiredService<IGrainStorageSerializer>(),
            new StoreFaultInjector(step =>
            {
                if (step == _failAt)
                {
                    throw new IOException($"Injected failure at '{step}'.");
                }
            }));
        return (host, storage);
    }

    private static PendingTransactionState<Balance> Pending(long sequenceId, long value) => new()
    {
        SequenceId = sequenceId,
        TransactionId = $"tx-{sequenceId}-{value}",
        TimeStamp = Before.AddMinutes(sequenceId),
        State = new Balance { Value = value },
    };

    private static string Describe(TransactionalStorageLoadResponse<Balance> load) =>
        $"etag {load.ETag ?? "-"}; committed {load.CommittedSequenceId}:{load.CommittedState.Value}; metadata {load.Metadata.TimeStamp:O}; " +
        $"pending {string.Join(",", load.PendingStates.Select(p => $"{p.SequenceId}:{p.State.Value}:{p.TransactionId}"))}";

    [Theory]
    [InlineData("aborted")]
    [InlineData("prepared")]
    [InlineData("committed")]
    [InlineData("header")]
    public async Task AFailedStoreLeavesTheOldStateAndTheSameStoreThenGivesTheNewOne(string step)
    {
        var (host, storage) = await OpenAsync();
        await using var _ = host;
        var etag = await storage.Store(null, new TransactionalStateMetaData { TimeStamp = Before }, [Pending(1, 10), Pending(2, 20), Pending(3, 30)], null, null);
        var old = Describe(await storage.Load());

        // Abort 3, prepare 3 again and 4, commit 1, new metadata: every kind of change in one Store.
        Task<string> StoreAsync() => storage.Store(etag, new TransactionalStateMetaData { TimeStamp = After }, [Pending(3, 33), Pending(4, 40)], commitUpTo: 1, abortAfter: 2);
        _failAt = step;
        await Assert.ThrowsAsync<IOException>(StoreAsync);
        Assert.Equal(old, Describe(await storage.Load()));

        _failAt = null;
        var newETag = await StoreAsync();
        Assert.Equal(
            $"etag {newETag}; committed 1:10; metadata {After:O}; pending 2:20:tx-2-20,3:33:tx-3-33,4:40:tx-4-40",
            Describe(await storage.Load()));
    }

    [Fact]
    public async Task AStoreWithAStaleETagChangesNothing()
    {
        var (host, storage) = await OpenAsync();
        await using var _ = host;
        var first = await storage.Store(null, new TransactionalStateMetaData { TimeStamp = Before }, [Pending(1, 10)], null, null);
        await storage.Store(first, new TransactionalStateMetaData { TimeStamp = After }, [], 1, null);
        var current = Describe(await storage.Load());

        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.Store(first, new TransactionalStateMetaData(), [Pending(2, 99)], 2, null));
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.Store(null, new TransactionalStateMetaData(), [], null, null));

        Assert.Equal(current, Describe(await storage.Load()));
    }

    [Fact]
    public async Task CommittingASequenceNeverPreparedIsRefusedWithNothingWritten()
    {
        var (host, storage) = await OpenAsync();
        await using var _ = host;
        var etag = await storage.Store(null, new TransactionalStateMetaData { TimeStamp = Before }, [Pending(1, 10)], null, null);
        var old = Describe(await storage.Load());

        await Assert.ThrowsAsync<InvalidOperationException>(() => storage.Store(etag, new TransactionalStateMetaData(), [], 5, null));

        Assert.Equal(old, Describe(await storage.Load()));
    }

    [Fact]
    public async Task LoadOfANewGrainGivesTheEmptyState()
    {
        var (host, storage) = await OpenAsync();
        await using var _ = host;

        Assert.Equal($"etag -; committed 0:0; metadata {default(DateTime):O}; pending ", Describe(await storage.Load()));
    }
}
