using System.Diagnostics;

namespace FluxMap.Benchmarks;

/// <summary>
/// `-- maintenance [--quick]`: what automatic vacuum and the memory limit cost under an
/// update-heavy load, each as a ratio to the same load without it, measured in the same run with
/// the configurations interleaved (one run of each per round, the first rotating) and compared by
/// their medians, since the machine is shared and its speed drifts.
/// </summary>
internal sealed class MaintenanceDriver
{
    private const int KeyCount = 100_000;
    private const double VacuumCostTarget = 0.10;
    private const double MemoryLimitTarget = 0.80;

    private readonly string[] _keys = BenchmarkData.Keys(KeyCount);
    private readonly string[] _values = BenchmarkData.Values(KeyCount);
    private readonly int[] _order = BenchmarkData.Permutation(KeyCount);
    private readonly int _workers = 2 * Environment.ProcessorCount;
    private readonly Durations _durations;

    private MaintenanceDriver(Durations durations) => _durations = durations;

    public static async Task<int> RunAsync(string[] args)
    {
        var quick = args.Contains("--quick");
        var driver = new MaintenanceDriver(quick ? Durations.Quick : Durations.Full);
        Console.WriteLine($"Command: dotnet run -c Release --project bench/FluxMap.Benchmarks -- maintenance{(quick ? " --quick" : "")}");
        Console.WriteLine($"Machine: {BenchmarkData.Machine()}; load average at start: {BenchmarkData.LoadAverage()}");
        await driver.RunAllAsync();
        Console.WriteLine($"Load average at end: {BenchmarkData.LoadAverage()}");
        return 0;
    }

    private async Task RunAllAsync()
    {
        var d = _durations;
        Console.WriteLine(
            $"Mode: in-memory; TKey=string (\"{_keys[0]}\"), TValue=string (\"{_values[0]}\"); {KeyCount:N0} keys loaded in random order; " +
            $"{_workers} workers on threads of their own; {d.Repetitions} repetitions of each configuration, interleaved, the first of each round " +
            "rotating so none always runs first; medians compared.");
        Console.WriteLine("Load: 80% autocommit upserts of a random key, 20% transactions that read two random keys and write both (aborts not retried).");
        Console.WriteLine();

        Console.WriteLine($"1. Automatic vacuum: VacuumInterval 1 s (default) vs TimeSpan.Zero, {d.Vacuum.TotalSeconds:F1} s per run, " +
            $"a read-only snapshot held from {d.SnapshotFrom.TotalSeconds:F1} s to {d.SnapshotUntil.TotalSeconds:F1} s, then {d.Rest.TotalSeconds:F1} s idle");
        var vacuum = await InterleaveAsync(
            DescribeVacuumRun,
            ("vacuum on", () => MeasureUpdatesAsync(new FluxMapOptions(), d.Vacuum, vacuumPhases: true)),
            ("vacuum off", () => MeasureUpdatesAsync(new FluxMapOptions { VacuumInterval = TimeSpan.Zero }, d.Vacuum, vacuumPhases: true)));
        var (vacuumOn, vacuumOff) = (vacuum[0], vacuum[1]);
        var vacuumRatio = Median(vacuumOn, r => r.OpsPerSecond) / Median(vacuumOff, r => r.OpsPerSecond);
        Console.WriteLine($"   Throughput with vacuum / without: {vacuumRatio:P1} (cost {1 - vacuumRatio:P1}; per round {PairRatios(vacuumOn, vacuumOff)})   " +
            $"[target: cost <= {VacuumCostTarget:P0}] {Verdict(1 - vacuumRatio <= VacuumCostTarget)}");
        Console.WriteLine($"   Versions (medians; {KeyCount:N0} keys): peak on {Median(vacuumOn, r => r.Peaks.Versions):N0}, off {Median(vacuumOff, r => r.Peaks.Versions):N0}; " +
            $"after the idle time on {Median(vacuumOn, r => r.Rested.Versions):N0}, off {Median(vacuumOff, r => r.Rested.Versions):N0}");
        Console.WriteLine($"   Heap (medians): peak on {Mb(Median(vacuumOn, r => r.Peaks.HeapBytes))}, off {Mb(Median(vacuumOff, r => r.Peaks.HeapBytes))}; " +
            $"live after the idle time on {Mb(Median(vacuumOn, r => r.LiveHeapAtEnd))}, off {Mb(Median(vacuumOff, r => r.LiveHeapAtEnd))}");
        Console.WriteLine();

        // The limit is a share of what the loaded keys weigh by the database's own estimate.
        var loadedBytes = await EstimatedBytesAsync();
        var limit = loadedBytes / 2;
        var roomyLimit = 2 * loadedBytes;
        Console.WriteLine($"2. Memory limit: MemoryLimit {limit:N0} B (50% of the {loadedBytes:N0} B the loaded keys are estimated at) vs 0 (none), " +
            $"and {roomyLimit:N0} B (200%: accounting and recency without evictions); {d.Limit.TotalSeconds:F1} s per run, no long snapshot, vacuum at its default");
        var limits = await InterleaveAsync(
            DescribeLimitRun,
            ("limit 50%", () => MeasureUpdatesAsync(new FluxMapOptions { MemoryLimit = limit }, d.Limit, vacuumPhases: false)),
            ("no limit", () => MeasureUpdatesAsync(new FluxMapOptions(), d.Limit, vacuumPhases: false)),
            ("limit 200%", () => MeasureUpdatesAsync(new FluxMapOptions { MemoryLimit = roomyLimit }, d.Limit, vacuumPhases: false)));
        var (limited, unlimited, roomy) = (limits[0], limits[1], limits[2]);
        var limitRatio = Median(limited, r => r.OpsPerSecond) / Median(unlimited, r => r.OpsPerSecond);
        Console.WriteLine($"   Throughput with limit 50% / without: {limitRatio:P1} (per round {PairRatios(limited, unlimited)})   " +
            $"[target >= {MemoryLimitTarget:P0}] {Verdict(limitRatio >= MemoryLimitTarget)}");
        Console.WriteLine($"   Throughput with limit 200% (no evictions) / without: {Median(roomy, r => r.OpsPerSecond) / Median(unlimited, r => r.OpsPerSecond):P1} " +
            $"(per round {PairRatios(roomy, unlimited)})");
        Console.WriteLine($"   Evictions at 50%: {Median(limited, r => r.EvictionsPerSecond):N0}/s (median); live bytes peak {Max(limited, r => r.Peaks.LiveMemoryBytes):N0} B " +
            $"= {(double)Max(limited, r => r.Peaks.LiveMemoryBytes) / limit:P1} of the limit; total with old versions and tombstones peak {Max(limited, r => r.Peaks.MemoryBytes):N0} B");
        Console.WriteLine();

        Console.WriteLine($"3. Point gets (autocommit GetAsync of random loaded keys, fresh key strings): MemoryLimit {roomyLimit:N0} B " +
            $"(every key fits; reads mark keys as recently used) vs 0, {d.Reads.TotalSeconds:F1} s per run");
        var reads = await InterleaveAsync(
            r => $"{r.OpsPerSecond,12:N0} gets/s ({1e9 * _workers / r.OpsPerSecond:F0} ns per get per worker), evictions {r.After.Evictions - r.Before.Evictions}",
            ("limit 200%", () => MeasureReadsAsync(new FluxMapOptions { MemoryLimit = roomyLimit }, d.Reads)),
            ("no limit", () => MeasureReadsAsync(new FluxMapOptions(), d.Reads)));
        var readRatio = Median(reads[0], r => r.OpsPerSecond) / Median(reads[1], r => r.OpsPerSecond);
        Console.WriteLine($"   Gets with limit / without: {readRatio:P1} (per round {PairRatios(reads[0], reads[1])})");
        Console.WriteLine();
    }

    private string DescribeVacuumRun(Run r)
    {
        var pass = r.VacuumPass is { } p
            ? $"; then one VacuumAsync: {p.Elapsed.TotalMilliseconds:F1} ms, {p.Result.VersionsReclaimed:N0} versions"
            : $"; {r.Rested.VacuumRuns - r.Before.VacuumRuns} passes";
        return $"{r.OpsPerSecond,10:N0} ops/s, aborts {r.Aborts:N0}, GC pause {r.GcPauseShare:P0}; versions peak {r.Peaks.Versions:N0}, " +
            $"after idle {r.Rested.Versions:N0}; heap peak {Mb(r.Peaks.HeapBytes)}, live after idle {Mb(r.LiveHeapAtEnd)}{pass}";
    }

    private static string DescribeLimitRun(Run r) =>
        $"{r.OpsPerSecond,10:N0} ops/s, aborts {r.Aborts:N0}, GC pause {r.GcPauseShare:P0}; evictions {r.EvictionsPerSecond:N0}/s; live keys at end {r.After.Count:N0}; " +
        $"live bytes peak {r.Peaks.LiveMemoryBytes:N0}; heap peak {Mb(r.Peaks.HeapBytes)}, live at end {Mb(r.LiveHeapAtEnd)}";

    private async Task<List<Run>[]> InterleaveAsync(Func<Run, string> describe, params (string Name, Func<Task<Run>> Measure)[] configurations)
    {
        var runs = configurations.Select(_ => new List<Run>()).ToArray();
        for (var round = 0; round < _durations.Repetitions; round++)
        {
            for (var k = 0; k < configurations.Length; k++)
            {
                var c = (round + k) % configurations.Length;
                var result = await configurations[c].Measure();
                runs[c].Add(result);
                Console.WriteLine($"   {round + 1}. {configurations[c].Name,-10} {describe(result)}");
            }
        }

        return runs;
    }

    private Task<Run> MeasureUpdatesAsync(FluxMapOptions options, TimeSpan duration, bool vacuumPhases) =>
        MeasureAsync(options, duration, handle => new UpdateMix(handle, _keys, _values).RunOnceAsync, vacuumPhases);

    private Task<Run> MeasureReadsAsync(FluxMapOptions options, TimeSpan duration)
    {
        var lookups = BenchmarkData.LookupKeys(_order);
        return MeasureAsync(options, duration, handle => random => GetOnceAsync(handle, lookups[random.Next(lookups.Length)]), vacuumPhases: false);
    }

    private static async ValueTask GetOnceAsync(FluxHandle<string, string> handle, string key) => _ = await handle.GetAsync(key);

    // One run on a fresh database: load, collect the setup's garbage, run the load with the sampler
    // alongside, then read the end state outside the measured time. The vacuum experiment also holds
    // a long snapshot during the load and then idles past one vacuum interval, so that with vacuum
    // on the versions are back near one per key.
    private async Task<Run> MeasureAsync(
        FluxMapOptions options, TimeSpan duration, Func<FluxHandle<string, string>, Func<Random, ValueTask>> load, bool vacuumPhases)
    {
        await using var db = await BenchmarkData.OpenLoadedAsync(_keys, _values, _order, options);
        var handle = db.CreateHandle();
        BenchmarkData.Settle();
        var before = db.GetStatistics();
        var pauseBefore = GC.GetTotalPauseDuration();
        var sampler = new PeakSampler(db);
        var snapshot = vacuumPhases ? HoldSnapshotAsync(handle) : Task.CompletedTask;
        var (operations, elapsed) = await TimedWorkers.RunAsync(_workers, duration, load(handle));
        var gcPause = GC.GetTotalPauseDuration() - pauseBefore;
        await snapshot;
        await sampler.DisposeAsync();
        var after = db.GetStatistics();
        if (vacuumPhases)
        {
            await Task.Delay(_durations.Rest);
        }

        var rested = db.GetStatistics();
        var liveHeap = GC.GetTotalMemory(forceFullCollection: true);

        // Without automatic vacuum, one pass on demand shows what a pass costs on the state the load left.
        (TimeSpan, VacuumResult)? pass = null;
        if (options.VacuumInterval == TimeSpan.Zero)
        {
            var start = Stopwatch.GetTimestamp();
            var result = await db.VacuumAsync();
            pass = (Stopwatch.GetElapsedTime(start), result);
        }

        return new Run(operations / elapsed.TotalSeconds, elapsed, gcPause / elapsed, before, after, rested, sampler.Peaks, liveHeap, pass);
    }

    // A reader that holds one snapshot across part of the load: the versions it can see pile up, so
    // vacuum has long chains to walk and, once the reader ends, versions to reclaim. What it read at
    // the start must read the same at the end, vacuum or not. Deferrable, so it never aborts and
    // commits need not check it for conflicts.
    private async Task HoldSnapshotAsync(FluxHandle<string, string> handle)
    {
        var start = Stopwatch.GetTimestamp();
        await Task.Delay(_durations.SnapshotFrom);
        await using var snapshot = handle.BeginTransaction(new TransactionOptions { ReadOnly = true, Deferrable = true });
        var probes = Enumerable.Range(0, 1_000).Select(i => _keys[i * (_keys.Length / 1_000)]).ToArray();
        var seen = new string?[probes.Length];
        for (var i = 0; i < probes.Length; i++)
        {
            seen[i] = (await snapshot.GetAsync(probes[i])).GetValueOrDefault();
        }

        var rest = _durations.SnapshotUntil - Stopwatch.GetElapsedTime(start);
        if (rest > TimeSpan.Zero)
        {
            await Task.Delay(rest);
        }

        for (var i = 0; i < probes.Length; i++)
        {
            if (!string.Equals((await snapshot.GetAsync(probes[i])).GetValueOrDefault(), seen[i], StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"The long snapshot read key {probes[i]} differently at its end than at its start.");
            }
        }

        await snapshot.CommitAsync();
    }

    private async Task<long> EstimatedBytesAsync()
    {
        await using var db = await BenchmarkData.OpenLoadedAsync(_keys, _values, _order, new FluxMapOptions { MemoryLimit = long.MaxValue });
        return db.GetStatistics().LiveMemoryBytes!.Value;
    }

    private static double Median(List<Run> runs, Func<Run, double> figure)
    {
        var sorted = runs.Select(figure).Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static long Max(List<Run> runs, Func<Run, long> figure) => runs.Max(figure);

    private static string PairRatios(List<Run> a, List<Run> b) =>
        string.Join(", ", a.Zip(b, (x, y) => (x.OpsPerSecond / y.OpsPerSecond).ToString("P0", System.Globalization.CultureInfo.InvariantCulture)));

    private static string Verdict(bool met) => met ? "MET" : "NOT MET";

    private static string Mb(double bytes) => $"{bytes / (1 << 20):F1} MiB";


    private sealed record Run(
        double OpsPerSecond,
        TimeSpan Elapsed,
        double GcPauseShare,
        FluxStatistics Before,
        FluxStatistics After,
        FluxStatistics Rested,
        PeakSampler.Figures Peaks,
        long LiveHeapAtEnd,
        (TimeSpan Elapsed, VacuumResult Result)? VacuumPass)
    {
        public long Aborts => After.WriteWriteAborts + After.ReadWriteAborts - Before.WriteWriteAborts - Before.ReadWriteAborts;

        public double EvictionsPerSecond => (After.Evictions - Before.Evictions) / Elapsed.TotalSeconds;
    }

    private sealed record Durations(
        int Repetitions, TimeSpan Vacuum, TimeSpan SnapshotFrom, TimeSpan SnapshotUntil, TimeSpan Rest, TimeSpan Limit, TimeSpan Reads)
    {
        public static Durations Full { get; } = new(
            5, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(3.5), TimeSpan.FromSeconds(1.5), TimeSpan.FromSeconds(2.5), TimeSpan.FromSeconds(1.5));

        public static Durations Quick { get; } = new(
            2, TimeSpan.FromSeconds(1.2), TimeSpan.FromSeconds(0.2), TimeSpan.FromSeconds(0.8), TimeSpan.FromSeconds(1.1), TimeSpan.FromSeconds(0.6), TimeSpan.FromSeconds(0.4));
    }
}
