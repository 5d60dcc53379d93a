using static FluxMap.Tests.Fixture;

namespace FluxMap.Tests;

/// <summary>The durability promises under failed writes, failed syncs and power loss.</summary>
public sealed class FaultInjectionTests
{
    private const string Dir = "/faulty/db";

    private static FluxMapOptions Options(DurabilityMode mode) => new()
    {
        Durability = mode,
        DataDirectory = Dir,
        WalSegmentSize = 64 * 1024,
        RetryBaseDelay = TimeSpan.Zero,
        FlushInterval = TimeSpan.FromHours(1),
    };

    private static ValueTask<FluxDatabase<string, int>> OpenAsync(FaultyStorage storage, DurabilityMode mode = DurabilityMode.Full) =>
        FluxDatabase.CreateBuilder<string, int>().WithOptions(Options(mode)).WithStorage(storage).OpenAsync(Ct);

    private static async Task<Dictionary<string, int>> ContentAsync(FluxDatabase<string, int> db) =>
        (await db.CreateHandle().ScanAsync(KeyRange<string>.All, cancellationToken: Ct).ToListAsync()).ToDictionary(p => p.Key, p => p.Value);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_failed_write_or_sync_fails_the_commit_and_every_later_one_while_reads_go_on(bool failSync)
    {
        var storage = new FaultyStorage();
        await using var db = await OpenAsync(storage);
        var handle = db.CreateHandle();
        await handle.InsertAsync("before", 1, Ct);

        storage.FailSyncs = failSync;
        storage.FailWrites = !failSync;
        var failed = await Assert.ThrowsAsync<FluxMapIOException>(async () => await handle.InsertAsync("lost", 2, Ct));
        Assert.Contains("no longer accepts commits", failed.Message, StringComparison.Ordinal);

        storage.FailSyncs = storage.FailWrites = false;
        await Assert.ThrowsAsync<FluxMapIOException>(async () => await handle.InsertAsync("later", 3, Ct));
        await Assert.ThrowsAsync<FluxMapIOException>(async () => await handle.TransactionAsync(async (tx, ct) => await tx.InsertAsync("later", 3, ct), Ct));
        Assert.Equal(1, await handle.ValueAsync("before"));
        Assert.False(await handle.ContainsKeyAsync("lost", Ct));
        Assert.Equal("before", await handle.ScanAsync(KeyRange<string>.All, cancellationToken: Ct).KeysAsync());
    }

    [Fact]
    public async Task In_Full_mode_a_commit_is_invisible_until_it_is_synced()
    {
        var storage = new FaultyStorage();
        using var gate = new ManualResetEventSlim(false);
        await using var db = await OpenAsync(storage);
        var handle = db.CreateHandle();
        storage.SyncGate = gate;

        var commit = handle.InsertAsync("k", 1, Ct).AsTask();
        Assert.False(commit.IsCompleted);
        Assert.False(await handle.ContainsKeyAsync("k", Ct));
        await using (var tx = handle.BeginTransaction(new TransactionOptions { ReadOnly = true }))
        {
            Assert.False(await tx.ContainsKeyAsync("k", Ct));
        }

        gate.Set();
        await commit;
        Assert.True(await handle.ContainsKeyAsync("k", Ct));
    }

    [Fact]
    public async Task Concurrent_Full_commits_share_syncs()
    {
        var storage = new FaultyStorage();
        using var gate = new ManualResetEventSlim(false);
        await using var db = await OpenAsync(storage);
        var handle = db.CreateHandle();
        storage.SyncGate = gate;
        var syncsBefore = storage.Syncs;

        var first = handle.InsertAsync("first", 0, Ct).AsTask();
        var rest = Enumerable.Range(0, 63).Select(i => handle.InsertAsync($"k{i}", i, Ct).AsTask()).ToList();
        gate.Set();
        await first;
        await Task.WhenAll(rest);

        // Whatever the first batch held, its sync was held back while the rest queued: they go out together.
        Assert.InRange(storage.Syncs - syncsBefore, 1, 2);
        Assert.Equal(64, (await ContentAsync(db)).Count);
    }

    [Fact]
    public async Task Power_loss_in_Full_mode_keeps_every_acknowledged_transaction_whole()
    {
        for (var round = 0; round < 5; round++)
        {
            var storage = new FaultyStorage();
            var acknowledged = new System.Collections.Concurrent.ConcurrentBag<int>();
            var db = await OpenAsync(storage);
            var handle = db.CreateHandle();
            var stop = new CancellationTokenSource();
            var writers = Enumerable.Range(0, 8).Select(w => Task.Run(
                async () =>
                {
                    for (var i = w; !stop.IsCancellationRequested; i += 8)
                    {
                        try
                        {
                            await handle.TransactionAsync(
                                async (tx, ct) =>
                                {
                                    await tx.InsertAsync($"a{i:D6}", i, ct);
                                    await tx.InsertAsync($"b{i:D6}", -i, ct);
                                },
                                Ct);
                            acknowledged.Add(i);
                        }
                        catch (FluxMapIOException)
                        {
                            return;
                        }
                    }
                },
                Ct)).ToList();

            while (acknowledged.Count < 50 * (round + 1))
            {
                await Task.Yield();
            }

            // Everything acknowledged before the power goes must survive it.
            var acknowledgedBeforeLoss = acknowledged.ToArray();
            var recovered = storage.CloneDurable();
            await stop.CancelAsync();
            await Task.WhenAll(writers);
            await db.DisposeAsync();

            await using var reopened = await OpenAsync(recovered);
            var content = await ContentAsync(reopened);
            Assert.True(content.Count % 2 == 0, "a transaction was torn");
            foreach (var (key, value) in content.Where(p => p.Key[0] == 'a'))
            {
                Assert.Equal(-value, content["b" + key[1..]]);
            }

            Assert.All(acknowledgedBeforeLoss, i => Assert.Equal(i, content[$"a{i:D6}"]));
        }
    }

    [Fact]
    public async Task Power_loss_in_Relaxed_mode_keeps_a_prefix_of_the_commit_order()
    {
        var storage = new FaultyStorage();
        var options = Options(DurabilityMode.Relaxed);
        options.FlushAfterCommits = 7;
        await using var db = await FluxDatabase.CreateBuilder<string, int>().WithOptions(options).WithStorage(storage).OpenAsync(Ct);
        var handle = db.CreateHandle();
        var snapshots = new List<FaultyStorage>();
        for (var i = 0; i < 120; i++)
        {
            await handle.InsertAsync($"k{i:D4}", i, Ct);
            if (i % 13 == 0)
            {
                snapshots.Add(storage.CloneDurable());
            }
        }

        foreach (var snapshot in snapshots)
        {
            await using var reopened = await FluxDatabase.CreateBuilder<string, int>().WithOptions(options).WithStorage(snapshot).OpenAsync(Ct);
            var keys = (await ContentAsync(reopened)).Keys.Order().ToList();
            Assert.Equal(Enumerable.Range(0, keys.Count).Select(i => $"k{i:D4}"), keys);
        }
    }
}
