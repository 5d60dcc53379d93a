using System.Diagnostics;
using Microsoft.Win32.SafeHandles;

namespace FluxMap.Benchmarks;

/// <summary>
/// `-- durability [--quick]`: the write-ahead log's figures as ratios to baselines measured in the
/// same run: the fsync latency of a 4 KiB append, one and 64 Full-mode committers, Relaxed versus
/// in-memory inserts, and recovery speed versus a plain sequential read of the same files.
/// </summary>
internal static class DurabilityDriver
{
    public static async Task<int> RunAsync(string[] args)
    {
        var quick = args.Contains("--quick");
        var seconds = quick ? 1.0 : 3.0;
        var root = Path.Combine(Path.GetTempPath(), "fluxmap-bench-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(root);
        try
        {
            Console.WriteLine($"Machine: {BenchmarkData.Machine()}");
            Console.WriteLine("Keys: string (\"key:NNNNNNNN\"), values: byte[]; every figure below is from this one run.");
            Console.WriteLine();

            var fsync = FsyncLatency(Path.Combine(root, "fsync.probe"), quick ? 200 : 1000);
            var physicalLimit = 1 / fsync.TotalSeconds;
            Console.WriteLine($"fsync of a 4 KiB append: median {fsync.TotalMilliseconds:F3} ms -> at most {physicalLimit:F0} synced appends/s from one writer");

            var one = await CommitRateAsync(Path.Combine(root, "full1"), DurabilityMode.Full, writers: 1, seconds, valueSize: 100);
            var many = await CommitRateAsync(Path.Combine(root, "full64"), DurabilityMode.Full, writers: 64, seconds, valueSize: 100);
            Console.WriteLine($"Full, 1 committer:   {one,12:N0} commits/s = {one / physicalLimit:F2} x (1 / fsync latency)   [target >= 0.8]");
            Console.WriteLine($"Full, 64 committers: {many,12:N0} commits/s = {many / one:F1} x one committer           [target >= 30]");

            var memory = await CommitRateAsync(null, DurabilityMode.InMemory, writers: 1, seconds, valueSize: 100);
            var relaxed = await CommitRateAsync(Path.Combine(root, "relaxed"), DurabilityMode.Relaxed, writers: 1, seconds, valueSize: 100);
            Console.WriteLine($"In-memory inserts:   {memory,12:N0} /s");
            Console.WriteLine($"Relaxed inserts:     {relaxed,12:N0} /s = {relaxed / memory:P0} of in-memory               [target >= 70%]");
            var relaxedMany = await CommitRateAsync(Path.Combine(root, "relaxed64"), DurabilityMode.Relaxed, writers: 64, seconds, valueSize: 100);
            Console.WriteLine($"Relaxed, 64 writers: {relaxedMany,12:N0} /s = {relaxedMany / relaxed:F2} x one writer");

            var small = await RecoveryAsync(Path.Combine(root, "recover-small"), quick ? 200_000 : 1_000_000, valueSize: 16);
            Console.WriteLine($"Recovery, {small.Records:N0} small records: {small.Records / small.Open.TotalSeconds,12:N0} records/s ({small.Open.TotalSeconds:F2} s)   [target >= 1M/s]");
            var large = await RecoveryAsync(Path.Combine(root, "recover-large"), quick ? 500 : 2_000, valueSize: 64 * 1024);
            Console.WriteLine($"Recovery, {large.Records:N0} x 64 KiB values: {large.Bytes / large.Open.TotalSeconds / (1 << 20),8:N0} MiB/s; " +
                $"read alone {large.Bytes / large.Read.TotalSeconds / (1 << 20):N0} MiB/s -> {large.Read.TotalSeconds / large.Open.TotalSeconds:P0} of sequential read   [target >= 50%]");
            return 0;
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static TimeSpan FsyncLatency(string path, int count)
    {
        using var handle = File.OpenHandle(path, FileMode.CreateNew, FileAccess.ReadWrite);
        var block = new byte[4096];
        var samples = new List<double>(count);
        for (var i = 0; i < count; i++)
        {
            var start = Stopwatch.GetTimestamp();
            RandomAccess.Write(handle, block, (long)i * block.Length);
            RandomAccess.FlushToDisk(handle);
            samples.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }

        samples.Sort();
        return TimeSpan.FromMilliseconds(samples[samples.Count / 2]);
    }

    private static async Task<double> CommitRateAsync(string? directory, DurabilityMode mode, int writers, double seconds, int valueSize)
    {
        var options = new FluxMapOptions { Durability = mode, DataDirectory = directory, WalSegmentSize = 64L << 20 };
        await using var db = await FluxDatabase.OpenAsync<string, byte[]>(options);
        var handle = db.CreateHandle();
        var value = new byte[valueSize];
        var deadline = Stopwatch.GetTimestamp() + (long)(seconds * Stopwatch.Frequency);
        var counts = await Task.WhenAll(Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
        {
            var n = 0L;
            while (Stopwatch.GetTimestamp() < deadline)
            {
                await handle.InsertAsync($"key:{w:D2}{n++ % 100_000:D6}", value);
            }

            return n;
        })));
        return counts.Sum() / seconds;
    }

    private static async Task<(long Records, long Bytes, TimeSpan Open, TimeSpan Read)> RecoveryAsync(string directory, int records, int valueSize)
    {
        // Default segment size: replay reads a whole segment at a time into one reused buffer.
        var options = new FluxMapOptions { Durability = DurabilityMode.Relaxed, DataDirectory = directory, FlushAfterCommits = 100_000 };
        await using (var db = await FluxDatabase.OpenAsync<string, byte[]>(options))
        {
            var handle = db.CreateHandle();
            var value = new byte[valueSize];
            for (var i = 0; i < records; i++)
            {
                await handle.InsertAsync($"key:{i:D8}", value);
            }
        }

        var files = Directory.GetFiles(directory, "wal-*.log");
        var bytes = files.Sum(f => new FileInfo(f).Length);

        // Baseline: read the same files sequentially, no parsing, after the same page-cache warm-up.
        var buffer = new byte[1 << 20];
        var read = Stopwatch.StartNew();
        foreach (var file in files)
        {
            using SafeFileHandle handle = File.OpenHandle(file);
            for (long offset = 0, n; (n = RandomAccess.Read(handle, buffer, offset)) > 0; offset += n)
            {
            }
        }

        read.Stop();
        var open = Stopwatch.StartNew();
        await using (var reopened = await FluxDatabase.OpenAsync<string, byte[]>(options))
        {
            open.Stop();
        }

        return (records, bytes, open.Elapsed, read.Elapsed);
    }
}
