using System.Diagnostics;
using System.Globalization;

namespace FluxMap.Benchmarks;

/// <summary>
/// `-- aborts [--commits N] [--rounds R] [--workers 2,4,8,16] [--schedule both|threads|interleaved] [--quick]`:
/// aborts per commit of contended transactions under FluxMap's SSI against a plain optimistic
/// baseline (<see cref="OptimisticControl"/>) running the same transactions over the same store,
/// at several worker counts. Each cell is a fresh in-memory database; each worker commits a fixed
/// number of transactions from a seeded sequence (the same for both sides), retrying an aborted
/// one at once, and the invariant is checked after every cell. Two schedules: workers on the
/// thread pool (real parallelism, so the overlap follows the machine: several rounds, medians),
/// and workers interleaved on one thread at each await (<see cref="InterleavedContext"/>: the
/// overlap follows the workload alone, and a run repeats exactly, so one round).
/// </summary>
internal static class AbortsDriver
{
    private const int WarmUpCommits = 500;

    public static async Task<int> RunAsync(string[] args)
    {
        var quick = args.Contains("--quick");
        var commits = Number(args, "--commits") ?? (quick ? 200 : 5_000);
        var rounds = Number(args, "--rounds") ?? (quick ? 1 : 5);
        int[] workerCounts = BenchmarkData.Argument(args, "--workers") is { } list
            ? [.. list.Split(',').Select(w => int.Parse(w, CultureInfo.InvariantCulture))]
            : [2, 4, 8, 16];
        var schedule = BenchmarkData.Argument(args, "--schedule") ?? "both";
        Schedule[] schedules = schedule switch
        {
            "threads" => [Schedule.Threads],
            "interleaved" => [Schedule.Interleaved],
            "both" => [Schedule.Threads, Schedule.Interleaved],
            _ => throw new ArgumentException($"--schedule is both, threads or interleaved, not '{schedule}'."),
        };

        Console.WriteLine($"Command: dotnet run -c Release --project bench/FluxMap.Benchmarks -- aborts {string.Join(' ', args)}".TrimEnd());
        Console.WriteLine($"Machine: {BenchmarkData.Machine()}; load average at start: {BenchmarkData.LoadAverage()}");
        Console.WriteLine($"Mode: in-memory, default options; TKey=string, TValue=long; {commits:N0} commits per worker; an aborted transaction is retried at once, " +
            "with no backoff, on both sides; the invariant is checked after every cell.");
        Console.WriteLine("FluxMap: BeginTransaction, the body, CommitAsync; a SerializationConflictException is one abort.");
        Console.WriteLine("Baseline: the same bodies over the same store, committed only if no key they read was written by a commit after their snapshot " +
            "(backward validation: first committer wins on every key read; begin, and validation with the commit, each under one lock).");
        Console.WriteLine($"Threads: workers on the thread pool, {rounds} round(s) per row, the side that runs first alternating; medians.");
        Console.WriteLine("Interleaved: workers on one thread, switching at each await (every transaction pauses between its reads and its writes); deterministic, one round.");
        Console.WriteLine();

        IContendedWorkload[] workloads = [new TransferWorkload(), new OnCallWorkload()];

        // Untimed, so that no row pays for compiling the code both sides run.
        foreach (var (workload, each) in workloads.SelectMany(w => schedules.Select(s => (w, s))))
        {
            await RunCellAsync(workload, new SsiControl(), 2, WarmUpCommits, each);
            await RunBaselineAsync(workload, 2, WarmUpCommits, each);
        }

        var everywhere = true;
        foreach (var workload in workloads)
        {
            Console.WriteLine($"{workload.Name}: {workload.Description}");
            foreach (var each in schedules)
            {
                everywhere &= await RunTableAsync(workload, workerCounts, commits, each, each == Schedule.Threads ? rounds : 1);
            }

            Console.WriteLine();
        }

        Console.WriteLine($"Target: FluxMap aborts fewer per commit than the baseline at every worker count, in every table: {(everywhere ? "MET" : "NOT MET")}");
        Console.WriteLine($"Load average at end: {BenchmarkData.LoadAverage()}");
        return 0;
    }

    private static async Task<bool> RunTableAsync(IContendedWorkload workload, int[] workerCounts, int commits, Schedule schedule, int rounds)
    {
        Console.WriteLine();
        Console.WriteLine(schedule == Schedule.Threads ? $"Threads (medians of {rounds}):" : "Interleaved on one thread:");
        Console.WriteLine("| workers | FluxMap aborts/commit | baseline aborts/commit | baseline / FluxMap | FluxMap commits/s | baseline commits/s | load 1/5/15 min |");
        Console.WriteLine("| ---: | ---: | ---: | ---: | ---: | ---: | --- |");
        var fewer = true;
        foreach (var workers in workerCounts)
        {
            var (ssi, baseline) = (new List<Cell>(), new List<Cell>());
            for (var round = 0; round < rounds; round++)
            {
                // Alternating which side runs first keeps a drift in the machine's speed off one side.
                if (round % 2 == 0)
                {
                    ssi.Add(await RunCellAsync(workload, new SsiControl(), workers, commits, schedule));
                    baseline.Add(await RunBaselineAsync(workload, workers, commits, schedule));
                }
                else
                {
                    baseline.Add(await RunBaselineAsync(workload, workers, commits, schedule));
                    ssi.Add(await RunCellAsync(workload, new SsiControl(), workers, commits, schedule));
                }
            }

            var (ssiAborts, baselineAborts) = (Median(ssi, c => c.AbortsPerCommit), Median(baseline, c => c.AbortsPerCommit));
            fewer &= ssiAborts < baselineAborts;
            var ratio = ssiAborts > 0 ? (baselineAborts / ssiAborts).ToString("F2", CultureInfo.InvariantCulture) + "x" : "n/a";
            Console.WriteLine(
                $"| {workers} | {ssiAborts:F3} | {baselineAborts:F3} | {ratio} | {Median(ssi, c => c.CommitsPerSecond):N0} | " +
                $"{Median(baseline, c => c.CommitsPerSecond):N0} | {string.Join(' ', BenchmarkData.LoadAverage().Split(' ').Take(3))} |");
        }

        Console.WriteLine($"FluxMap aborts fewer at every worker count: {(fewer ? "yes" : "no")}");
        return fewer;
    }

    private static async Task<Cell> RunBaselineAsync(IContendedWorkload workload, int workers, int commits, Schedule schedule)
    {
        var baseline = new OptimisticControl();
        var cell = await RunCellAsync(workload, baseline, workers, commits, schedule);
        return baseline.AbortsPastValidation == 0 ? cell : throw new InvalidOperationException(
            $"{baseline.AbortsPastValidation} baseline aborts came from FluxMap's SSI with the reads still valid: the baseline aborted more than optimistic validation does.");
    }

    private static async Task<Cell> RunCellAsync(IContendedWorkload workload, IConcurrencyControl control, int workers, int commits, Schedule schedule)
    {
        await using var db = await FluxDatabase.OpenAsync<string, long>();
        var handle = db.CreateHandle();
        await workload.LoadAsync(handle);
        BenchmarkData.Settle();

        var clock = Stopwatch.StartNew();
        var aborts = (await (schedule == Schedule.Threads
            ? OnThreadPoolAsync(workers, w => WorkAsync(workload, control, handle, w, commits))
            : InterleavedContext.RunAsync(() => Task.WhenAll(Enumerable.Range(0, workers).Select(w => WorkAsync(workload, control, handle, w, commits)))))).Sum();
        var elapsed = clock.Elapsed;

        try
        {
            await workload.CheckAsync(handle);
        }
        catch (InvalidOperationException e)
        {
            throw new InvalidOperationException($"{workload.Name}, {control.Name}, {workers} workers, {schedule}: {e.Message}", e);
        }

        var committed = (long)workers * commits;
        return new Cell((double)aborts / committed, committed / elapsed.TotalSeconds);
    }

    // The workers start together: none is done before the last has begun.
    private static async Task<long[]> OnThreadPoolAsync(int workers, Func<int, Task<long>> work)
    {
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var running = Enumerable.Range(0, workers).Select(w => Task.Run(async () =>
        {
            await start.Task;
            return await work(w);
        })).ToArray();
        start.SetResult();
        return await Task.WhenAll(running);
    }

    private static async Task<long> WorkAsync(IContendedWorkload workload, IConcurrencyControl control, FluxHandle<string, long> handle, int worker, int commits)
    {
        var random = new Random(BenchmarkData.Seed + worker);
        var attempt = new ContendedTransaction();
        var aborts = 0L;
        for (var i = 0; i < commits; i++)
        {
            var body = workload.Next(random, worker);
            while (!await control.TryAsync(handle, attempt, body))
            {
                aborts++;
            }
        }

        return aborts;
    }

    private static int? Number(string[] args, string name) =>
        BenchmarkData.Argument(args, name) is { } text ? int.Parse(text, CultureInfo.InvariantCulture) : null;

    private static double Median(List<Cell> cells, Func<Cell, double> value)
    {
        var sorted = cells.Select(value).Order().ToList();
        return sorted[sorted.Count / 2];
    }

    private enum Schedule
    {
        Threads,
        Interleaved,
    }

    private sealed record Cell(double AbortsPerCommit, double CommitsPerSecond);
}
