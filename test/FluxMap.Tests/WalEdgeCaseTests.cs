using FluxMap.Durability;
using Microsoft.Extensions.Time.Testing;
using static FluxMap.Tests.Fixture;

namespace FluxMap.Tests;

public sealed class WalEdgeCaseTests
{
    private const string Dir = "/review/db";

    private static FluxMapOptions Options(DurabilityMode mode = DurabilityMode.Full) => new()
    {
        Durability = mode,
        DataDirectory = Dir,
        WalSegmentSize = 64 * 1024,
        RetryBaseDelay = TimeSpan.Zero,
        FlushInterval = TimeSpan.FromHours(1),
        FlushAfterCommits = 1_000_000,
        FlushAfterBytes = 1L << 40,

        // These tests damage and read the log itself: keep every commit in it.
        UseDataFile = false,
    };

    private static ValueTask<FluxDatabase<string, int>> OpenAsync(FaultyStorage storage, DurabilityMode mode = DurabilityMode.Full, TimeProvider? time = null)
    {
        var b = FluxDatabase.CreateBuilder<string, int>().WithOptions(Options(mode)).WithStorage(storage);
        if (time is not null)
        {
            b = b.WithTimeProvider(time);
        }

        return b.OpenAsync(Ct);
    }

    private static string Key(int i) => $"k{i:D4}:" + new string('p', 300);

    private static async Task<int> CountAsync(FluxDatabase<string, int> db) =>
        (await db.CreateHandle().ScanAsync(KeyRange<string>.All, cancellationToken: Ct).ToListAsync()).Count;

    private static List<string> Segments(FaultyStorage s) => s.FileNames.Where(n => n.EndsWith(".log", StringComparison.Ordinal)).ToList();

    // R1: damage to the first record of a later segment: records after it in that segment were
    // synced (each Full commit synced alone) and claim it durable, but recovery only reads later
    // segments sequentially from their first record, so it never sees those claims.
    [Fact]
    public async Task R1_damaged_first_record_of_a_later_segment_is_corruption_not_a_torn_tail()
    {
        var storage = new FaultyStorage();
        await using (var db = await OpenAsync(storage))
        {
            for (var i = 0; i < 400; i++)
            {
                await db.CreateHandle().InsertAsync(Key(i), i, Ct);
            }
        }

        var segments = Segments(storage);
        Assert.True(segments.Count >= 3);
        var last = segments[^1];
        var damaged = storage.CloneDurable();
        var bytes = damaged.ReadFile(last);
        var records = 0;
        for (var o = WalFormat.SegmentHeaderSize; WalFormat.TryReadRecord(bytes, o, 1, out var r); o = r.End)
        {
            records++;
        }

        Assert.True(records > 10, $"{records} records in the last segment");
        bytes[WalFormat.SegmentHeaderSize + 12] ^= 0x01; // inside the first record's body
        damaged.ReplaceFile(last, bytes);

        int recovered = -1;
        Exception? error = null;
        try
        {
            await using var db = await OpenAsync(damaged);
            recovered = await CountAsync(db);
        }
        catch (Exception e)
        {
            error = e;
        }

        Assert.True(error is CorruptionException, $"opened silently with {recovered} of 400 synced, acknowledged commits; segments now: {string.Join(",", Segments(damaged).Select(Path.GetFileName))}");
    }

    // R1b: header damage of a later segment is reported against the wrong file/offset.
    [Fact]
    public async Task R1b_corruption_in_a_later_segment_names_that_segment()
    {
        var storage = new FaultyStorage();
        await using (var db = await OpenAsync(storage))
        {
            for (var i = 0; i < 400; i++)
            {
                await db.CreateHandle().InsertAsync(Key(i), i, Ct);
            }
        }

        var segments = Segments(storage);
        var damaged = storage.CloneDurable();
        var bytes = damaged.ReadFile(segments[1]);
        bytes[0] ^= 0x01; // magic
        damaged.ReplaceFile(segments[1], bytes);

        var error = await Assert.ThrowsAsync<CorruptionException>(async () => await OpenAsync(damaged));
        Assert.True(error.FilePath == segments[1], $"names {error.FilePath} at {error.Offset}; the damage is in {segments[1]} at 0");
    }

    // R2: a Full commit whose fsync failed is reported as "not made durable"; after a process crash
    // and reopen, recovery reads it from the page cache, makes it visible without syncing, and a
    // power loss then takes it back: a reader acted on data a crash took back.
    [Fact]
    public async Task R2_recovery_publishes_unsynced_records_without_syncing_them()
    {
        var storage = new FaultyStorage();
        var db = await OpenAsync(storage);
        await db.CreateHandle().InsertAsync("a", 1, Ct);
        storage.FailSyncs = true;
        await Assert.ThrowsAsync<FluxMapIOException>(async () => await db.CreateHandle().InsertAsync("b", 2, Ct));

        var afterCrash = storage.CloneCurrent(); // kill -9: page cache survives
        await using (var reopened = await OpenAsync(afterCrash))
        {
            Assert.True(await reopened.CreateHandle().ContainsKeyAsync("b", Ct)); // visible to readers
            afterCrash.PowerLoss();
        }

        await using var again = await OpenAsync(afterCrash);
        Assert.True(await again.CreateHandle().ContainsKeyAsync("b", Ct), "'b' was visible in Full mode after reopen, yet a power loss took it back");
    }

    // R3: Full mode, RemoveAsync answers "not there" from a tombstone that is not yet durable (nor visible).
    [Fact]
    public async Task R3_remove_answers_from_a_tombstone_that_is_not_durable()
    {
        var storage = new FaultyStorage();
        using var gate = new ManualResetEventSlim(false);
        await using var db = await OpenAsync(storage);
        var handle = db.CreateHandle();
        await handle.InsertAsync("k", 1, Ct);
        storage.SyncGate = gate;
        storage.ResetSyncSignals();

        var first = handle.RemoveAsync("k", Ct).AsTask();
        await storage.SyncStarted.WaitAsync(Ct); // the writer holds the first remove in its sync
        var second = handle.RemoveAsync("k", Ct).AsTask();
        var secondDoneEarly = second.IsCompleted;
        var visible = await handle.ContainsKeyAsync("k", Ct);

        storage.FailSyncs = true;
        gate.Set();
        await Assert.ThrowsAsync<FluxMapIOException>(() => first);
        Assert.True(await handle.ContainsKeyAsync("k", Ct));
        Assert.False(secondDoneEarly && visible && !await second, "second RemoveAsync returned false while 'k' was visible, and 'k' still exists after the first remove failed");
    }

    // R4: rotation fails after the first part of the batch was written and synced; those commits
    // are failed with "not made durable", yet they are durable and come back on reopen.
    [Fact]
    public async Task R4_rotation_failure_reports_synced_commits_as_not_durable()
    {
        var storage = new FaultyStorage();
        var db = await OpenAsync(storage);
        var handle = db.CreateHandle();
        for (var i = 0; i < 170; i++)
        {
            await handle.InsertAsync(Key(i), i, Ct);
        }

        Assert.Single(Segments(storage));
        using var gate = new ManualResetEventSlim(false);
        storage.SyncGate = gate;
        storage.ResetSyncSignals();
        var first = handle.InsertAsync(Key(170), 170, Ct).AsTask();
        await storage.SyncStarted.WaitAsync(Ct); // the rest queue up behind this sync as one batch
        var rest = Enumerable.Range(171, 60).Select(i => (i, handle.InsertAsync(Key(i), i, Ct).AsTask())).ToList();
        storage.FailCreates = true;
        gate.Set();
        await first;
        var failed = new List<int>();
        foreach (var (i, t) in rest)
        {
            try
            {
                await t;
            }
            catch (FluxMapIOException)
            {
                failed.Add(i);
            }
        }

        Assert.NotEmpty(failed);
        var recovered = storage.CloneDurable();
        storage.FailCreates = false;
        await db.DisposeAsync();
        await using var reopened = await OpenAsync(recovered);
        var h2 = reopened.CreateHandle();
        var back = new List<int>();
        foreach (var i in failed)
        {
            if (await h2.ContainsKeyAsync(Key(i), Ct))
            {
                back.Add(i);
            }
        }

        Assert.True(back.Count == 0, $"{back.Count} of {failed.Count} commits that failed with 'not made durable' are durable after reopen");
    }

    // R5: an I/O failure during open/recovery escapes as a raw IOException.
    [Fact]
    public async Task R5_io_failure_during_open_is_a_FluxMapIOException()
    {
        var storage = new FaultyStorage { FailSyncs = true };
        var e = await Record.ExceptionAsync(async () => await OpenAsync(storage));
        Assert.IsType<FluxMapIOException>(e);
    }

    // R6: Relaxed, the final sync in DisposeAsync fails: DisposeAsync reports success, data lost.
    [Fact]
    public async Task R6_dispose_reports_a_failed_final_sync()
    {
        var storage = new FaultyStorage();
        var db = await OpenAsync(storage, DurabilityMode.Relaxed);
        await db.CreateHandle().InsertAsync("a", 1, Ct);
        storage.FailSyncs = true;
        var e = await Record.ExceptionAsync(async () => await db.DisposeAsync());
        storage.FailSyncs = false;
        storage.PowerLoss();
        await using var reopened = await OpenAsync(storage, DurabilityMode.Relaxed);
        var present = await reopened.CreateHandle().ContainsKeyAsync("a", Ct);
        Assert.True(e is FluxMapIOException || present, $"DisposeAsync completed without error ({e?.GetType().Name ?? "none"}) yet the acknowledged commit is gone");
    }

    // R7: Relaxed: a flush tick that lands in the same batch as a commit does not sync it.
    [Fact]
    public async Task R7_tick_in_the_same_batch_as_a_commit_syncs_it()
    {
        var storage = new FaultyStorage();
        var time = new FakeTimeProvider();
        using var gate = new ManualResetEventSlim(false);
        await using var db = await OpenAsync(storage, DurabilityMode.Relaxed, time);
        var handle = db.CreateHandle();
        await handle.InsertAsync("a", 1, Ct);
        storage.SyncGate = gate;
        storage.ResetSyncSignals();
        var flush = db.FlushAsync(Ct);
        await storage.SyncStarted.WaitAsync(Ct); // the writer blocks in the flush's sync
        await handle.InsertAsync("b", 2, Ct);
        time.Advance(TimeSpan.FromHours(1)); // the interval elapses: tick queued behind "b"
        gate.Set();
        await flush;
        await storage.SyncFinished.WaitAsync(Ct);
        Assert.True(await storage.SyncFinished.WaitAsync(TimeSpan.FromSeconds(30), Ct), "the batch holding 'b' and the tick was never synced");
        var durable = storage.CloneDurable();
        await using var reopened = await OpenAsync(durable, DurabilityMode.Relaxed);
        Assert.True(await reopened.CreateHandle().ContainsKeyAsync("b", Ct), "the flush interval elapsed after 'b' was acknowledged, yet it was not synced");
    }

    // Relaxed commits nobody waits for wake the log's threads only once enough of them are queued
    // (docs/benchmarks.md: a wake-up per commit cost a committer that never waits more CPU than its
    // commits); fewer than that are written and synced by the interval's tick alone.
    [Fact]
    public async Task R9_relaxed_commits_too_few_to_wake_the_log_are_synced_by_the_interval()
    {
        var storage = new FaultyStorage();
        var time = new FakeTimeProvider();
        await using var db = await OpenAsync(storage, DurabilityMode.Relaxed, time);
        storage.ResetSyncSignals();
        var handle = db.CreateHandle();
        const int commits = WalIntake.WakeAfterPlainItems / 2;
        for (var i = 0; i < commits; i++)
        {
            await handle.InsertAsync($"k{i:D4}", i, Ct);
        }

        time.Advance(TimeSpan.FromHours(1));
        Assert.True(await storage.SyncFinished.WaitAsync(TimeSpan.FromSeconds(30), Ct), "the interval elapsed, yet nothing was synced");
        await using var reopened = await OpenAsync(storage.CloneDurable(), DurabilityMode.Relaxed);
        Assert.Equal(commits, await CountAsync(reopened));
    }
}

public sealed class WalDisposeRaceTests
{
    [Theory]
    [InlineData(DurabilityMode.Full)]
    [InlineData(DurabilityMode.Relaxed)]
    public async Task R8_dispose_while_commits_are_in_flight_never_hangs_or_loses_acknowledged(DurabilityMode mode)
    {
        for (var round = 0; round < 30; round++)
        {
            var storage = new FaultyStorage();
            var options = new FluxMapOptions { Durability = mode, DataDirectory = "/race/db", WalSegmentSize = 64 * 1024, RetryBaseDelay = TimeSpan.Zero, FlushInterval = TimeSpan.FromMilliseconds(1) };
            var db = await FluxDatabase.CreateBuilder<string, int>().WithOptions(options).WithStorage(storage).OpenAsync(Ct);
            var handle = db.CreateHandle();
            var acked = new System.Collections.Concurrent.ConcurrentBag<string>();
            using var acks = new SemaphoreSlim(0);
            var unexpected = new System.Collections.Concurrent.ConcurrentBag<Exception>();
            var writers = Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
            {
                for (var i = 0; ; i++)
                {
                    var key = $"w{w}:{i}:" + new string('x', 100);
                    try
                    {
                        if (i % 3 == 0)
                        {
                            await handle.TransactionAsync(async (tx, ct) => { await tx.InsertAsync(key, i, ct); }, Ct);
                        }
                        else
                        {
                            await handle.InsertAsync(key, i, Ct);
                        }

                        acked.Add(key);
                        acks.Release();
                    }
                    catch (ObjectDisposedException)
                    {
                        return;
                    }
                    catch (Exception e)
                    {
                        unexpected.Add(e);
                        return;
                    }
                }
            }, Ct)).ToList();

            // Dispose after a random number of acknowledged commits, while the writers keep going.
            for (var n = Random.Shared.Next(1, 200); n > 0; n--)
            {
                await acks.WaitAsync(Ct);
            }

            var dispose = db.DisposeAsync().AsTask();
            var all = Task.WhenAll(writers.Append(dispose));
            Assert.True(await all.WaitAsync(TimeSpan.FromSeconds(30), Ct).ContinueWith(t => t.IsCompletedSuccessfully, TaskScheduler.Default), $"round {round}: hang");
            Assert.Empty(unexpected);
            storage.PowerLoss();
            await using var reopened = await FluxDatabase.CreateBuilder<string, int>().WithOptions(options).WithStorage(storage).OpenAsync(Ct);
            var keys = (await reopened.CreateHandle().ScanAsync(KeyRange<string>.All, cancellationToken: Ct).ToListAsync()).Select(p => p.Key).ToHashSet();
            Assert.All(acked, k => Assert.Contains(k, keys));
        }
    }
}
