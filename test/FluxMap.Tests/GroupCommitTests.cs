using FluxMap.Durability;
using FluxMap.IO;
using FluxMap.Tests.IO;
using static FluxMap.Tests.Fixture;

namespace FluxMap.Tests;

/// <summary>
/// Full durability's group commit with overlapped syncs: while one group's sync runs, the next
/// group is written, and a sync acknowledges only what was written before it began, in log order.
/// A failed sync acknowledges nothing after it, overlapped groups included.
/// </summary>
public sealed class GroupCommitTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private static FluxMapOptions Options(string directory) => new()
    {
        Durability = DurabilityMode.Full,
        DataDirectory = directory,
        UseDataFile = false,
        VacuumInterval = TimeSpan.Zero,
    };

    private static void Drain(SemaphoreSlim signal)
    {
        while (signal.Wait(0))
        {
        }
    }

    [Fact]
    public async Task A_sync_acknowledges_only_what_was_written_before_it_began_while_the_next_group_is_written()
    {
        var storage = new FaultyStorage();
        using var first = new ManualResetEventSlim(false);
        using var second = new ManualResetEventSlim(false);
        using var written = new SemaphoreSlim(0);
        await using (var db = await FluxDatabase.CreateBuilder<string, string>().WithOptions(Options("/group/db")).WithStorage(storage).OpenAsync(Ct))
        {
            var handle = db.CreateHandle();
            await handle.InsertAsync("before", "0", Ct);
            storage.ResetSyncSignals();
            storage.SyncGate = first;
            var a = handle.InsertAsync("a", "1", Ct).AsTask();
            Assert.True(await storage.SyncStarted.WaitAsync(Patience, Ct), "a's sync never started");

            // The first sync is held at the disk: b's group is written all the same.
            storage.SyncGate = second;
            storage.AfterWrite = (_, _, _) => written.Release();
            var b = handle.InsertAsync("b", "2", Ct).AsTask();
            Assert.True(await written.WaitAsync(Patience, Ct), "b was not written while a's sync ran");
            Assert.False(a.IsCompleted);
            Assert.False(b.IsCompleted);

            // a's sync returns and acknowledges a; b was written after it began, so b waits for
            // the next sync, which starts only now.
            first.Set();
            await a;
            Assert.True(await storage.SyncStarted.WaitAsync(Patience, Ct), "b's sync never started");
            Assert.False(b.IsCompleted);
            Assert.False(await handle.ContainsKeyAsync("b", Ct), "b is visible before it is durable");
            second.Set();
            await b;
        }

        storage.PowerLoss();
        await using var reopened = await FluxDatabase.CreateBuilder<string, string>().WithOptions(Options("/group/db")).WithStorage(storage).OpenAsync(Ct);
        Assert.Equal(["a", "b", "before"], (await reopened.CreateHandle().ScanAsync(KeyRange<string>.All, cancellationToken: Ct).ToListAsync()).Select(pair => pair.Key));
    }

    [Fact]
    public async Task A_failed_sync_between_overlapped_groups_acknowledges_nothing_after_it()
    {
        using var temp = new TempDirectory();
        var calls = new FailingSyncCalls();
        using var first = new ManualResetEventSlim(false);
        using var second = new ManualResetEventSlim(false);
        var options = Options(temp.Path);
        var open = FluxDatabase.CreateBuilder<string, string>().WithOptions(options).WithStorage(new PhysicalStorage(new FileSync(calls)));
        await using (var db = await open.OpenAsync(Ct))
        {
            var handle = db.CreateHandle();
            await handle.InsertAsync("before", "0", Ct);
            Drain(calls.DataStarted);
            calls.HoldData = first;
            var a = handle.InsertAsync("a", "1", Ct).AsTask();
            Assert.True(await calls.DataStarted.WaitAsync(Patience, Ct), "a's sync never started");

            // Written while a's sync is held; their sync is held next, and fails.
            calls.HoldData = second;
            var middle = Enumerable.Range(0, 16).Select(i => handle.InsertAsync($"m{i:D2}", "2", Ct).AsTask()).ToList();
            first.Set();
            await a;
            Assert.True(await calls.DataStarted.WaitAsync(Patience, Ct), "the middle groups' sync never started");

            // Written while the failing sync is held: after it in the log, so never acknowledged.
            var late = Enumerable.Range(0, 16).Select(i => handle.InsertAsync($"z{i:D2}", "3", Ct).AsTask()).ToList();
            calls.FailData = true;
            second.Set();
            foreach (var commit in middle.Concat(late))
            {
                await Assert.ThrowsAsync<FluxMapIOException>(() => commit);
            }

            // No sync after the failed one, whatever is asked.
            calls.FailData = false;
            var syncs = calls.Calls;
            await Assert.ThrowsAsync<FluxMapIOException>(async () => await handle.InsertAsync("after", "4", Ct));
            await Assert.ThrowsAsync<FluxMapIOException>(() => db.FlushAsync(Ct));
            Assert.Equal(syncs, calls.Calls);
            Assert.Equal(FluxHealthStatus.Failed, db.GetHealth().Status);
        }

        await using var reopened = await FluxDatabase.OpenAsync<string, string>(options, Ct);
        var keys = (await reopened.CreateHandle().ScanAsync(KeyRange<string>.All, cancellationToken: Ct).ToListAsync()).Select(pair => pair.Key).ToList();
        Assert.Contains("before", keys);
        Assert.Contains("a", keys);
        Assert.DoesNotContain("after", keys);
    }
}
