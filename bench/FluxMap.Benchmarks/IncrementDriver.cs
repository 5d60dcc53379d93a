namespace FluxMap.Benchmarks;

/// <summary>
/// Atomic increments of one hot counter: 1 task against 8 concurrent tasks, and beside them the
/// same counter updated with <c>UpdateAsync</c> (optimistic, re-runs when the key changed) and
/// with a read-modify-write transaction, so the report shows what running at the commit point buys.
/// Configurations are interleaved over rounds and compared by medians.
/// </summary>
internal static class IncrementDriver
{
    public static async Task<int> RunAsync(string[] args)
    {
        var quick = args.Contains("--quick");
        var duration = TimeSpan.FromSeconds(quick ? 0.5 : 2);
        var rounds = quick ? 2 : 5;
        Console.WriteLine($"Increments of one counter; {BenchmarkData.Machine()}");
        Console.WriteLine($"Command: dotnet run -c Release --project bench/FluxMap.Benchmarks -- increment{(quick ? " --quick" : "")}");

        (string Name, int Workers, Func<FluxHandle<string, long>, Func<Random, ValueTask>> Operation)[] configurations =
        [
            ("IncrementAsync, 1 task", 1, Increment),
            ("IncrementAsync, 8 tasks", 8, Increment),
            ("UpdateAsync, 8 tasks", 8, Update),
            ("TransactionAsync, 8 tasks", 8, Transaction),
        ];
        var results = configurations.ToDictionary(c => c.Name, _ => new List<double>());
        for (var round = 0; round < rounds; round++)
        {
            foreach (var (name, workers, operation) in configurations)
            {
                await using var db = await FluxDatabase.OpenAsync<string, long>();
                var handle = db.CreateHandle();
                var (operations, elapsed) = await TimedWorkers.RunAsync(workers, duration, operation(handle));
                var stats = db.GetStatistics();
                var counter = (await handle.GetAsync("hits")).Value;
                results[name].Add(counter / elapsed.TotalSeconds);
                Console.WriteLine($"  {round + 1}. {name,-27} {counter / elapsed.TotalSeconds,12:N0} increments/s ({operations:N0} calls), retries {stats.Retries:N0}");
            }
        }

        var single = Median(results["IncrementAsync, 1 task"]);
        foreach (var (name, rates) in results)
        {
            Console.WriteLine($"{name,-27} median {Median(rates),12:N0} increments/s = {Median(rates) / single:P1} of one task");
        }

        var ratio = Median(results["IncrementAsync, 8 tasks"]) / single;
        Console.WriteLine($"Target: 8 concurrent tasks >= 50% of one task's throughput: {ratio:P1} {(ratio >= 0.5 ? "MET" : "NOT MET")}");
        return 0;
    }

    private static Func<Random, ValueTask> Increment(FluxHandle<string, long> handle) =>
        async _ => await handle.IncrementAsync("hits");

    private static Func<Random, ValueTask> Update(FluxHandle<string, long> handle) =>
        async _ => await handle.UpdateAsync("hits", current => current.GetValueOrDefault() + 1);

    // A call that runs out of attempts is a call that counted nothing: the rate is read off the counter.
    private static Func<Random, ValueTask> Transaction(FluxHandle<string, long> handle) =>
        async _ =>
        {
            try
            {
                await handle.TransactionAsync(async (tx, ct) =>
                {
                    var current = await tx.GetAsync("hits", ct);
                    await tx.InsertAsync("hits", current.GetValueOrDefault() + 1, ct);
                });
            }
            catch (SerializationConflictException)
            {
            }
        };

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }
}
