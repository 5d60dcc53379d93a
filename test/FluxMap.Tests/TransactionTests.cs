using Microsoft.Extensions.Time.Testing;
using static FluxMap.Tests.Fixture;

namespace FluxMap.Tests;

public sealed class TransactionTests
{
    [Fact]
    public async Task Writes_become_visible_to_others_only_at_commit()
    {
        await using var db = await OpenAsync();
        var handle = db.Handle;
        await using var tx = handle.BeginTransaction();

        await tx.InsertAsync("a", 1, Ct);
        Assert.False(await handle.ContainsKeyAsync("a", Ct));
        Assert.Equal(1, (await tx.GetAsync("a", Ct)).Value);

        await tx.CommitAsync(Ct);
        Assert.Equal(TransactionStatus.Committed, tx.Status);
        Assert.Equal(1, await handle.ValueAsync("a"));
    }

    [Fact]
    public async Task A_transaction_reads_its_own_writes_and_removals()
    {
        await using var db = await OpenAsync();
        await db.Handle.SeedAsync(("a", 1), ("b", 2));
        await using var tx = db.Handle.BeginTransaction();

        await tx.InsertAsync("a", 10, Ct);
        Assert.True(await tx.RemoveAsync("b", Ct));
        Assert.False(await tx.RemoveAsync("b", Ct));
        await tx.InsertAsync("c", 3, Ct);
        Assert.True(await tx.RemoveAsync("c", Ct));

        Assert.Equal(10, (await tx.GetAsync("a", Ct)).Value);
        Assert.False(await tx.ContainsKeyAsync("b", Ct));
        Assert.False(await tx.ContainsKeyAsync("c", Ct));
        await tx.CommitAsync(Ct);

        Assert.Equal(10, await db.Handle.ValueAsync("a"));
        Assert.False(await db.Handle.ContainsKeyAsync("b", Ct));
        Assert.False(await db.Handle.ContainsKeyAsync("c", Ct));
    }

    [Fact]
    public async Task Rollback_and_dispose_without_commit_discard_every_write()
    {
        await using var db = await OpenAsync();
        var handle = db.Handle;
        await handle.SeedAsync(("a", 1));

        await using (var disposed = handle.BeginTransaction())
        {
            await disposed.InsertAsync("a", 2, Ct);
            await disposed.InsertAsync("b", 2, Ct);
        }

        var rolledBack = handle.BeginTransaction();
        await rolledBack.RemoveAsync("a", Ct);
        await rolledBack.RollbackAsync(Ct);
        Assert.Equal(TransactionStatus.RolledBack, rolledBack.Status);

        Assert.Equal(1, await handle.ValueAsync("a"));
        Assert.False(await handle.ContainsKeyAsync("b", Ct));
    }

    [Fact]
    public async Task Using_a_transaction_after_it_ended_throws_InvalidOperationException()
    {
        await using var db = await OpenAsync();
        var committed = db.Handle.BeginTransaction();
        await committed.CommitAsync(Ct);
        var rolledBack = db.Handle.BeginTransaction();
        await rolledBack.RollbackAsync(Ct);

        var afterCommit = await Assert.ThrowsAsync<InvalidOperationException>(async () => await committed.GetAsync("a", Ct));
        Assert.Contains("already committed", afterCommit.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await committed.CommitAsync(Ct));
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await committed.RollbackAsync(Ct));
        var afterRollback = await Assert.ThrowsAsync<InvalidOperationException>(async () => await rolledBack.InsertAsync("a", 1, Ct));
        Assert.Contains("rolled back", afterRollback.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await rolledBack.ScanRangeAsync("a", "b", Ct).ToListAsync());

        await committed.DisposeAsync();
        var disposed = await Assert.ThrowsAsync<ObjectDisposedException>(async () => await committed.GetAsync("a", Ct));
        Assert.Equal("FluxTransaction<string, int>", disposed.ObjectName);
    }

    [Fact]
    public async Task A_read_only_transaction_refuses_writes()
    {
        await using var db = await OpenAsync();
        await using var tx = db.Handle.BeginTransaction(new TransactionOptions { ReadOnly = true });

        Assert.True(tx.IsReadOnly);
        var error = await Assert.ThrowsAsync<InvalidOperationException>(async () => await tx.InsertAsync("a", 1, Ct));
        Assert.Contains("read-only", error.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await tx.RemoveAsync("a", Ct));
        Assert.Throws<ArgumentException>(() => db.Handle.BeginTransaction(new TransactionOptions { Deferrable = true }));
    }

    [Fact]
    public async Task Overlapping_calls_on_one_transaction_are_refused_without_harm()
    {
        await using var db = await OpenAsync();
        var handle = db.Handle;
        await handle.SeedAsync(("a", 1));
        var writer = handle.BeginTransaction();
        await writer.InsertAsync("w", 1, Ct);
        await using var report = handle.BeginTransaction(new TransactionOptions { ReadOnly = true, Deferrable = true });

        // The deferrable read waits for the writer, so the transaction is busy while a second call arrives.
        var first = report.GetAsync("a", Ct);
        Assert.False(first.IsCompleted);
        var error = await Assert.ThrowsAsync<InvalidOperationException>(async () => await report.GetAsync("a", Ct));
        Assert.Contains("already running another call", error.Message, StringComparison.Ordinal);

        await writer.CommitAsync(Ct);
        Assert.Equal(1, (await first).Value);
        await report.CommitAsync(Ct);
    }

    [Fact]
    public async Task A_transaction_reads_its_snapshot_while_others_commit()
    {
        await using var db = await OpenAsync();
        var handle = db.Handle;
        await handle.SeedAsync(("a", 1));
        await using var tx = handle.BeginTransaction(new TransactionOptions { ReadOnly = true });

        await handle.InsertAsync("a", 2, Ct);
        await handle.InsertAsync("b", 2, Ct);
        await handle.RemoveAsync("a", Ct);

        Assert.Equal(1, (await tx.GetAsync("a", Ct)).Value);
        Assert.False(await tx.ContainsKeyAsync("b", Ct));
        await tx.CommitAsync(Ct);
    }

    [Fact]
    public async Task TransactionAsync_commits_and_returns_the_result()
    {
        await using var db = await OpenAsync();
        var handle = db.Handle;
        await handle.SeedAsync(("alice", 100), ("bob", 0));

        var message = await handle.TransactionAsync(
            async (tx, ct) =>
            {
                var alice = await tx.GetAsync("alice", ct);
                await tx.InsertAsync("alice", alice.Value - 20, ct);
                await tx.InsertAsync("bob", 20, ct);
                return "done";
            },
            Ct);

        Assert.Equal("done", message);
        Assert.Equal(80, await handle.ValueAsync("alice"));
        Assert.Equal(20, await handle.ValueAsync("bob"));
    }

    [Fact]
    public async Task TransactionAsync_rolls_back_and_rethrows_the_callers_exception_unchanged()
    {
        await using var db = await OpenAsync();
        var thrown = new InvalidDataException("insufficient funds");
        var attempts = 0;

        var caught = await Assert.ThrowsAsync<InvalidDataException>(async () => await db.Handle.TransactionAsync(
            async (tx, ct) =>
            {
                attempts++;
                await tx.InsertAsync("a", 1, ct);
                throw thrown;
            },
            Ct));

        Assert.Same(thrown, caught);
        Assert.Equal(1, attempts);
        Assert.False(await db.Handle.ContainsKeyAsync("a", Ct));
    }

    [Fact]
    public async Task TransactionAsync_retries_a_serialization_conflict_and_commits_the_next_attempt()
    {
        await using var db = await OpenAsync();
        var handle = db.Handle;
        await handle.SeedAsync(("counter", 0));
        var attempts = 0;

        await handle.TransactionAsync(
            async (tx, ct) =>
            {
                attempts++;
                var value = (await tx.GetAsync("counter", ct)).Value;
                if (attempts == 1)
                {
                    await handle.InsertAsync("counter", 100, ct); // a concurrent commit this attempt cannot see
                }

                await tx.InsertAsync("counter", value + 1, ct);
            },
            Ct);

        Assert.Equal(2, attempts);
        Assert.Equal(101, await handle.ValueAsync("counter"));
    }

    [Fact]
    public async Task TransactionAsync_gives_up_after_the_configured_attempts()
    {
        await using var db = await OpenAsync(new FluxMapOptions { MaxTransactionAttempts = 3, RetryBaseDelay = TimeSpan.Zero });
        var handle = db.Handle;
        var attempts = 0;

        var conflict = await Assert.ThrowsAsync<SerializationConflictException>(async () => await handle.TransactionAsync(
            async (tx, ct) =>
            {
                attempts++;
                await tx.GetAsync("k", ct);
                await handle.InsertAsync("k", attempts, ct);
                await tx.InsertAsync("k", -1, ct);
            },
            Ct));

        Assert.Equal(3, attempts);
        Assert.True(conflict.IsTransient);
        Assert.Equal(ConflictReason.WriteWrite, conflict.Reason);
        Assert.Equal(3, await handle.ValueAsync("k"));
    }

    [Fact]
    public async Task TransactionAsync_retries_even_when_the_body_swallows_the_conflict()
    {
        await using var db = await OpenAsync();
        var handle = db.Handle;
        var attempts = 0;

        await handle.TransactionAsync(
            async (tx, ct) =>
            {
                attempts++;
                await tx.GetAsync("k", ct);
                await tx.InsertAsync("k", attempts, ct);
                if (attempts == 1)
                {
                    await handle.InsertAsync("k", 100, ct);
                    try
                    {
                        await tx.CommitAsync(ct);
                    }
                    catch (SerializationConflictException)
                    {
                        // A careless body; its work was still rolled back and must be redone.
                    }
                }
            },
            Ct);

        Assert.Equal(2, attempts);
        Assert.Equal(2, await handle.ValueAsync("k"));
    }

    [Fact]
    public async Task Retry_delays_come_from_the_time_provider_and_honour_cancellation()
    {
        var clock = new FakeTimeProvider();
        await using var db = await FluxDatabase.CreateBuilder<string, int>()
            .Configure(o => (o.RetryBaseDelay, o.RetryMaxDelay) = (TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(10)))
            .WithTimeProvider(clock)
            .OpenAsync(Ct);
        var handle = db.CreateHandle();
        var attempts = 0;
        using var cancel = new CancellationTokenSource();

        var run = handle.TransactionAsync(
            async (tx, ct) =>
            {
                attempts++;
                await tx.GetAsync("k", ct);
                await handle.InsertAsync("k", attempts, ct);
                await tx.InsertAsync("k", -1, ct);
            },
            cancel.Token).AsTask();

        // Every attempt conflicts, so the call is parked in a backoff delay on the fake clock.
        for (var i = 0; i < 3 && !run.IsCompleted; i++)
        {
            clock.Advance(TimeSpan.FromSeconds(10));
        }

        Assert.False(run.IsCompleted);
        Assert.Equal(4, attempts);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
    }
}
