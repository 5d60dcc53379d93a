using System.Diagnostics;
using System.Globalization;

namespace FluxMap.Benchmarks;

/// <summary>
/// `-- aborts [--commits N] [--workers 2,4,8,16] [--quick]`: aborts per commit of contended
/// transactions under FluxMap's SSI against a plain optimistic baseline (<see cref="OptimisticControl"/>)
/// running the same transactions over the same store, at several worker counts. Each cell is a
/// fresh in-memory database; each worker commits a fixed number of transactions from a seeded
/// sequence (the same for both sides), retrying an aborted one at once, and the invariant is
/// checked on both sides after every row.
/// </summary>
internal static class AbortsDriver
{
    private const int WarmUpCommits = 500;

    public static async Task<int> RunAsync(string[] args)
    {
        var quick = args.Contains("--quick");
        var commits = BenchmarkData.Argument(args, "--commits") is { } count ? int.Parse(count, CultureInfo.InvariantCulture) : quick ? 200 : 5_000;
        int[] workerCounts = BenchmarkData.Argument(args, "--workers") is { } list
            ? [.. list.Split(',').Select(w => int.Parse(w, CultureInfo.InvariantCulture))]
            : [2, 4, 8, 16];

        Console.WriteLine($"Command: dotnet run -c Release --project bench/FluxMap.Benchmarks -- aborts {string.Join(' ', args)}".TrimEnd());
        Console.WriteLine($"Machine: {BenchmarkData.Machine()}; load average at start: {BenchmarkData.LoadAverage()}");
        Console.WriteLine($"Mode: in-memory, default options; TKey=string, TValue=long; {commits:N0} commits per worker; an aborted transaction is retried at once, with no backoff, on both sides.");
        Console.WriteLine("FluxMap: BeginTransaction, the body, CommitAsync; a SerializationConflictException is one abort.");
        Console.WriteLine("Baseline: the same bodies over the same store, committed only if no key they read was written by a commit after their snapshot " +
            "(backward validation, first committer wins on every key read; validation and commit under one lock).");
        Console.WriteLine();

        IContendedWorkload[] workloads = [new TransferWorkload(), new OnCallWorkload()];

        // Untimed, so that no row pays for compiling the code both sides run.
        foreach (var workload in workloads)
        {
            await RunCellAsync(workload, new SsiControl(), 2, WarmUpCommits);
            await RunCellAsync(workload, new OptimisticControl(), 2, WarmUpCommits);
        }

        var everywhere = true;
        foreach (var workload in workloads)
        {
            everywhere &= await RunTableAsync(workload, workerCounts, commits);
            Console.WriteLine();
        }

        Console.WriteLine($"Target: FluxMap aborts fewer per commit than the baseline at every worker count in both workloads: {(everywhere ? "MET" : "NOT MET")}");
        Console.WriteLine($"Load average at end: {BenchmarkData.LoadAverage()}");
        return 0;
    }

    private static async Task<bool> RunTableAsync(IContendedWorkload workload, int[] workerCounts, int commits)
    {
        Console.WriteLine($"{workload.Name}: {workload.Description}");
        Console.WriteLine("| workers | FluxMap aborts/commit | baseline aborts/commit | baseline / FluxMap | FluxMap commits/s | baseline commits/s | load 1/5/15 min |");
        Console.WriteLine("| ---: | ---: | ---: | ---: | ---: | ---: | --- |");
        var fewer = true;
        for (var row = 0; row < workerCounts.Length; row++)
        {
            var workers = workerCounts[row];
            var baseline = new OptimisticControl();

            // Alternating which side runs first keeps a drift in the machine's speed off one side.
            var (ssiCell, baselineCell) = row % 2 == 0
                ? (await RunCellAsync(workload, new SsiControl(), workers, commits), await RunCellAsync(workload, baseline, workers, commits))
                : Swap(await RunCellAsync(workload, baseline, workers, commits), await RunCellAsync(workload, new SsiControl(), workers, commits));
            if (baseline.AbortsPastValidation > 0)
            {
                throw new InvalidOperationException(
                    $"{baseline.AbortsPastValidation} baseline aborts came from FluxMap's SSI with the reads still valid: the baseline aborted more than optimistic validation does.");
            }

            fewer &= ssiCell.AbortsPerCommit < baselineCell.AbortsPerCommit;
            var ratio = ssiCell.AbortsPerCommit > 0 ? (baselineCell.AbortsPerCommit / ssiCell.AbortsPerCommit).ToString("F2", CultureInfo.InvariantCulture) + "x" : "n/a";
            var load = BenchmarkData.LoadAverage().Split(' ');
            Console.WriteLine(
                $"| {workers} | {ssiCell.AbortsPerCommit:F3} | {baselineCell.AbortsPerCommit:F3} | {ratio} | {ssiCell.CommitsPerSecond:N0} | {baselineCell.CommitsPerSecond:N0} | " +
                $"{string.Join(' ', load.Take(3))} |");
        }

        Console.WriteLine($"FluxMap aborts fewer at every worker count: {(fewer ? "yes" : "no")}");
        return fewer;
    }

    private static (Cell, Cell) Swap(Cell first, Cell second) => (second, first);

    private static async Task<Cell> RunCellAsync(IContendedWorkload workload, IConcurrencyControl control, int workers, int commits)
    {
        await using var db = await FluxDatabase.OpenAsync<string, long>();
        var handle = db.CreateHandle();
        await workload.LoadAsync(handle);
        BenchmarkData.Settle();

        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var running = Enumerable.Range(0, workers).Select(w => Task.Run(async () =>
        {
            await start.Task;
            return await WorkAsync(workload, control, handle, w, commits);
        })).ToArray();
        var clock = Stopwatch.StartNew();
        start.SetResult();
        var aborts = (await Task.WhenAll(running)).Sum();
        var elapsed = clock.Elapsed;

        try
        {
            await workload.CheckAsync(handle);
        }
        catch (InvalidOperationException e)
        {
            throw new InvalidOperationException($"{workload.Name}, {control.Name}, {workers} workers: {e.Message}", e);
        }

        var committed = (long)workers * commits;
        return new Cell((double)aborts / committed, committed / elapsed.TotalSeconds);
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

    private sealed record Cell(double AbortsPerCommit, double CommitsPerSecond);
}
