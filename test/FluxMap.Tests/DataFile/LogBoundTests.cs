using FluxMap.DataFile;
using static FluxMap.Tests.Fixture;

namespace FluxMap.Tests.DataFile;

/// <summary>
/// The log's bound on disk (WalPoolSize × WalSegmentSize) holds when checkpoints fall behind:
/// once the live segments reach it, commits wait, outside every lock, for a checkpoint to give
/// segments back, and the first of them starts one. Closing fails the waiting commits and keeps
/// every acknowledged one.
/// </summary>
public sealed class LogBoundTests
{
    private const string Dir = "/bound/db";
    private const long Bound = 2 * 64 * 1024;
    private static readonly string DataPath = Path.Combine(Dir, DataFileFormat.FileName);
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private static readonly string Value = new('v', 1000);

    // Two segments of 64 KiB, about 60 commits each; every background round an hour away, so
    // only a commit waiting for room starts a checkpoint.
    private static FluxMapOptions Options()
    {
        var options = DataFileFixture.Manual(Dir, DurabilityMode.Full, shards: 1, maxEntries: 100_000);
        options.WalPoolSize = 2;
        return options;
    }

    private static string Key(int i) => $"k{i:D5}";

    // Writes one commit at a time until one waits for room (the checkpoint it starts stalls in
    // its first data file write); returns how many were acknowledged and the one that waits.
    private static async Task<(int Acknowledged, Task Waiting)> FillAsync(FluxDatabase<string, string> db, FaultyStorage storage, ManualResetEventSlim stall)
    {
        var stalled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        storage.BeforeWrite = (path, _) =>
        {
            if (path == DataPath && stalled.TrySetResult())
            {
                stall.Wait(Patience, Ct);
            }
        };

        var handle = db.CreateHandle();
        for (var i = 0; i < 1_000; i++)
        {
            var insert = handle.InsertAsync(Key(i), Value, Ct).AsTask();
            if (await Task.WhenAny(insert, stalled.Task) != insert)
            {
                return (i, insert);
            }

            await insert;
            Assert.True(db.GetStatistics().WalDiskBytes <= Bound, $"the log holds {db.GetStatistics().WalDiskBytes} bytes after commit {i}");
        }

        throw new InvalidOperationException("No commit ever waited for room.");
    }

    [Fact]
    public async Task Commits_wait_at_the_bound_until_a_checkpoint_gives_segments_back_and_the_log_never_passes_it()
    {
        var storage = new FaultyStorage();
        using var stall = new ManualResetEventSlim(false);
        await using var db = await DataFileFixture.OpenAsync(storage, Options());
        var (acknowledged, waiting) = await FillAsync(db, storage, stall);
        Assert.True(acknowledged > 60, $"only {acknowledged} commits before the first wait: the bound closed before the log's second segment");

        // More commits wait behind it; an explicit checkpoint meanwhile waits for the stalled one,
        // not for the commits.
        var handle = db.CreateHandle();
        var more = Enumerable.Range(acknowledged + 1, 8).Select(i => handle.InsertAsync(Key(i), Value, Ct).AsTask()).ToList();
        var checkpoint = db.CheckpointAsync(Ct);
        Assert.False(waiting.IsCompleted);
        Assert.All(more, insert => Assert.False(insert.IsCompleted));
        Assert.Equal(Bound, db.GetStatistics().WalDiskBytes);

        stall.Set();
        await waiting;
        await Task.WhenAll(more);
        await checkpoint;

        // Eight writers at once, with checkpoints only when commits wait: the log stays within its bound.
        var maxDisk = 0L;
        await Task.WhenAll(Enumerable.Range(0, 8).Select(writer => Task.Run(
            async () =>
            {
                for (var i = 0; i < 100; i++)
                {
                    await handle.InsertAsync(Key(10_000 + (writer * 1_000) + i), Value, Ct);
                    InterlockedMax(ref maxDisk, db.GetStatistics().WalDiskBytes);
                }
            },
            Ct)));
        Assert.True(maxDisk <= Bound, $"the log reached {maxDisk} bytes against a bound of {Bound}");
        Assert.Equal(acknowledged + 9 + 800, await handle.ScanAsync(KeyRange<string>.All, cancellationToken: Ct).CountAsync(Ct));
    }

    [Fact]
    public async Task Closing_fails_the_commits_that_wait_for_room_and_keeps_every_acknowledged_one()
    {
        var storage = new FaultyStorage();
        using var stall = new ManualResetEventSlim(false);
        var db = await DataFileFixture.OpenAsync(storage, Options());
        int acknowledged;
        try
        {
            (acknowledged, var waiting) = await FillAsync(db, storage, stall);
            var closing = db.DisposeAsync().AsTask();
            await Assert.ThrowsAsync<ObjectDisposedException>(() => waiting);
            Assert.False(closing.IsCompleted);
            stall.Set();
            await closing;
        }
        finally
        {
            stall.Set();
            await db.DisposeAsync();
        }

        await using var reopened = await DataFileFixture.OpenAsync(storage, Options());
        var keys = (await DataFileFixture.ContentAsync(reopened)).Keys.Order().ToList();
        Assert.Equal(Enumerable.Range(0, acknowledged).Select(Key), keys);
    }

    private static void InterlockedMax(ref long target, long value)
    {
        var current = Volatile.Read(ref target);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref target, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }
}
