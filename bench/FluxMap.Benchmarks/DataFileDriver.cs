using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;

namespace FluxMap.Benchmarks;

/// <summary>
/// `-- datafile [--wal-minutes M] [--quick] [--only 1,2,3,4]`: the write-behind data file's
/// targets, each against a baseline measured in the same run: the log's disk use under a steady
/// write load against WalPoolSize × WalSegmentSize; restart time against replaying the same
/// history from the log alone; Relaxed insert throughput against the same inserts without the data
/// file; and a get of a paged-out value against a get in memory, with the read I/O it takes.
/// </summary>
internal sealed partial class DataFileDriver
{
    private const int ValueSize = 100;
    private const double RestartSecondsTarget = 2.0;
    private const double RestartSpeedupTarget = 5.0;
    private const double InsertRatioTarget = 0.80;

    // Large enough that the log-only history fits in a handful of files (about 10 for 1M keys x 5 writes).
    private const long WalOnlySegmentSize = 64L << 20;

    private readonly string _root;
    private readonly Settings _settings;
    private readonly byte[] _value = new byte[ValueSize];

    private DataFileDriver(string root, Settings settings)
    {
        _root = root;
        _settings = settings;
        new Random(BenchmarkData.Seed).NextBytes(_value);
    }

    public static async Task<int> RunAsync(string[] args)
    {
        var quick = args.Contains("--quick");
        var settings = quick ? Settings.Quick : Settings.Full;
        if (Argument(args, "--wal-minutes") is { } minutes)
        {
            settings = settings with { WalLoad = TimeSpan.FromMinutes(double.Parse(minutes, CultureInfo.InvariantCulture)) };
        }

        var only = Argument(args, "--only") is { } list ? list.Split(',').Select(int.Parse).ToHashSet() : [1, 2, 3, 4];
        var root = Path.Combine(Path.GetTempPath(), "fluxmap-bench-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(root);
        try
        {
            Console.WriteLine($"Command: dotnet run -c Release --project bench/FluxMap.Benchmarks -- datafile {string.Join(' ', args)}".TrimEnd());
            Console.WriteLine($"Machine: {BenchmarkData.Machine()}; load average at start: {BenchmarkData.LoadAverage()}");
            Console.WriteLine($"Durability: Relaxed (defaults: FlushInterval 10 ms, WalSegmentSize 4 MiB, WalPoolSize 8, WriteBehindInterval 100 ms, CheckpointInterval 10 s); " +
                $"TKey=string (\"{BenchmarkData.Key(0)}\"), TValue=byte[]; one writer unless said; every ratio is to a baseline from this run.");
            Console.WriteLine();
            var driver = new DataFileDriver(root, settings);
            if (only.Contains(1))
            {
                await driver.WalBoundAsync();
            }

            if (only.Contains(2))
            {
                await driver.RestartAsync();
            }

            if (only.Contains(3))
            {
                await driver.InsertThroughputAsync();
            }

            if (only.Contains(4))
            {
                await driver.PagedGetsAsync();
            }

            Console.WriteLine($"Load average at end: {BenchmarkData.LoadAverage()}");
            return 0;
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    // 1. Upserts of random keys for a long time; the log's disk use sampled every 100 ms.
    private async Task WalBoundAsync()
    {
        var s = _settings;
        var options = Relaxed(Fresh("wal-bound"));
        var bound = options.WalPoolSize * options.WalSegmentSize;
        Console.WriteLine($"## 1. Log disk use under a steady write load");
        Console.WriteLine();
        Console.WriteLine($"Autocommit upserts (InsertAsync) of {ValueSize} B values to uniformly random keys out of {s.Keys:N0}, one writer, for {s.WalLoad.TotalMinutes:F1} min, " +
            $"starting empty; WalDiskBytes sampled every 100 ms. Bound: WalPoolSize {options.WalPoolSize} x WalSegmentSize {Mib(options.WalSegmentSize)} = {Mib(bound)}.");
        Console.WriteLine();
        var keys = BenchmarkData.Keys(s.Keys);
        await using var db = await FluxDatabase.OpenAsync<string, byte[]>(options);
        var handle = db.CreateHandle();
        var sampler = new WalSampler(db, TimeSpan.FromMinutes(s.WalLoad.TotalMinutes >= 3 ? 1 : 0.25));
        Console.WriteLine("| Elapsed | Upserts | WalDiskBytes now | WalDiskBytes max so far | DataFileBytes | DataFileLiveBytes | Checkpoints | Compactions |");
        Console.WriteLine("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        var (operations, elapsed) = await TimedWorkers.RunAsync(1, s.WalLoad, random => handle.InsertAsync(keys[random.Next(keys.Length)], _value));
        await sampler.DisposeAsync();
        var end = db.GetStatistics();
        Console.WriteLine();
        Console.WriteLine($"- Upserts: {operations:N0} in {elapsed.TotalSeconds:F1} s = {operations / elapsed.TotalSeconds:N0}/s; keys at the end {end.Count:N0}; " +
            $"{end.WalBytes / (double)(1 << 20):N0} MiB appended to the log in all ({end.WalBytes / (double)bound:F0} x the bound).");
        Console.WriteLine($"- WalDiskBytes: max {Mib(sampler.MaxWal)} over {sampler.Samples:N0} samples (= {sampler.MaxWal / (double)bound:P0} of the bound {Mib(bound)}); " +
            $"samples above the bound: {sampler.AboveBound(bound):N0}; at the end {Mib(end.WalDiskBytes)}   [target: max <= bound] {Verdict(sampler.MaxWal <= bound)}");
        Console.WriteLine($"- Data file: {Mib(end.DataFileBytes)} at the end (max {Mib(sampler.MaxDataFile)}), live {Mib(end.DataFileLiveBytes)}; " +
            $"{Mib(end.DataFileBytesWritten)} written to it ({end.DataFileBytesWritten / (double)end.WalBytes:P0} of the log's bytes); " +
            $"{end.Checkpoints:N0} checkpoints, {end.Compactions:N0} compaction rounds; last checkpoint LSN {end.CheckpointLsn:N0} of {end.Commits:N0} commits.");
        Console.WriteLine();
    }

    // 2. The same history (insert every key, then update each a few times) with and without the
    //    data file; then each reopened, alternately.
    private async Task RestartAsync()
    {
        var s = _settings;
        var rounds = s.UpdateRounds + 1;
        var withFile = Relaxed(Path.Combine(_root, "restart-datafile"));
        var logOnly = Relaxed(Path.Combine(_root, "restart-log"));
        logOnly.UseDataFile = false;
        logOnly.WalSegmentSize = WalOnlySegmentSize;
        Console.WriteLine("## 2. Restart time");
        Console.WriteLine();
        Console.WriteLine($"History: {s.Keys:N0} keys inserted, then each updated {s.UpdateRounds} times ({rounds} rounds, each in a fresh random order; " +
            $"{ValueSize} B values, one writer) = {(long)s.Keys * rounds:N0} commits. With the data file: default options, checkpoints as they come, " +
            $"and the close checkpoint. Log alone: UseDataFile = false, WalSegmentSize {Mib(WalOnlySegmentSize)} (so the log is a few large files). " +
            $"Then OpenAsync of each, alternating, {s.Opens} times each, after a full GC; the files are in the page cache (just written).");
        Console.WriteLine();
        var keys = BenchmarkData.Keys(s.Keys);
        var values = Enumerable.Range(0, rounds).Select(r => RoundValue(r)).ToArray();
        var file = await WriteHistoryAsync(withFile, keys, values);
        var log = await WriteHistoryAsync(logOnly, keys, values);
        Console.WriteLine("| Database | Writing the history | Close | On disk after close |");
        Console.WriteLine("| --- | ---: | ---: | --- |");
        Console.WriteLine($"| With data file | {file.Write.TotalSeconds:F1} s ({(long)s.Keys * rounds / file.Write.TotalSeconds:N0} commits/s) | {file.Close.TotalMilliseconds:N0} ms | {file.Disk} |");
        Console.WriteLine($"| Log alone | {log.Write.TotalSeconds:F1} s ({(long)s.Keys * rounds / log.Write.TotalSeconds:N0} commits/s) | {log.Close.TotalMilliseconds:N0} ms | {log.Disk} |");
        Console.WriteLine();

        var fileOpens = new List<Open>();
        var logOpens = new List<Open>();
        for (var i = 0; i < s.Opens; i++)
        {
            fileOpens.Add(await TimeOpenAsync(withFile, keys, values[^1]));
            logOpens.Add(await TimeOpenAsync(logOnly, keys, values[^1]));
        }

        var fileOpen = Median(fileOpens.Select(o => o.Seconds).ToList());
        var logOpen = Median(logOpens.Select(o => o.Seconds).ToList());
        var speedup = logOpen / fileOpen;
        Console.WriteLine($"- Open with the data file: {Seconds(fileOpens)} -> median {fileOpen:F2} s   [target <= {RestartSecondsTarget:F0} s] {Verdict(fileOpen <= RestartSecondsTarget)}");
        Console.WriteLine($"- Open replaying the log alone: {Seconds(logOpens)} -> median {logOpen:F2} s");
        Console.WriteLine($"- Speed-up: {speedup:F1}x   [target >= {RestartSpeedupTarget:F0}x] {Verdict(speedup >= RestartSpeedupTarget)}");

        // What building the index alone costs: every open has to put each key into the skip list.
        BenchmarkData.Settle();
        var floor = Stopwatch.StartNew();
        await using (var memory = await FluxDatabase.OpenAsync<string, byte[]>())
        {
            var handle = memory.CreateHandle();
            foreach (var i in BenchmarkData.Permutation(keys.Length))
            {
                await handle.InsertAsync(keys[i], values[^1]);
            }

            floor.Stop();
        }

        Console.WriteLine($"- Floor: inserting the same {keys.Length:N0} keys into an in-memory database (random order, one writer) took {floor.Elapsed.TotalSeconds:F2} s; " +
            $"the open with the data file took {fileOpen / floor.Elapsed.TotalSeconds:F1}x that.");
        Console.WriteLine();
    }

    private async Task<(TimeSpan Write, TimeSpan Close, string Disk)> WriteHistoryAsync(FluxMapOptions options, string[] keys, byte[][] values)
    {
        var db = await FluxDatabase.OpenAsync<string, byte[]>(options);
        var handle = db.CreateHandle();
        var write = Stopwatch.StartNew();
        for (var round = 0; round < values.Length; round++)
        {
            foreach (var i in BenchmarkData.Permutation(keys.Length, BenchmarkData.Seed + round))
            {
                await handle.InsertAsync(keys[i], values[round]);
            }
        }

        write.Stop();
        var close = Stopwatch.StartNew();
        await db.DisposeAsync();
        close.Stop();
        return (write.Elapsed, close.Elapsed, DescribeDirectory(options.DataDirectory!));
    }

    private static async Task<Open> TimeOpenAsync(FluxMapOptions options, string[] keys, byte[] expected)
    {
        var log = new OpenLog();
        BenchmarkData.Settle();
        var pause = GC.GetTotalPauseDuration();
        var watch = Stopwatch.StartNew();
        var db = await FluxDatabase.CreateBuilder<string, byte[]>().WithOptions(options).WithLoggerFactory(log).OpenAsync();
        watch.Stop();
        pause = GC.GetTotalPauseDuration() - pause;
        try
        {
            var handle = db.CreateHandle();
            var count = db.GetStatistics().Count;
            var probe = (await handle.GetAsync(keys[keys.Length / 3])).GetValueOrDefault();
            if (count != keys.Length || probe is null || !probe.AsSpan().SequenceEqual(expected))
            {
                throw new InvalidOperationException($"The reopened database in '{options.DataDirectory}' holds {count:N0} keys, or not the last round's values.");
            }
        }
        finally
        {
            await db.DisposeAsync();
        }

        return new Open(watch.Elapsed.TotalSeconds, pause.TotalMilliseconds, log.DataFileMs, log.DataFileRecords, log.ReplayMs, log.ReplayRecords);
    }

    // 3. Inserts of fresh keys into a fresh database, with and without the data file, interleaved.
    private async Task InsertThroughputAsync()
    {
        var s = _settings;
        Console.WriteLine("## 3. Relaxed insert throughput with write-behind");
        Console.WriteLine();
        Console.WriteLine($"Autocommit inserts of {s.Inserts:N0} fresh keys (random order) with {ValueSize} B values into a fresh Relaxed database, one writer, " +
            $"UseDataFile true vs false, both with default log settings; {s.InsertRounds} rounds, the first of each round alternating, after one unreported warm-up run of each; medians compared.");
        Console.WriteLine();
        var keys = BenchmarkData.Keys(s.Inserts);
        var order = BenchmarkData.Permutation(keys.Length);
        _ = await InsertRunAsync(useDataFile: true, keys, order[..(keys.Length / 10)]);
        _ = await InsertRunAsync(useDataFile: false, keys, order[..(keys.Length / 10)]);
        var with = new List<InsertRun>();
        var without = new List<InsertRun>();
        Console.WriteLine("| Round | UseDataFile | Inserts/s | At the end: WalDiskBytes, DataFileBytes, checkpoints |");
        Console.WriteLine("| ---: | --- | ---: | --- |");
        for (var round = 0; round < s.InsertRounds; round++)
        {
            foreach (var useDataFile in round % 2 == 0 ? new[] { true, false } : [false, true])
            {
                var run = await InsertRunAsync(useDataFile, keys, order);
                (useDataFile ? with : without).Add(run);
                Console.WriteLine($"| {round + 1} | {useDataFile} | {run.PerSecond:N0} | {Mib(run.End.WalDiskBytes)}, {Mib(run.End.DataFileBytes)}, {run.End.Checkpoints} |");
            }
        }

        var ratio = Median(with.Select(r => r.PerSecond).ToList()) / Median(without.Select(r => r.PerSecond).ToList());
        var perRound = string.Join(", ", with.Zip(without, (a, b) => (a.PerSecond / b.PerSecond).ToString("P0", CultureInfo.InvariantCulture)));
        Console.WriteLine();
        Console.WriteLine($"- Median with the data file {Median(with.Select(r => r.PerSecond).ToList()):N0}/s, without {Median(without.Select(r => r.PerSecond).ToList()):N0}/s: " +
            $"{ratio:P1} (per round {perRound})   [target >= {InsertRatioTarget:P0}] {Verdict(ratio >= InsertRatioTarget)}");
        Console.WriteLine();
    }

    private async Task<InsertRun> InsertRunAsync(bool useDataFile, string[] keys, int[] order)
    {
        var directory = Fresh(useDataFile ? "insert-datafile" : "insert-log");
        var options = Relaxed(directory);
        options.UseDataFile = useDataFile;
        InsertRun run;
        await using (var db = await FluxDatabase.OpenAsync<string, byte[]>(options))
        {
            var handle = db.CreateHandle();
            BenchmarkData.Settle();
            var watch = Stopwatch.StartNew();
            foreach (var i in order)
            {
                await handle.InsertAsync(keys[i], _value);
            }

            watch.Stop();
            run = new InsertRun(order.Length / watch.Elapsed.TotalSeconds, db.GetStatistics());
        }

        Directory.Delete(directory, recursive: true);
        return run;
    }

    // 4. Gets of paged-out values against gets of the same keys in an in-memory database.
    private async Task PagedGetsAsync()
    {
        var s = _settings;
        const int Size = 1024;
        var limit = 16L << 20;
        Console.WriteLine("## 4. Get of a paged-out value");
        Console.WriteLine();
        Console.WriteLine($"{s.PagedKeys:N0} keys x {Size} B values (distinct contents, checked on every get), loaded in key order by one writer into a Relaxed database " +
            $"with MemoryLimit {Mib(limit)} (the data is {Mib((long)s.PagedKeys * Size)}), then CheckpointAsync and a wait until PagedOutValues stops growing. " +
            $"Baseline: an in-memory database (no limit) with the same keys and values. Each sampled key is read once with an autocommit GetAsync, timed alone; " +
            $"PagedReads is read before and after each get (outside the timing, in both databases alike) and the process's read syscalls (/proc/self/io syscr) around each pass.");
        Console.WriteLine();
        var keys = BenchmarkData.Keys(s.PagedKeys);
        var directory = Fresh("paged");
        var options = Relaxed(directory);
        options.MemoryLimit = limit;
        await using var paged = await FluxDatabase.OpenAsync<string, byte[]>(options);
        await using var memory = await FluxDatabase.OpenAsync<string, byte[]>();
        var pagedHandle = paged.CreateHandle();
        var memoryHandle = memory.CreateHandle();
        for (var i = 0; i < keys.Length; i++)
        {
            var value = PagedValue(i, Size);
            await pagedHandle.InsertAsync(keys[i], value);
            await memoryHandle.InsertAsync(keys[i], value);
        }

        await paged.CheckpointAsync();
        var settled = await WaitForPagingAsync(paged);
        Console.WriteLine($"- After loading: PagedOutValues {settled.PagedOutValues:N0} ({settled.PagedOutValues / (double)keys.Length:P1} of the keys), " +
            $"LiveMemoryBytes {Mib(settled.LiveMemoryBytes ?? 0)} of the {Mib(limit)} limit, data file {Mib(settled.DataFileBytes)}, PagedReads {settled.PagedReads}.");

        // The least recently written keys are the ones paged out: sample from the oldest half, two disjoint sets.
        var candidates = BenchmarkData.Permutation(keys.Length / 2);
        var warmSample = candidates[..s.PagedSample];
        var coldSample = candidates[s.PagedSample..(2 * s.PagedSample)];
        BenchmarkData.Settle();
        var warm = await TimeGetsAsync(paged, warmSample, keys, Size);
        var warmBase = await TimeGetsAsync(memory, warmSample, keys, Size);
        var evicted = DropFromPageCache(Path.Combine(directory, "fluxmap.data"));
        var cold = await TimeGetsAsync(paged, coldSample, keys, Size);
        var coldBase = await TimeGetsAsync(memory, coldSample, keys, Size);
        Console.WriteLine();
        Console.WriteLine("| Pass | Gets | p50 | p90 | p99 | max | PagedReads per get (0 / 1 / more) | read syscalls (syscr) |");
        Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: | --- | ---: |");
        Console.WriteLine(warm.Row("Paged out, data file in the page cache"));
        Console.WriteLine(warmBase.Row("In memory, same keys"));
        Console.WriteLine(cold.Row($"Paged out, data file dropped from the page cache first ({evicted})"));
        Console.WriteLine(coldBase.Row("In memory, same keys"));
        Console.WriteLine();
        // The in-memory passes make the same statistics and /proc reads: their syscalls are the measurement's own.
        var oneRead = warm.PerGet[1] + cold.PerGet[1];
        var gets = warm.Count + cold.Count;
        var warmCalls = (warm.ReadSyscalls - warmBase.ReadSyscalls) / (double)warm.Count;
        var coldCalls = (cold.ReadSyscalls - coldBase.ReadSyscalls) / (double)cold.Count;
        Console.WriteLine($"- Paged gets that took exactly one data file read (PagedReads +1): {oneRead:N0} of {gets:N0}; read syscalls per paged get, net of the " +
            $"in-memory pass's: {warmCalls:F3} (page cache), {coldCalls:F3} (cold)   [target: one read I/O per paged get] " +
            $"{Verdict(oneRead == gets && Math.Round(warmCalls, 2) == 1 && Math.Round(coldCalls, 2) == 1)}");
        Console.WriteLine($"- p50 paged / in memory: {warm.P50 / warmBase.P50:F1}x (page cache), {cold.P50 / coldBase.P50:F1}x (cold); p99: {warm.P99 / warmBase.P99:F1}x, {cold.P99 / coldBase.P99:F1}x.");
        var after = paged.GetStatistics();
        Console.WriteLine($"- After the gets: PagedOutValues {after.PagedOutValues:N0} (each get paged its value in, and another out to stay under the limit), PagedReads {after.PagedReads:N0}.");
        Console.WriteLine();
    }

    private static async Task<FluxStatistics> WaitForPagingAsync(FluxDatabase<string, byte[]> db)
    {
        // Settled once the count holds for half a second; 30 s at most.
        var last = db.GetStatistics();
        var start = Stopwatch.GetTimestamp();
        for (var stable = 0; stable < 5 && Stopwatch.GetElapsedTime(start) < TimeSpan.FromSeconds(30);)
        {
            await Task.Delay(100);
            var now = db.GetStatistics();
            stable = now.PagedOutValues == last.PagedOutValues ? stable + 1 : 0;
            last = now;
        }

        return last;
    }

    private static async Task<GetPass> TimeGetsAsync(FluxDatabase<string, byte[]> db, int[] sample, string[] keys, int size)
    {
        var handle = db.CreateHandle();
        var latencies = new double[sample.Length];
        var perGet = new int[3];
        var syscalls = ReadSyscalls();
        for (var n = 0; n < sample.Length; n++)
        {
            var i = sample[n];
            var key = BenchmarkData.Key(i);
            var before = db.GetStatistics().PagedReads;
            var start = Stopwatch.GetTimestamp();
            var value = (await handle.GetAsync(key)).GetValueOrDefault();
            latencies[n] = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
            perGet[(int)Math.Min(2, db.GetStatistics().PagedReads - before)]++;
            if (value is null || value.Length != size || BinaryPrimitives.ReadInt32LittleEndian(value) != i || value[^1] != (byte)i)
            {
                throw new InvalidOperationException($"GetAsync({keys[i]}) returned a wrong value.");
            }
        }

        syscalls = ReadSyscalls() - syscalls;
        Array.Sort(latencies);
        return new GetPass(latencies, perGet, syscalls);
    }

    private static byte[] PagedValue(int i, int size)
    {
        var value = new byte[size];
        value.AsSpan().Fill((byte)i);
        BinaryPrimitives.WriteInt32LittleEndian(value, i);
        return value;
    }

    private static string DropFromPageCache(string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            return "not on Linux: not dropped";
        }

        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        var result = Fadvise((int)handle.DangerousGetHandle(), 0, 0, FadviseDontNeed);
        return result == 0 ? "posix_fadvise DONTNEED" : $"posix_fadvise failed: {result}";
    }

    // syscr in /proc/self/io: read system calls by every thread of the process.
    private static long ReadSyscalls()
    {
        if (!File.Exists("/proc/self/io"))
        {
            return 0;
        }

        var line = File.ReadLines("/proc/self/io").First(l => l.StartsWith("syscr:", StringComparison.Ordinal));
        return long.Parse(line.AsSpan(6).Trim(), CultureInfo.InvariantCulture);
    }

    private const int FadviseDontNeed = 4;

    [LibraryImport("libc", EntryPoint = "posix_fadvise")]
    private static partial int Fadvise(int fd, long offset, long length, int advice);

    private byte[] RoundValue(int round)
    {
        var value = (byte[])_value.Clone();
        value[0] = (byte)round;
        return value;
    }

    private static FluxMapOptions Relaxed(string directory) => new() { Durability = DurabilityMode.Relaxed, DataDirectory = directory };

    private string Fresh(string name)
    {
        var directory = Path.Combine(_root, name);
        if (Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }

        return directory;
    }

    private static string DescribeDirectory(string directory)
    {
        var files = new DirectoryInfo(directory).GetFiles();
        var wal = files.Where(f => f.Name.StartsWith("wal-", StringComparison.Ordinal)).ToArray();
        var data = files.Where(f => f.Name == "fluxmap.data").Sum(f => f.Length);
        return $"log {wal.Length} files, {Mib(wal.Sum(f => f.Length))}; data file {Mib(data)}";
    }

    private static string? Argument(string[] args, string name)
    {
        var at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length ? args[at + 1] : null;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    // Each open with the split its own log messages report (data file load, then log replay) and the GC's pauses during it.
    private static string Seconds(List<Open> opens) => string.Join(", ", opens.Select(o =>
        string.Create(CultureInfo.InvariantCulture, $"{o.Seconds:F2} s (data file {o.DataFileMs:N0} ms for {o.DataFileRecords:N0} records, log replay {o.ReplayMs:N0} ms for {o.ReplayRecords:N0} commits; GC pauses {o.GcPauseMs:N0} ms)")));

    private static string Mib(long bytes) => $"{bytes / (double)(1 << 20):N1} MiB";

    private static string Verdict(bool met) => met ? "MET" : "NOT MET";


    private sealed record Open(double Seconds, double GcPauseMs, long DataFileMs, long DataFileRecords, long ReplayMs, long ReplayRecords);

    private sealed record InsertRun(double PerSecond, FluxStatistics End);

    private sealed record GetPass(double[] Sorted, int[] PerGet, long ReadSyscalls)
    {
        public int Count => Sorted.Length;

        public double P50 => Percentile(0.50);

        public double P99 => Percentile(0.99);

        public string Row(string name) =>
            $"| {name} | {Count:N0} | {P50:F1} us | {Percentile(0.90):F1} us | {P99:F1} us | {Sorted[^1]:F0} us | {PerGet[0]:N0} / {PerGet[1]:N0} / {PerGet[2]:N0} | {ReadSyscalls:N0} |";

        private double Percentile(double p) => Sorted[Math.Min(Sorted.Length - 1, (int)(p * Sorted.Length))];
    }

    private sealed record Settings(TimeSpan WalLoad, int Keys, int UpdateRounds, int Opens, int Inserts, int InsertRounds, int PagedKeys, int PagedSample)
    {
        public static Settings Full { get; } = new(TimeSpan.FromMinutes(10), 1_000_000, 4, 2, 1_000_000, 3, 200_000, 10_000);

        public static Settings Quick { get; } = new(TimeSpan.FromSeconds(20), 200_000, 4, 1, 300_000, 2, 50_000, 2_000);
    }

    /// <summary>Samples the log's and the data file's disk use every 100 ms, keeping the maxima and printing a row every <c>every</c>.</summary>
    private sealed class WalSampler : PeriodicSampler
    {
        private readonly FluxDatabase<string, byte[]> _db;
        private readonly TimeSpan _every;
        private readonly List<long> _wal = [];
        private readonly long _start = Stopwatch.GetTimestamp();
        private TimeSpan _nextRow;

        public WalSampler(FluxDatabase<string, byte[]> db, TimeSpan every)
        {
            _db = db;
            _every = every;
            _nextRow = every;
            Start();
        }

        public long MaxWal => _wal.Max();

        public long MaxDataFile { get; private set; }

        public int Samples => _wal.Count;

        public int AboveBound(long bound) => _wal.Count(w => w > bound);

        protected override void Sample()
        {
            var statistics = _db.GetStatistics();
            _wal.Add(statistics.WalDiskBytes);
            MaxDataFile = Math.Max(MaxDataFile, statistics.DataFileBytes);
            var elapsed = Stopwatch.GetElapsedTime(_start);
            if (elapsed >= _nextRow)
            {
                _nextRow += _every;
                Console.WriteLine($"| {elapsed.TotalMinutes:F2} min | {statistics.Commits:N0} | {Mib(statistics.WalDiskBytes)} | {Mib(MaxWal)} | " +
                    $"{Mib(statistics.DataFileBytes)} | {Mib(statistics.DataFileLiveBytes)} | {statistics.Checkpoints:N0} | {statistics.Compactions:N0} |");
            }
        }
    }

    /// <summary>Keeps the figures of the open's own log messages: records loaded from the data file and commits replayed, each with its time.</summary>
    private sealed class OpenLog : ILoggerFactory, ILogger
    {
        public long DataFileMs { get; private set; }

        public long DataFileRecords { get; private set; }

        public long ReplayMs { get; private set; }

        public long ReplayRecords { get; private set; }

        public ILogger CreateLogger(string categoryName) => this;

        public void AddProvider(ILoggerProvider provider)
        {
        }

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (state is not IReadOnlyList<KeyValuePair<string, object?>> fields)
            {
                return;
            }

            var records = Convert.ToInt64(fields.FirstOrDefault(f => f.Key == "Records").Value, CultureInfo.InvariantCulture);
            var elapsed = Convert.ToInt64(fields.FirstOrDefault(f => f.Key == "ElapsedMs").Value, CultureInfo.InvariantCulture);
            switch (eventId.Id)
            {
                case 100:
                    (ReplayRecords, ReplayMs) = (records, elapsed);
                    break;
                case 110:
                    (DataFileRecords, DataFileMs) = (records, elapsed);
                    break;
            }
        }

        public void Dispose()
        {
        }
    }
}
