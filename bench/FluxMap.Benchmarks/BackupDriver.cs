using System.Diagnostics;

namespace FluxMap.Benchmarks;

/// <summary>
/// `-- backup [--keys N]`: an online backup of N keys (default 1,000,000) of 100-byte values while one
/// writer commits, as a ratio to a plain copy of the same directory's files in the same run, and the
/// writer's commit rate during the backup as a ratio to its rate without one.
/// </summary>
internal static class BackupDriver
{
    private const int ValueSize = 100;

    public static async Task<int> RunAsync(string[] args)
    {
        var at = Array.IndexOf(args, "--keys");
        var keys = at >= 0 ? int.Parse(args[at + 1], System.Globalization.CultureInfo.InvariantCulture) : 1_000_000;
        var root = Path.Combine(Path.GetTempPath(), "fluxmap-bench-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(root);
        try
        {
            Console.WriteLine($"Machine: {BenchmarkData.Machine()}");
            Console.WriteLine($"Relaxed durability, data file on; {keys:N0} keys (string \"key:NNNNNNNNNN\") x {ValueSize} B byte[] values; 1 writer; every figure from this run.");
            var source = Path.Combine(root, "db");
            await using var db = await FluxDatabase.OpenAsync<string, byte[]>(new FluxMapOptions { Durability = DurabilityMode.Relaxed, DataDirectory = source });
            var handle = db.CreateHandle();
            var value = new byte[ValueSize];
            for (var start = 0; start < keys; start += 10_000)
            {
                var end = Math.Min(keys, start + 10_000);
                await handle.TransactionAsync(async (tx, ct) =>
                {
                    for (var i = start; i < end; i++)
                    {
                        await tx.InsertAsync(BenchmarkData.Key(i), value, ct);
                    }
                });
            }

            await db.CheckpointAsync();

            // The baseline: the files as they are, copied while the writer runs (not a consistent copy; the cost of reading and writing the bytes).
            var (copy, copyRate) = await WhileWritingAsync(handle, keys, () =>
            {
                var target = Directory.CreateDirectory(Path.Combine(root, "copy")).FullName;
                foreach (var file in Directory.EnumerateFiles(source).Where(f => !f.EndsWith("fluxmap.lock", StringComparison.Ordinal)))
                {
                    File.Copy(file, Path.Combine(target, Path.GetFileName(file)));
                }

                return Task.CompletedTask;
            });
            var (backup, backupRate) = await WhileWritingAsync(handle, keys, () => db.BackupAsync(Path.Combine(root, "backup")));
            var (idle, idleRate) = await WhileWritingAsync(handle, keys, () => Task.Delay(backup));

            Console.WriteLine($"Plain file copy:         {copy.TotalSeconds,8:F2} s");
            Console.WriteLine($"Online backup:           {backup.TotalSeconds,8:F2} s = {backup / copy:F2} x the file copy");
            Console.WriteLine($"Writer without backup:   {idleRate,12:N0} commits/s (over {idle.TotalSeconds:F2} s)");
            Console.WriteLine($"Writer during backup:    {backupRate,12:N0} commits/s = {backupRate / idleRate:F2} x without   (during the file copy: {copyRate / idleRate:F2} x)");
            return 0;
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    // Runs `work` while one writer updates random existing keys; returns how long the work took and the writer's commits per second meanwhile.
    private static async Task<(TimeSpan Elapsed, double Rate)> WhileWritingAsync(FluxHandle<string, byte[]> handle, int keys, Func<Task> work)
    {
        using var stop = new CancellationTokenSource();
        var commits = 0L;
        var writer = Task.Run(async () =>
        {
            var random = new Random(1);
            var value = new byte[ValueSize];
            while (!stop.IsCancellationRequested)
            {
                await handle.InsertAsync(BenchmarkData.Key(random.Next(keys)), value);
                commits++;
            }
        });
        var watch = Stopwatch.StartNew();
        await work();
        var elapsed = watch.Elapsed;
        await stop.CancelAsync();
        await writer;
        return (elapsed, commits / elapsed.TotalSeconds);
    }
}
