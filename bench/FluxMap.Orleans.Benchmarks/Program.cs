using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using FluxMap;
using FluxMap.Orleans.Benchmarks;
using Microsoft.Extensions.DependencyInjection;

// Grain state writes/s and transactional transfers/s, FluxMap against Orleans' in-memory storage (the
// ceiling) in the same run and process: one silo over a local FluxMap, or with --replicated two silos
// over one replicated FluxMap, each silo hosting one of three Raft members on loopback, the third
// running beside them in this process.
//   dotnet run -c Release --project bench/FluxMap.Orleans.Benchmarks -- [--seconds 10] [--workers 32] [--durability Full|Relaxed | --replicated] [--quick]
// --quick: 1 second per measurement and 4 workers, to see that it runs.
var seconds = Option("--seconds", 10);
var workers = Option("--workers", 32);
var replicated = args.Contains("--replicated");
var durability = Enum.Parse<DurabilityMode>(OptionText("--durability") ?? nameof(DurabilityMode.Full));
if (args.Contains("--quick"))
{
    (seconds, workers) = (1, 4);
}

var directory = Path.Combine(Path.GetTempPath(), "fluxmap-orleans-bench", Guid.NewGuid().ToString("N"));
try
{
    await using var silos = replicated ? await BenchSilos.StartReplicatedAsync(directory) : await BenchSilos.StartLocalAsync(durability, directory);

    // Worker w calls through silo w mod the number of silos, as clients spread over gateways would.
    var grains = silos.Hosts.Select(h => h.Services.GetRequiredService<IGrainFactory>()).ToArray();
    var transactions = silos.Hosts.Select(h => h.Services.GetRequiredService<ITransactionClient>()).ToArray();

    Console.WriteLine($"FluxMap.Orleans: {silos.Hosts.Count} silo(s) in one process, {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}");
    Console.WriteLine(replicated
        ? "FluxMap replicated: 3 Raft members on loopback (one per silo, one beside them), default replication options, Full durability with a data file; a write is acknowledged once a majority holds its entry"
        : $"FluxMap durability {durability}");
    Console.WriteLine($"{workers} workers; {seconds} s per measurement; state: a long and a short string");

    // Every worker has grains of its own: the figures are the storage's, not Orleans' turn-taking on one grain.
    var memoryWrites = await MeasureAsync("grain state writes, in-memory", w => Grains(w).GetGrain<IMemoryCounterGrain>(w).Increment());
    var fluxWrites = await MeasureAsync("grain state writes, FluxMap", w => Grains(w).GetGrain<IFluxCounterGrain>(w).Increment());
    Console.WriteLine($"  FluxMap / in-memory: {fluxWrites / memoryWrites:0.00}x");

    var memoryTransfers = await MeasureAsync("transfers, in-memory", w => TransferAsync(w, Grains(w).GetGrain<IMemoryAccountGrain>(2 * w), Grains(w).GetGrain<IMemoryAccountGrain>((2 * w) + 1)));
    var fluxTransfers = await MeasureAsync("transfers, FluxMap", w => TransferAsync(w, Grains(w).GetGrain<IFluxAccountGrain>(2 * w), Grains(w).GetGrain<IFluxAccountGrain>((2 * w) + 1)));
    Console.WriteLine($"  FluxMap / in-memory: {fluxTransfers / memoryTransfers:0.00}x");

    if (silos.Hosts.Count > 1)
    {
        Console.WriteLine($"benchmark grains per silo: {await silos.GrainsPerSiloAsync()}");
    }

    IGrainFactory Grains(int worker) => grains[worker % grains.Length];

    Task TransferAsync(int worker, IAccountGrain from, IAccountGrain to) =>
        transactions[worker % transactions.Length].RunTransaction(TransactionOption.Create, () => Task.WhenAll(from.Add(-1), to.Add(1)));

    // Runs `operation` in a loop on every worker for the measurement's duration, after a short
    // warm-up; prints operations per second (and, replicated, the Raft log entries each took, the
    // elections meanwhile and the operations they failed) and returns it.
    async Task<double> MeasureAsync(string name, Func<int, Task> operation)
    {
        await Task.WhenAll(Enumerable.Range(0, workers).Select(operation));
        var raftBefore = silos.RaftStatus;
        var failures = 0L;
        string? firstFailure = null;
        var stop = Stopwatch.StartNew();
        var counts = await Task.WhenAll(Enumerable.Range(0, workers).Select(async w =>
        {
            var count = 0L;
            while (stop.Elapsed.TotalSeconds < seconds)
            {
                try
                {
                    await operation(w);
                    count++;
                }
                catch (Exception e) when (replicated)
                {
                    // A leader change fails the writes it catches in flight (a grain whose write may have committed fails its next one too, and Orleans reloads it).
                    if (Interlocked.Increment(ref failures) == 1)
                    {
                        firstFailure = $"{e.GetType().Name}: {e.Message}";
                    }
                }
            }

            return count;
        }));
        var operations = counts.Sum();
        var perSecond = operations / stop.Elapsed.TotalSeconds;
        var raft = silos.RaftStatus is { } raftAfter && raftBefore is not null
            ? $"   Raft entries/op {(double)(raftAfter.CommitIndex - raftBefore.CommitIndex) / operations:0.00}, elections {raftAfter.Term - raftBefore.Term}"
            : "";
        var failed = failures > 0 ? $", {failures} failed (first: {firstFailure})" : "";
        Console.WriteLine($"{name,-34} {perSecond,12:N0} /s{raft}{failed}");
        return perSecond;
    }
}
finally
{
    if (Directory.Exists(directory))
    {
        Directory.Delete(directory, recursive: true);
    }
}

return 0;

int Option(string name, int fallback) => OptionText(name) is { } text ? int.Parse(text, CultureInfo.InvariantCulture) : fallback;

string? OptionText(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
