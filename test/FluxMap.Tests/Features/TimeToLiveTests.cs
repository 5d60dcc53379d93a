using Microsoft.Extensions.Time.Testing;
using static FluxMap.Tests.Fixture;

namespace FluxMap.Tests.Features;

/// <summary>Keys with a time-to-live vanish exactly at their deadline, on the database's clock, and stay gone.</summary>
public sealed class TimeToLiveTests
{
    private readonly FakeTimeProvider _clock = new();

    private ValueTask<FluxDatabase<string, int>> OpenAsync(FluxMapOptions? options = null) =>
        FluxDatabase.CreateBuilder<string, int>()
            .WithOptions(options ?? new FluxMapOptions { ExpirationSweepInterval = TimeSpan.Zero, VacuumInterval = TimeSpan.Zero, RetryBaseDelay = TimeSpan.Zero })
            .WithTimeProvider(_clock)
            .OpenAsync(Ct);

    [Fact]
    public async Task A_key_expires_exactly_at_its_deadline()
    {
        await using var db = await OpenAsync();
        var handle = db.CreateHandle();
        await handle.InsertAsync("session", 1, TimeSpan.FromSeconds(10), Ct);
        await handle.InsertAsync("user", 2, Ct);

        _clock.Advance(TimeSpan.FromSeconds(10) - TimeSpan.FromTicks(1));
        Assert.Equal(1, (await handle.GetAsync("session", Ct)).Value);
        Assert.Equal(TimeSpan.FromTicks(1), (await handle.GetTimeToLiveAsync("session", Ct)).Value);

        _clock.Advance(TimeSpan.FromTicks(1));
        Assert.False((await handle.GetAsync("session", Ct)).HasValue);
        Assert.False(await handle.ContainsKeyAsync("session", Ct));
        Assert.False((await handle.GetTimeToLiveAsync("session", Ct)).HasValue);
        Assert.Equal("user", await handle.ScanRangeAsync("a", "z", Ct).KeysAsync());
        Assert.False(await handle.RemoveAsync("session", Ct));
        Assert.Null((await handle.GetTimeToLiveAsync("user", Ct)).Value);
    }

    [Fact]
    public async Task Expire_persist_and_a_plain_insert_change_the_time_to_live()
    {
        await using var db = await OpenAsync();
        var handle = db.CreateHandle();
        Assert.False(await handle.ExpireAsync("missing", TimeSpan.FromSeconds(1), Ct));

        await handle.InsertAsync("a", 1, Ct);
        Assert.True(await handle.ExpireAsync("a", TimeSpan.FromSeconds(5), Ct));
        Assert.Equal(TimeSpan.FromSeconds(5), (await handle.GetTimeToLiveAsync("a", Ct)).Value);
        Assert.True(await handle.ExpireAsync("a", TimeSpan.FromSeconds(50), Ct));
        _clock.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(1, (await handle.GetAsync("a", Ct)).Value);

        Assert.True(await handle.PersistAsync("a", Ct));
        Assert.False(await handle.PersistAsync("a", Ct));
        _clock.Advance(TimeSpan.FromDays(1));
        Assert.Equal(1, (await handle.GetAsync("a", Ct)).Value);

        await handle.InsertAsync("b", 2, TimeSpan.FromSeconds(1), Ct);
        await handle.InsertAsync("b", 3, Ct);
        _clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(3, (await handle.GetAsync("b", Ct)).Value);

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await handle.InsertAsync("c", 1, TimeSpan.Zero, Ct));
    }

    [Fact]
    public async Task The_sweeper_deletes_at_most_its_budget_per_round_soonest_deadline_first()
    {
        await using var db = await OpenAsync();
        var handle = db.CreateHandle();
        for (var i = 0; i < 25; i++)
        {
            await handle.InsertAsync($"k{i:D2}", i, TimeSpan.FromSeconds(1 + i), Ct);
        }

        var transactions = db.Engine.Transactions;
        Assert.Equal(0, transactions.SweepExpired(10));
        _clock.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(25, db.GetStatistics().Count);

        Assert.Equal(10, transactions.SweepExpired(10));
        Assert.Equal(15, db.GetStatistics().Count);
        Assert.True(db.Engine.Store.Find("k09")!.Head!.IsTombstone);
        Assert.False(db.Engine.Store.Find("k10")!.Head!.IsTombstone);

        Assert.Equal(10, transactions.SweepExpired(10));
        Assert.Equal(5, transactions.SweepExpired(10));
        Assert.Equal(0, transactions.SweepExpired(10));
        Assert.Equal(0, db.GetStatistics().Count);

        await db.VacuumAsync(Ct);
        Assert.Equal(0, db.Engine.Store.Count);
    }

    [Fact]
    public async Task The_background_sweeper_runs_on_the_database_clock()
    {
        await using var db = await OpenAsync(new FluxMapOptions { ExpirationSweepInterval = TimeSpan.FromSeconds(1), VacuumInterval = TimeSpan.Zero });
        var handle = db.CreateHandle();
        await handle.InsertAsync("a", 1, TimeSpan.FromMilliseconds(500), Ct);
        Assert.Equal(1, db.GetStatistics().Count);

        _clock.Advance(TimeSpan.FromSeconds(1));
        while (db.GetStatistics().Count != 0)
        {
            Ct.ThrowIfCancellationRequested();
            await Task.Yield();
        }

        Assert.True(db.Engine.Store.Find("a")!.Head!.IsTombstone);
    }

    [Theory]
    [InlineData(DurabilityMode.Relaxed)]
    [InlineData(DurabilityMode.Full)]
    public async Task Deadlines_and_sweeps_survive_a_restart(DurabilityMode durability)
    {
        using var directory = new TempDirectory();
        var options = new FluxMapOptions { Durability = durability, DataDirectory = directory.Path, ExpirationSweepInterval = TimeSpan.Zero };
        await using (var db = await OpenAsync(options))
        {
            var handle = db.CreateHandle();
            await handle.InsertAsync("hour", 1, TimeSpan.FromHours(1), Ct);
            await handle.InsertAsync("second", 2, TimeSpan.FromSeconds(1), Ct);
            await handle.InsertAsync("swept", 3, TimeSpan.FromSeconds(1), Ct);
            await handle.InsertAsync("forever", 4, Ct);
            _clock.Advance(TimeSpan.FromSeconds(1));
            Assert.Equal(2, db.Engine.Transactions.SweepExpired(100));
        }

        await using (var db = await OpenAsync(options))
        {
            var handle = db.CreateHandle();
            Assert.Equal("forever,hour", await handle.ScanRangeAsync("a", "z", Ct).KeysAsync());
            Assert.Equal(TimeSpan.FromHours(1) - TimeSpan.FromSeconds(1), (await handle.GetTimeToLiveAsync("hour", Ct)).Value);
            Assert.Null((await handle.GetTimeToLiveAsync("forever", Ct)).Value);
            Assert.Equal(2, db.GetStatistics().Count);

            _clock.Advance(TimeSpan.FromHours(1));
            Assert.False(await handle.ContainsKeyAsync("hour", Ct));
            Assert.Equal(1, db.Engine.Transactions.SweepExpired(100));
        }
    }

    [Fact]
    public async Task A_writer_that_read_a_value_which_expired_before_its_commit_is_aborted()
    {
        await using var db = await OpenAsync();
        var handle = db.CreateHandle();
        await handle.InsertAsync("lease", 1, TimeSpan.FromSeconds(5), Ct);

        await using var writer = handle.BeginTransaction();
        await using var reader = handle.BeginTransaction(new TransactionOptions { ReadOnly = true });
        Assert.Equal(1, (await writer.GetAsync("lease", Ct)).Value);
        await writer.InsertAsync("work", 1, Ct);

        _clock.Advance(TimeSpan.FromSeconds(5));

        // A snapshot judges expiry at one instant: the read-only reader still sees the lease.
        Assert.Equal(1, (await reader.GetAsync("lease", Ct)).Value);
        await reader.CommitAsync(Ct);

        var conflict = await Assert.ThrowsAsync<SerializationConflictException>(async () => await writer.CommitAsync(Ct));
        Assert.Equal(ConflictReason.ReadWrite, conflict.Reason);
        Assert.Contains("expired", conflict.Message, StringComparison.Ordinal);
        Assert.False(await handle.ContainsKeyAsync("work", Ct));
    }

    [Fact]
    public async Task Recreating_a_key_the_sweeper_deletes_meanwhile_is_no_conflict()
    {
        await using var db = await OpenAsync();
        var handle = db.CreateHandle();
        await handle.InsertAsync("lease", 1, TimeSpan.FromSeconds(5), Ct);
        _clock.Advance(TimeSpan.FromSeconds(5));

        await using var tx = handle.BeginTransaction();
        Assert.False((await tx.GetAsync("lease", Ct)).HasValue);
        await tx.InsertAsync("lease", 2, TimeSpan.FromSeconds(5), Ct);
        Assert.Equal(1, db.Engine.Transactions.SweepExpired(10));
        await tx.CommitAsync(Ct);

        Assert.Equal(2, (await handle.GetAsync("lease", Ct)).Value);
        Assert.Equal(TimeSpan.FromSeconds(5), (await handle.GetTimeToLiveAsync("lease", Ct)).Value);
    }

    [Fact]
    public async Task The_sweeper_deleting_a_key_a_writer_already_saw_expired_does_not_make_it_a_pivot()
    {
        await using var db = await OpenAsync();
        var handle = db.CreateHandle();
        await handle.InsertAsync("lease", 1, TimeSpan.FromSeconds(5), Ct);
        await handle.InsertAsync("a", 1, Ct);
        _clock.Advance(TimeSpan.FromSeconds(5));

        // T1 sees the lease expired and writes "a"; T0 read "a" before T1 commits (T0 -rw-> T1).
        await using var t1 = handle.BeginTransaction();
        Assert.False((await t1.GetAsync("lease", Ct)).HasValue);
        await t1.InsertAsync("a", 2, Ct);
        await using var t0 = handle.BeginTransaction();
        Assert.Equal(1, (await t0.GetAsync("a", Ct)).Value);
        await t0.InsertAsync("b", 1, Ct);

        // The sweep changes nothing T1 saw, so it gives T1 no dependency out: T1 is no pivot.
        Assert.Equal(1, db.Engine.Transactions.SweepExpired(10));
        await t1.CommitAsync(Ct);
        Assert.Equal(2, (await handle.GetAsync("a", Ct)).Value);
    }

    [Fact]
    public async Task Write_skew_over_a_key_swept_after_the_reader_saw_it_expired_is_caught()
    {
        await using var db = await OpenAsync();
        var handle = db.CreateHandle();
        await handle.InsertAsync("lease", 1, TimeSpan.FromSeconds(5), Ct);
        _clock.Advance(TimeSpan.FromSeconds(5));

        // r sees the lease gone and writes "y"; the sweep's tombstone changes nothing r saw, so
        // the write that follows it, w's new lease, is what r depends on: r -rw-> w -rw-> r.
        await using var r = handle.BeginTransaction();
        Assert.False((await r.GetAsync("lease", Ct)).HasValue);
        Assert.Equal(1, db.Engine.Transactions.SweepExpired(10));
        await using var w = handle.BeginTransaction();
        Assert.False((await w.GetAsync("y", Ct)).HasValue);
        await w.InsertAsync("lease", 2, Ct);
        await r.InsertAsync("y", 1, Ct);

        await w.CommitAsync(Ct);
        await Assert.ThrowsAsync<SerializationConflictException>(async () => await r.CommitAsync(Ct));
        Assert.False(await handle.ContainsKeyAsync("y", Ct));
    }

    [Fact]
    public async Task A_late_read_past_a_sweep_of_what_it_saw_expired_meets_the_writer_after_it()
    {
        await using var db = await OpenAsync();
        var handle = db.CreateHandle();
        await handle.InsertAsync("lease", 1, TimeSpan.FromSeconds(5), Ct);
        await handle.InsertAsync("x", 0, Ct);
        _clock.Advance(TimeSpan.FromSeconds(5));

        // w is a committed pivot (it read x, which an autocommit write replaced first) that
        // recreated the lease after the sweep. r, whose snapshot saw the lease expired, reads it
        // late: its dependency is on w, not on the sweep, so r -rw-> w -rw-> (x's writer) is complete.
        await using var r = handle.BeginTransaction();
        Assert.Equal(1, db.Engine.Transactions.SweepExpired(10));
        await using var w = handle.BeginTransaction();
        Assert.Equal(0, (await w.GetAsync("x", Ct)).Value);
        await handle.InsertAsync("x", 1, Ct);
        await w.InsertAsync("lease", 2, Ct);
        await w.CommitAsync(Ct);

        await Assert.ThrowsAsync<SerializationConflictException>(async () => await r.GetAsync("lease", Ct));
    }

    [Fact]
    public async Task A_transaction_reads_the_time_to_live_and_its_update_keeps_it()
    {
        await using var db = await OpenAsync();
        var handle = db.CreateHandle();
        await handle.InsertAsync("session", 1, TimeSpan.FromSeconds(30), Ct);
        await handle.InsertAsync("plain", 1, Ct);
        _clock.Advance(TimeSpan.FromSeconds(10));

        await handle.TransactionAsync(
            async (tx, ct) =>
            {
                Assert.Equal(TimeSpan.FromSeconds(20), (await tx.GetTimeToLiveAsync("session", ct)).Value);
                Assert.Null((await tx.GetTimeToLiveAsync("plain", ct)).Value);
                Assert.False((await tx.GetTimeToLiveAsync("missing", ct)).HasValue);
                Assert.Equal(2, await tx.UpdateAsync("session", v => v.Value + 1, ct));
                Assert.Equal(5, await tx.UpdateAsync("new", v => v.GetValueOrDefault() + 5, ct));
                await tx.InsertAsync("short", 1, TimeSpan.FromSeconds(3), ct);
                Assert.Equal(TimeSpan.FromSeconds(3), (await tx.GetTimeToLiveAsync("short", ct)).Value);
            },
            Ct);

        Assert.Equal(2, (await handle.GetAsync("session", Ct)).Value);
        Assert.Equal(TimeSpan.FromSeconds(20), (await handle.GetTimeToLiveAsync("session", Ct)).Value);
        Assert.Null((await handle.GetTimeToLiveAsync("new", Ct)).Value);
    }
}
