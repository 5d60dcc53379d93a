using System.Diagnostics;

namespace FluxMap.Benchmarks;

/// <summary>Runs one operation in a loop on several workers for a fixed time and counts the calls.</summary>
internal static class TimedWorkers
{
    // The clock is read once per batch so that reading it stays a small part of a fast operation.
    private const int Batch = 64;

    /// <summary>
    /// Runs <paramref name="operation"/> on <paramref name="workers"/> workers until
    /// <paramref name="duration"/> has passed; worker w draws from <c>new Random(Seed + w)</c>, so
    /// every run sees the same sequence of keys.
    /// </summary>
    /// <returns>The calls made and the time until the last worker stopped.</returns>
    public static async Task<(long Operations, TimeSpan Elapsed)> RunAsync(int workers, TimeSpan duration, Func<Random, ValueTask> operation)
    {
        var start = Stopwatch.GetTimestamp();
        var deadline = start + (long)(duration.TotalSeconds * Stopwatch.Frequency);

        // In memory the operations complete synchronously, so a worker never gives its thread back:
        // each gets a thread of its own, and the thread pool stays free for the database's
        // background services (vacuum), as it would be in a service whose requests await I/O.
        var counts = await Task.WhenAll(Enumerable.Range(0, workers).Select(w => Task.Factory.StartNew(
            () => LoopAsync(new Random(BenchmarkData.Seed + w), deadline, operation),
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default).Unwrap()));
        return (counts.Sum(), Stopwatch.GetElapsedTime(start));
    }

    private static async Task<long> LoopAsync(Random random, long deadline, Func<Random, ValueTask> operation)
    {
        var count = 0L;
        while (Stopwatch.GetTimestamp() < deadline)
        {
            for (var i = 0; i < Batch; i++)
            {
                await operation(random);
            }

            count += Batch;
        }

        return count;
    }
}
