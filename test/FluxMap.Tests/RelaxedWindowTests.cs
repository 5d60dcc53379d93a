using FluxMap.Serialization;
using static FluxMap.Tests.Fixture;

namespace FluxMap.Tests;

/// <summary>
/// Relaxed mode's promise, exactly: with the log's sync stalled, commits are acknowledged until
/// <c>2 × FlushAfterCommits</c> commits or <c>2 × FlushAfterBytes</c> payload bytes are unsynced,
/// and the next one waits for a sync. The crash test binds the same window under SIGKILL.
/// </summary>
public sealed class RelaxedWindowTests
{
    private const string Dir = "/window/db";

    [Fact]
    public async Task Commits_wait_once_twice_FlushAfterCommits_are_acknowledged_and_unsynced()
    {
        var (acknowledged, waiting) = await AcknowledgedBeforeOneWaitsAsync(flushAfterCommits: 4, flushAfterBytes: 1L << 40, valueLength: 10);
        Assert.Equal(8, acknowledged);
        Assert.True(waiting);
    }

    [Fact]
    public async Task Commits_wait_once_twice_FlushAfterBytes_of_payload_are_acknowledged_and_unsynced()
    {
        const int flushAfterBytes = 4096;
        const int valueLength = 500;
        var payload = new WalCodec<string, string>(null).EncodeSingle(Key(0), new string('v', valueLength), isDelete: false, 0).Length;

        var (acknowledged, waiting) = await AcknowledgedBeforeOneWaitsAsync(flushAfterCommits: 1_000_000, flushAfterBytes, valueLength);
        Assert.Equal(2 * flushAfterBytes / payload, acknowledged);
        Assert.True(waiting);
    }

    // Keys of one length, so every commit's payload has the same size.
    private static string Key(int i) => $"k{i:D6}";

    private static async Task<(int Acknowledged, bool Waiting)> AcknowledgedBeforeOneWaitsAsync(int flushAfterCommits, long flushAfterBytes, int valueLength)
    {
        var storage = new FaultyStorage();
        using var gate = new ManualResetEventSlim(false);
        var options = new FluxMapOptions
        {
            Durability = DurabilityMode.Relaxed,
            DataDirectory = Dir,
            FlushInterval = TimeSpan.FromHours(1),
            FlushAfterCommits = flushAfterCommits,
            FlushAfterBytes = flushAfterBytes,
            UseDataFile = false,
        };
        await using var db = await FluxDatabase.CreateBuilder<string, string>().WithOptions(options).WithStorage(storage).OpenAsync(Ct);
        var handle = db.CreateHandle();
        storage.SyncGate = gate;

        var value = new string('v', valueLength);
        var acknowledged = 0;
        Task? waiting = null;
        for (var i = 0; i < 10_000 && waiting is null; i++)
        {
            var insert = handle.InsertAsync(Key(i), value, Ct).AsTask();
            if (insert.IsCompleted)
            {
                await insert;
                acknowledged++;
            }
            else
            {
                waiting = insert;
            }
        }

        // Nothing is synced while the gate is shut, so nothing may end the wait but the sync.
        var stillWaiting = waiting is { IsCompleted: false };
        gate.Set();
        if (waiting is not null)
        {
            await waiting;
        }

        Assert.Equal(acknowledged + (waiting is null ? 0 : 1), await handle.ScanAsync(KeyRange<string>.All, cancellationToken: Ct).CountAsync(Ct));
        return (acknowledged, stillWaiting);
    }
}
