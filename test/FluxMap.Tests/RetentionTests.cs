using static FluxMap.Tests.Fixture;

namespace FluxMap.Tests;

/// <summary>SSI bookkeeping stays bounded: committed read sets live only as long as they can matter.</summary>
public sealed class RetentionTests
{
    private static async Task ReadOneWriteAnotherAsync(FluxHandle<string, int> handle, int i)
    {
        await using var tx = handle.BeginTransaction();
        await tx.GetAsync($"r{i}", Ct);
        await tx.InsertAsync($"w{i}", i, Ct);
        await tx.CommitAsync(Ct);
    }

    [Fact]
    public async Task Old_versions_are_dropped_as_soon_as_no_snapshot_can_read_them()
    {
        await using var db = await OpenAsync();
        var handle = db.Handle;
        await handle.InsertAsync("k", 0, Ct);
        await using var longReader = handle.BeginTransaction(new TransactionOptions { ReadOnly = true });
        for (var i = 1; i <= 1_000; i++)
        {
            await handle.InsertAsync("k", i, Ct);
        }

        // The long reader still sees its version however many updates went by.
        Assert.Equal(0, (await longReader.GetAsync("k", Ct)).Value);
        Assert.Equal(1_001, db.ChainLength("k"));
        await longReader.CommitAsync(Ct);

        for (var i = 0; i < 10; i++)
        {
            await handle.InsertAsync("k", i, Ct);
        }

        Assert.Equal(2, db.ChainLength("k"));
        Assert.Equal(9, await handle.ValueAsync("k"));
    }

    [Fact]
    public async Task Committed_read_sets_are_released_when_no_overlapping_transaction_remains()
    {
        await using var db = await OpenAsync();
        var manager = db.Db.Engine.Transactions;

        for (var i = 0; i < 200; i++)
        {
            await ReadOneWriteAnotherAsync(db.Handle, i);
        }

        Assert.Equal(0, manager.RetainedCount);
        Assert.Equal(0, manager.ActiveCount);
    }

    [Fact]
    public async Task Reads_of_a_transaction_that_wrote_nothing_live_only_while_an_overlapping_transaction_runs()
    {
        await using var db = await OpenAsync();
        var manager = db.Db.Engine.Transactions;
        var writer = db.Handle.BeginTransaction();          // makes read-write reads necessary to trace

        await using (var reader = db.Handle.BeginTransaction())
        {
            await reader.GetAsync("x", Ct);
            await reader.CommitAsync(Ct);
        }

        Assert.Equal(1, manager.RetainedCount);             // the writer began before the reader committed
        await writer.RollbackAsync(Ct);
        for (var i = 0; i < 100; i++)
        {
            await using var reader = db.Handle.BeginTransaction();
            await reader.GetAsync("x", Ct);
            await reader.CommitAsync(Ct);
        }

        Assert.Equal(0, manager.RetainedCount);
        Assert.Equal(0, manager.SummaryEntries);
    }

    [Fact]
    public async Task A_long_transaction_cannot_make_retention_grow_past_the_bound()
    {
        await using var db = await OpenAsync(new FluxMapOptions { MaxRetainedTransactions = 8, RetryBaseDelay = TimeSpan.Zero });
        var manager = db.Db.Engine.Transactions;
        var longRunning = db.Handle.BeginTransaction();
        await longRunning.GetAsync("anything", Ct);

        for (var i = 0; i < 500; i++)
        {
            await ReadOneWriteAnotherAsync(db.Handle, i);
            Assert.True(manager.RetainedCount <= 8, $"retained {manager.RetainedCount} after {i + 1} commits");
        }

        Assert.True(manager.SummaryEntries > 0);
        await longRunning.CommitAsync(Ct);
        await ReadOneWriteAnotherAsync(db.Handle, 1000);

        Assert.Equal(0, manager.RetainedCount);
        Assert.Equal(0, manager.SummaryEntries);
    }

    [Fact]
    public async Task The_summary_is_capped_even_for_huge_read_sets()
    {
        await using var db = await OpenAsync(new FluxMapOptions { MaxRetainedTransactions = 1, RetryBaseDelay = TimeSpan.Zero });
        var manager = db.Db.Engine.Transactions;
        await using var longRunning = db.Handle.BeginTransaction();
        await longRunning.GetAsync("anything", Ct);

        for (var batch = 0; batch < 3; batch++)
        {
            await using var tx = db.Handle.BeginTransaction();
            for (var i = 0; i < 30_000; i++)
            {
                await tx.GetAsync($"k{batch}:{i}", Ct);
            }

            await tx.InsertAsync($"w{batch}", 1, Ct);
            await tx.CommitAsync(Ct);
        }

        Assert.True(manager.SummaryEntries <= 65_536, $"summary holds {manager.SummaryEntries} entries");
    }

    [Fact]
    public async Task Write_skew_is_still_caught_after_one_side_was_summarized()
    {
        await using var db = await OpenAsync(new FluxMapOptions { MaxRetainedTransactions = 2, RetryBaseDelay = TimeSpan.Zero });
        await db.Handle.SeedAsync(("x", 1), ("y", 1));
        await using var t1 = db.Handle.BeginTransaction();
        await using var t2 = db.Handle.BeginTransaction();
        await t1.GetAsync("x", Ct);
        await t1.GetAsync("y", Ct);
        await t2.GetAsync("x", Ct);
        await t2.GetAsync("y", Ct);
        await t1.InsertAsync("x", 0, Ct);
        await t1.CommitAsync(Ct);

        // Push t1 out of the retained set (t2 keeps the horizon back).
        for (var i = 0; i < 10; i++)
        {
            await ReadOneWriteAnotherAsync(db.Handle, i);
        }

        Assert.True(db.Db.Engine.Transactions.SummaryEntries > 0);
        await t2.InsertAsync("y", 0, Ct);
        await Assert.ThrowsAsync<SerializationConflictException>(async () => await t2.CommitAsync(Ct));
    }

    [Fact]
    public async Task Read_only_transactions_on_a_safe_snapshot_keep_no_read_set()
    {
        await using var db = await OpenAsync();
        await db.Handle.SeedAsync(("a", 1));
        await using var longReport = db.Handle.BeginTransaction(new TransactionOptions { ReadOnly = true });

        for (var i = 0; i < 50; i++)
        {
            await using var report = db.Handle.BeginTransaction(new TransactionOptions { ReadOnly = true });
            await report.GetAsync("a", Ct);
            await report.ScanRangeAsync("a", "z", Ct).ToListAsync();
            await report.CommitAsync(Ct);
        }

        Assert.Equal(0, db.Db.Engine.Transactions.RetainedCount);
    }
}
