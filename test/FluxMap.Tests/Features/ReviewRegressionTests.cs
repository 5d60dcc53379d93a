using Microsoft.Extensions.Time.Testing;
using static FluxMap.Tests.Fixture;

namespace FluxMap.Tests.Features;

/// <summary>Regressions for defects found in review of the time-to-live and single-key update code.</summary>
public sealed class ReviewRegressionTests
{
    private static FluxMapOptions Full() => new()
    {
        Durability = DurabilityMode.Full,
        DataDirectory = "/faulty/db",
        RetryBaseDelay = TimeSpan.Zero,
        VacuumInterval = TimeSpan.Zero,
        ExpirationSweepInterval = TimeSpan.Zero,
    };

    [Fact]
    public async Task UpdateAsync_builds_on_a_commit_still_waiting_for_its_sync_instead_of_spinning()
    {
        var storage = new FaultyStorage();
        using var gate = new ManualResetEventSlim(false);
        await using var db = await FluxDatabase.CreateBuilder<string, int>().WithOptions(Full()).WithStorage(storage).OpenAsync(Ct);
        var handle = db.CreateHandle();
        await handle.InsertAsync("k", 1, Ct);
        storage.SyncGate = gate;
        var pending = handle.InsertAsync("k", 2, Ct).AsTask();
        var calls = 0;
        var update = handle.UpdateAsync("k", v => { Interlocked.Increment(ref calls); return v.Value + 10; }, Ct).AsTask();

        // The update commits on top of the unsynced write (and is acknowledged after it) at once.
        while (db.Engine.Clock.LastCommit < 3)
        {
            Ct.ThrowIfCancellationRequested();
            await Task.Yield();
        }

        var callsWhileHeld = Volatile.Read(ref calls);
        Assert.False(update.IsCompleted);
        gate.Set();
        await pending;
        Assert.Equal(12, await update);
        Assert.Equal(1, callsWhileHeld);
    }

    [Theory]
    [InlineData(100)]
    [InlineData(1_100)]
    public async Task A_snapshot_missing_a_commit_made_before_a_deadline_never_sees_the_value_expired(int queuedCommits)
    {
        var clock = new FakeTimeProvider();
        var storage = new FaultyStorage();
        using var gate = new ManualResetEventSlim(false);
        await using var db = await FluxDatabase.CreateBuilder<string, int>().WithOptions(Full()).WithStorage(storage).WithTimeProvider(clock).OpenAsync(Ct);
        var handle = db.CreateHandle();
        await handle.InsertAsync("lease", 1, TimeSpan.FromSeconds(5), Ct);
        storage.SyncGate = gate;

        // X reads the lease while it is live and commits before the deadline; its sync is held.
        var x = handle.BeginTransaction();
        Assert.True((await x.GetAsync("lease", Ct)).HasValue);
        await x.InsertAsync("y", 1, Ct);
        var xCommit = x.CommitAsync(Ct).AsTask();
        var queued = Enumerable.Range(0, queuedCommits).Select(i => handle.InsertAsync($"o{i}", i, Ct).AsTask()).ToList();
        bool yVisible, leaseVisible;
        try
        {
            clock.Advance(TimeSpan.FromSeconds(6));
            await using var t = handle.BeginTransaction(new TransactionOptions { ReadOnly = true });
            yVisible = (await t.GetAsync("y", Ct)).HasValue;
            leaseVisible = (await t.GetAsync("lease", Ct)).HasValue;
        }
        finally
        {
            gate.Set();
        }

        await xCommit;
        await Task.WhenAll(queued);
        Assert.False(yVisible);
        Assert.True(leaseVisible, "the snapshot saw the lease expired, yet misses X, which read it live before the deadline");
    }

    [Fact]
    public async Task Refreshing_a_time_to_live_over_and_over_keeps_the_sweeper_queue_small()
    {
        var clock = new FakeTimeProvider();
        await using var db = await FluxDatabase.CreateBuilder<string, int>()
            .WithOptions(new FluxMapOptions { VacuumInterval = TimeSpan.Zero, ExpirationSweepInterval = TimeSpan.Zero })
            .WithTimeProvider(clock)
            .OpenAsync(Ct);
        var handle = db.CreateHandle();
        await handle.InsertAsync("session", 1, TimeSpan.FromHours(1), Ct);
        for (var i = 0; i < 20_000; i++)
        {
            await handle.ExpireAsync("session", TimeSpan.FromHours(1), Ct);
        }

        Assert.True(db.Engine.Transactions.QueuedExpiries <= 2_100, $"{db.Engine.Transactions.QueuedExpiries} entries for one key");
        clock.Advance(TimeSpan.FromHours(2));
        Assert.Equal(1, db.Engine.Transactions.SweepExpired(10_000));
        Assert.Equal(0, db.Engine.Transactions.QueuedExpiries);
    }

    [Fact]
    public async Task A_time_to_live_past_the_clocks_range_is_refused_and_a_century_works()
    {
        await using var db = await OpenAsync();
        var handle = db.Handle;
        var e = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await handle.InsertAsync("forever", 1, TimeSpan.MaxValue, Ct));
        Assert.Contains("no time-to-live", e.Message, StringComparison.Ordinal);
        await handle.InsertAsync("century", 1, TimeSpan.FromDays(36_500), Ct);
        Assert.True(await handle.ContainsKeyAsync("century", Ct));
    }

    [Fact]
    public async Task A_commit_that_fails_half_way_stays_invisible_and_stops_later_commits()
    {
        var keys = new SwitchableComparer();
        await using var db = await FluxDatabase.CreateBuilder<string, int>().WithComparer(keys).OpenAsync(Ct);
        var handle = db.CreateHandle();
        await handle.InsertAsync("a", 1, Ct);
        await handle.InsertAsync("b", 1, Ct);

        await using (var tx = handle.BeginTransaction())
        {
            await tx.InsertAsync("a", 2, Ct);
            await tx.InsertAsync("b", 2, Ct);
            await tx.InsertAsync("boom", 2, Ct);
            keys.Fail = true;
            await Assert.ThrowsAsync<InvalidOperationException>(async () => await tx.CommitAsync(Ct));
            keys.Fail = false;
        }

        // "a" and "b" were installed before "boom" failed; no later commit may expose them.
        var refused = await Assert.ThrowsAsync<InvalidOperationException>(async () => await handle.InsertAsync("c", 3, Ct));
        Assert.Contains("no longer accepts commits", refused.Message, StringComparison.Ordinal);
        Assert.Equal(1, (await handle.GetAsync("a", Ct)).Value);
        Assert.Equal(1, (await handle.GetAsync("b", Ct)).Value);
        Assert.False(await handle.ContainsKeyAsync("boom", Ct));
        Assert.Equal(FluxHealthStatus.Failed, db.GetHealth().Status);
    }

    private sealed class SwitchableComparer : IComparer<string>, IEqualityComparer<string>
    {
        public volatile bool Fail;

        public int Compare(string? x, string? y) =>
            Fail && (x == "boom" || y == "boom") ? throw new InvalidOperationException("the comparer broke") : string.CompareOrdinal(x, y);

        public bool Equals(string? x, string? y) => string.Equals(x, y, StringComparison.Ordinal);

        public int GetHashCode(string obj) => StringComparer.Ordinal.GetHashCode(obj);
    }
}
