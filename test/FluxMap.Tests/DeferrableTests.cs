using static FluxMap.Tests.Fixture;

namespace FluxMap.Tests;

public sealed class DeferrableTests
{
    private static readonly TransactionOptions Deferrable = new() { ReadOnly = true, Deferrable = true };

    [Fact]
    public async Task Without_concurrent_writers_a_deferrable_transaction_reads_at_once()
    {
        await using var db = await OpenAsync();
        await db.Handle.SeedAsync(("a", 1));
        await using var report = db.Handle.BeginTransaction(Deferrable);

        var read = report.GetAsync("a", Ct).AsTask();

        Assert.True(read.IsCompletedSuccessfully);
        Assert.Equal(1, (await read).Value);
        await report.CommitAsync(Ct);
    }

    [Fact]
    public async Task It_waits_for_concurrent_writers_and_keeps_its_snapshot_when_they_were_harmless()
    {
        await using var db = await OpenAsync();
        await db.Handle.SeedAsync(("a", 1));
        var writer = db.Handle.BeginTransaction();
        await writer.InsertAsync("a", 2, Ct);
        await using var report = db.Handle.BeginTransaction(Deferrable);

        var read = report.GetAsync("a", Ct).AsTask();
        Assert.False(read.IsCompleted);
        await writer.CommitAsync(Ct);

        Assert.Equal(1, (await read).Value);
        await report.CommitAsync(Ct);
    }

    [Fact]
    public async Task An_unsafe_snapshot_is_replaced_by_a_newer_one()
    {
        await using var db = await OpenAsync();
        await db.Handle.SeedAsync(("x", 0), ("y", 0));
        var writer = db.Handle.BeginTransaction();
        await writer.GetAsync("y", Ct);
        await db.Handle.InsertAsync("y", 1, Ct);               // writer -rw-> this commit
        await using var report = db.Handle.BeginTransaction(Deferrable);  // sees y = 1, not writer
        await writer.InsertAsync("x", 1, Ct);

        var scan = report.ScanRangeAsync("x", "y", Ct).ToListAsync();
        Assert.False(scan.IsCompleted);
        await writer.CommitAsync(Ct);

        // Reading x = 0 beside y = 1 could not be serialized; the report moves to a safe snapshot.
        Assert.Equal([new("x", 1), new("y", 1)], await scan);
        await report.CommitAsync(Ct);
    }

    [Fact]
    public async Task A_deferrable_transaction_is_never_aborted_by_the_read_only_anomaly()
    {
        await using var db = await OpenAsync();
        await db.Handle.SeedAsync(("x", 0), ("y", 0));
        var withdraw = db.Handle.BeginTransaction();
        await withdraw.GetAsync("x", Ct);
        await withdraw.GetAsync("y", Ct);
        await db.Handle.InsertAsync("y", 20, Ct);
        await using var report = db.Handle.BeginTransaction(Deferrable);

        var x = report.GetAsync("x", Ct).AsTask();
        await withdraw.InsertAsync("x", -11, Ct);
        await withdraw.CommitAsync(Ct);

        Assert.Equal(-11, (await x).Value);
        Assert.Equal(20, (await report.GetAsync("y", Ct)).Value);
        await report.CommitAsync(Ct);
    }

    [Fact]
    public async Task Waiting_for_a_safe_snapshot_can_be_cancelled()
    {
        await using var db = await OpenAsync();
        await using var writer = db.Handle.BeginTransaction();
        await using var report = db.Handle.BeginTransaction(Deferrable);
        using var cancel = new CancellationTokenSource();

        var read = report.GetAsync("a", cancel.Token).AsTask();
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => read);
        await writer.RollbackAsync(Ct);
        Assert.False((await report.GetAsync("a", Ct)).HasValue);
    }
}
