using FluxMap.Storage;
using FluxMap.Transactions;
using static FluxMap.Tests.Fixture;

namespace FluxMap.Tests;

/// <summary>
/// A transaction's record, read trace and workspace serve later transactions once nothing refers
/// to them: nothing of one transaction may show in the next, and the disposed public object, which
/// is never reused, must refuse every call rather than act on another transaction.
/// </summary>
public sealed class TransactionReuseTests
{
    private readonly KeyOrdering<int> _keys = KeyOrdering<int>.Create(null, null);

    [Fact]
    public void A_record_freed_by_both_holders_starts_its_next_transaction_clean()
    {
        var record = new RecordPool<int>(_keys).Rent(1, 10, readOnly: false, traced: true);
        var trace = record.Trace!;
        trace.AddPoint(5);
        trace.AddRange(KeyRange<int>.Between(1, 3));
        record.Status = RecordStatus.Committed;
        record.CommitTimestamp = 12;
        record.EarliestOutConflict = record.OutConflictAtCommit = 11;
        record.OutConflictKey = record.ExpiryReadKey = 5;
        record.OutConflictTransactionId = 7;
        record.LastBegunAtCommit = 3;
        record.Wrote = true;
        record.ExpiryClock = 99;
        record.EarliestExpiryRead = 50;
        record.PendingWriters = [];
        record.Doom = new SerializationConflictException("doomed", ConflictReason.ReadWrite, 1, 5, 7);
        var ended = record.WhenEnded();
        record.SignalEnded();

        Assert.False(record.Release());
        Assert.True(record.Release());
        Assert.True(ended.IsCompleted);
        Assert.Null(record.Trace);
        Assert.Same(trace, record.SpareTrace);
        Assert.True(trace.IsEmpty);
        Assert.False(trace.Covers(5) || trace.Covers(2));

        record.Start(2, 20, readOnly: true, record.SpareTrace);
        Assert.Equal((2L, 20L, true, RecordStatus.Active), (record.Id, record.Snapshot, record.ReadOnly, record.Status));
        Assert.Equal((long.MaxValue, long.MaxValue, long.MaxValue, long.MaxValue), (record.CommitTimestamp, record.EarliestOutConflict, record.OutConflictAtCommit, record.EarliestExpiryRead));
        Assert.Equal((0L, false, 0L), (record.LastBegunAtCommit, record.Wrote, record.ExpiryClock));
        Assert.Null(record.OutConflictKey);
        Assert.Null(record.ExpiryReadKey);
        Assert.Null(record.OutConflictTransactionId);
        Assert.Null(record.PendingWriters);
        Assert.Null(record.Doom);
        Assert.Null(record.OlderActive);
        Assert.Null(record.NewerActive);
        Assert.Same(trace, record.Trace);
        Assert.False(record.WhenEnded().IsCompleted);
    }

    [Fact]
    public void A_record_a_deferrable_transaction_waits_on_is_never_freed()
    {
        var record = new RecordPool<int>(_keys).Rent(1, 10, readOnly: false, traced: true);
        record.Trace!.AddPoint(5);
        record.Shared = true;

        Assert.False(record.Release());
        Assert.False(record.Release());
        Assert.True(record.Trace!.Covers(5));
    }

    [Fact]
    public async Task Transactions_after_ones_that_wrote_and_ended_without_committing_see_none_of_their_writes()
    {
        await using var db = await OpenAsync();
        var handle = db.Handle;
        await handle.SeedAsync(("kept", 1));
        for (var round = 0; round < 20; round++)
        {
            var key = $"w{round}";
            switch (round % 4)
            {
                case 0:
                    var rolledBack = handle.BeginTransaction();
                    await rolledBack.InsertAsync(key, round, Ct);
                    await rolledBack.InsertAsync("kept", -1, Ct);
                    await rolledBack.RollbackAsync(Ct);
                    await rolledBack.DisposeAsync();
                    break;
                case 1:
                    await using (var disposed = handle.BeginTransaction())
                    {
                        await disposed.InsertAsync(key, round, Ct);
                        Assert.True(await disposed.RemoveAsync("kept", Ct));
                    }

                    break;
                case 2:
                    await Assert.ThrowsAsync<InvalidOperationException>(async () => await handle.TransactionAsync(
                        async (tx, ct) =>
                        {
                            await tx.InsertAsync(key, round, ct);
                            throw new InvalidOperationException("the body failed");
                        },
                        Ct));
                    break;
                default:
                    // Loses a write-write conflict at its commit.
                    await using (var loser = handle.BeginTransaction())
                    {
                        await loser.InsertAsync(key, round, Ct);
                        await loser.InsertAsync("kept", -1, Ct);
                        await handle.InsertAsync("kept", 1, Ct);
                        await Assert.ThrowsAsync<SerializationConflictException>(async () => await loser.CommitAsync(Ct));
                    }

                    break;
            }

            await using var next = handle.BeginTransaction();
            Assert.Null(next.Workspace);
            Assert.Empty(next.ReadSet().Points);
            Assert.False(await next.ContainsKeyAsync(key, Ct));
            Assert.Equal(1, (await next.GetAsync("kept", Ct)).Value);
            Assert.Equal("kept", await next.ScanAsync(KeyRange<string>.All, cancellationToken: Ct).KeysAsync());
            await next.InsertAsync("other", round, Ct);
            Assert.Equal(1, next.Workspace!.Count);
            await next.RollbackAsync(Ct);
        }

        Assert.Equal("kept", await handle.ScanAsync(KeyRange<string>.All, cancellationToken: Ct).KeysAsync());
    }

    [Fact]
    public async Task A_transaction_begun_after_a_committed_reader_traces_only_its_own_reads()
    {
        await using var db = await OpenAsync();
        var handle = db.Handle;
        await handle.SeedAsync(("a", 1), ("b", 2));
        await using (var reader = handle.BeginTransaction())
        {
            await reader.GetAsync("a", Ct);
            await reader.ScanRangeAsync("a", "b", Ct).ToListAsync();
            await reader.CommitAsync(Ct);
        }

        await using var next = handle.BeginTransaction();
        Assert.Equal((0, 0), (next.ReadSet().Points.Length, next.ReadSet().Ranges.Length));
        await next.GetAsync("b", Ct);
        Assert.Equal(new[] { "b" }, next.ReadSet().Points);
        Assert.Empty(next.ReadSet().Ranges);
    }

    [Fact]
    public async Task A_disposed_transaction_refuses_every_call_and_keeps_its_own_id()
    {
        await using var db = await OpenAsync();
        var handle = db.Handle;
        var first = handle.BeginTransaction();
        await first.InsertAsync("a", 1, Ct);
        var id = first.Id;
        await first.DisposeAsync();

        await using var second = handle.BeginTransaction();
        await second.InsertAsync("b", 2, Ct);
        Assert.Equal(id, first.Id);
        Assert.NotEqual(id, second.Id);
        Assert.Equal(TransactionStatus.RolledBack, first.Status);
        Assert.Null(first.Workspace);
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await first.GetAsync("b", Ct));
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await first.InsertAsync("b", 3, Ct));
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await first.CommitAsync(Ct));
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await first.RollbackAsync(Ct));
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await first.ScanAsync(KeyRange<string>.All, cancellationToken: Ct).ToListAsync());
        Assert.Throws<ObjectDisposedException>(() => first.Record);
        await first.DisposeAsync();

        Assert.Equal(2, (await second.GetAsync("b", Ct)).Value);
        await second.CommitAsync(Ct);
        Assert.Equal("b", await handle.ScanAsync(KeyRange<string>.All, cancellationToken: Ct).KeysAsync());
    }

    [Fact]
    public async Task A_scan_ended_after_its_transaction_was_disposed_leaves_later_transactions_alone()
    {
        await using var db = await OpenAsync();
        var handle = db.Handle;
        await handle.SeedAsync(("a", 1), ("b", 2), ("c", 3));
        var first = handle.BeginTransaction();
        var scan = first.ScanAsync(KeyRange<string>.All, cancellationToken: Ct).GetAsyncEnumerator(Ct);
        Assert.True(await scan.MoveNextAsync());
        await first.DisposeAsync();

        await using var second = handle.BeginTransaction();
        var traced = await second.ScanAsync(KeyRange<string>.AtLeast("b"), cancellationToken: Ct).ToListAsync();
        await scan.DisposeAsync();

        Assert.Equal(2, traced.Count);
        var range = Assert.Single(second.ReadSet().Ranges);
        Assert.Equal(KeyRange<string>.AtLeast("b"), range);
    }
}
