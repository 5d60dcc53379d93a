using System.Buffers.Binary;
using Microsoft.Extensions.Caching.Distributed;
using static FluxMap.Caching.Tests.CacheHost;

namespace FluxMap.Caching.Tests;

/// <summary>Many callers on few keys at once, and the host stopping under them.</summary>
public sealed class ConcurrencyTests
{
    private const int Keys = 4;
    private static readonly DistributedCacheEntryOptions Sliding = new() { SlidingExpiration = TimeSpan.FromMinutes(5) };

    [Fact]
    public async Task Concurrent_sets_gets_refreshes_and_removes_only_ever_read_a_whole_value_some_caller_wrote()
    {
        await using var host = await StartAsync();
        var cache = host.Cache;
        var workers = Enumerable.Range(0, 8).Select(worker => Task.Run(() => WorkAsync(cache, worker, operations: 2_000), Ct)).ToArray();
        await Task.WhenAll(workers);

        // Every key holds the last value written or nothing; a final write reads back as written.
        for (var key = 0; key < Keys; key++)
        {
            if (await cache.GetAsync($"k{key}", Ct) is { } value)
            {
                Check(key, value);
            }

            await cache.SetAsync($"k{key}", Payload(key, worker: 99, sequence: 0), Sliding, Ct);
            Assert.Equal(Payload(key, 99, 0), await cache.GetAsync($"k{key}", Ct));
        }
    }

    [Fact]
    public async Task Stopping_the_host_under_running_callers_ends_each_with_the_database_closed_and_nothing_else()
    {
        using var dir = new TempDirectory();
        var host = await StartAsync(directory: dir.Path);
        var cache = host.Cache;
        var running = Enumerable.Range(0, 4).Select(_ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).ToArray();
        var workers = Enumerable.Range(0, running.Length).Select(worker => Task.Run(
            async () =>
            {
                for (var sequence = 0; ; sequence++)
                {
                    await Step(cache, worker, sequence, new Random(worker * 7919 + sequence));
                    running[worker].TrySetResult();
                }
            },
            Ct)).ToArray();
        await Task.WhenAll(running.Select(r => r.Task)).WaitAsync(TimeSpan.FromSeconds(30), Ct);

        await host.DisposeAsync();

        foreach (var worker in workers)
        {
            await Assert.ThrowsAsync<ObjectDisposedException>(() => worker.WaitAsync(TimeSpan.FromSeconds(30), Ct));
        }

        // What was acknowledged before the stop is there after a restart, each value whole.
        await using var reopened = await StartAsync(directory: dir.Path);
        for (var key = 0; key < Keys; key++)
        {
            if (await reopened.Cache.GetAsync($"k{key}", Ct) is { } value)
            {
                Check(key, value);
            }
        }
    }

    private static async Task WorkAsync(IDistributedCache cache, int worker, int operations)
    {
        var random = new Random(1000 + worker);
        for (var sequence = 0; sequence < operations; sequence++)
        {
            await Step(cache, worker, sequence, random);
        }
    }

    private static async Task Step(IDistributedCache cache, int worker, int sequence, Random random)
    {
        var key = random.Next(Keys);
        switch (random.Next(4))
        {
            case 0:
                await cache.SetAsync($"k{key}", Payload(key, worker, sequence), random.Next(2) == 0 ? Sliding : new DistributedCacheEntryOptions(), Ct);
                break;
            case 1:
                await cache.RemoveAsync($"k{key}", Ct);
                break;
            case 2:
                await cache.RefreshAsync($"k{key}", Ct);
                break;
            default:
                if (await cache.GetAsync($"k{key}", Ct) is { } value)
                {
                    Check(key, value);
                }

                break;
        }
    }

    // A value names its key, writer and sequence and is as long as they say, so a torn or misplaced one shows.
    private static byte[] Payload(int key, int worker, int sequence)
    {
        var value = new byte[12 + (((worker * 31) + sequence) % 200)];
        BinaryPrimitives.WriteInt32LittleEndian(value, key);
        BinaryPrimitives.WriteInt32LittleEndian(value.AsSpan(4), worker);
        BinaryPrimitives.WriteInt32LittleEndian(value.AsSpan(8), sequence);
        value.AsSpan(12).Fill((byte)(worker + sequence));
        return value;
    }

    private static void Check(int key, byte[] value)
    {
        var (worker, sequence) = (BinaryPrimitives.ReadInt32LittleEndian(value.AsSpan(4)), BinaryPrimitives.ReadInt32LittleEndian(value.AsSpan(8)));
        Assert.Equal(key, BinaryPrimitives.ReadInt32LittleEndian(value));
        Assert.Equal(Payload(key, worker, sequence), value);
    }
}
