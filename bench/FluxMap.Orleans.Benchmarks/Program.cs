using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using FluxMap;
using FluxMap.Orleans.Benchmarks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

// Grain state writes/s and transactional transfers/s on one silo, FluxMap against Orleans' in-memory
// storage (the ceiling) in the same run and process.
//   dotnet run -c Release --project bench/FluxMap.Orleans.Benchmarks -- [--seconds 10] [--workers 32] [--durability Full|Relaxed] [--quick]
// --quick: 1 second per measurement and 4 workers, to see that it runs.
var seconds = Option("--seconds", 10);
var workers = Option("--workers", 32);
var durability = Enum.Parse<DurabilityMode>(OptionText("--durability") ?? nameof(DurabilityMode.Full));
if (args.Contains("--quick"))
{
    (seconds, workers) = (1, 4);
}

var directory = Path.Combine(Path.GetTempPath(), "fluxmap-orleans-bench", Guid.NewGuid().ToString("N"));
var builder = Host.CreateApplicationBuilder();
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.UseOrleans(silo => silo
    .UseLocalhostClustering()
    .AddFluxMapGrainStorage(Providers.FluxMap, options =>
    {
        options.Database.Durability = durability;
        options.Database.DataDirectory = durability == DurabilityMode.InMemory ? null : directory;
    })
    .AddMemoryGrainStorage(Providers.Memory)
    .UseTransactions());

try
{
    using var host = builder.Build();
    await host.StartAsync();
    var grains = host.Services.GetRequiredService<IGrainFactory>();
    var transactions = host.Services.GetRequiredService<ITransactionClient>();

    Console.WriteLine($"FluxMap.Orleans: one silo, {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}");
    Console.WriteLine($"FluxMap durability {durability}; {workers} workers; {seconds} s per measurement; state: a long and a short string");

    // Every worker has grains of its own: the figures are the storage's, not Orleans' turn-taking on one grain.
    var memoryWrites = await MeasureAsync("grain state writes, in-memory", w => grains.GetGrain<IMemoryCounterGrain>(w).Increment());
    var fluxWrites = await MeasureAsync("grain state writes, FluxMap", w => grains.GetGrain<IFluxCounterGrain>(w).Increment());
    Console.WriteLine($"  FluxMap / in-memory: {fluxWrites / memoryWrites:0.00}x");

    var memoryTransfers = await MeasureAsync("transfers, in-memory", w => TransferAsync(grains.GetGrain<IMemoryAccountGrain>(2 * w), grains.GetGrain<IMemoryAccountGrain>((2 * w) + 1)));
    var fluxTransfers = await MeasureAsync("transfers, FluxMap", w => TransferAsync(grains.GetGrain<IFluxAccountGrain>(2 * w), grains.GetGrain<IFluxAccountGrain>((2 * w) + 1)));
    Console.WriteLine($"  FluxMap / in-memory: {fluxTransfers / memoryTransfers:0.00}x");

    await host.StopAsync();

    Task TransferAsync(IAccountGrain from, IAccountGrain to) =>
        transactions.RunTransaction(TransactionOption.Create, () => Task.WhenAll(from.Add(-1), to.Add(1)));
}
finally
{
    if (Directory.Exists(directory))
    {
        Directory.Delete(directory, recursive: true);
    }
}

return 0;

// Runs `operation` in a loop on every worker for the measurement's duration, after a short warm-up; prints and returns operations per second.
async Task<double> MeasureAsync(string name, Func<int, Task> operation)
{
    await Task.WhenAll(Enumerable.Range(0, workers).Select(operation));
    var stop = Stopwatch.StartNew();
    var counts = await Task.WhenAll(Enumerable.Range(0, workers).Select(async w =>
    {
        var count = 0L;
        while (stop.Elapsed.TotalSeconds < seconds)
        {
            await operation(w);
            count++;
        }

        return count;
    }));
    var perSecond = counts.Sum() / stop.Elapsed.TotalSeconds;
    Console.WriteLine($"{name,-34} {perSecond,12:N0} /s");
    return perSecond;
}

int Option(string name, int fallback) => OptionText(name) is { } text ? int.Parse(text, CultureInfo.InvariantCulture) : fallback;

string? OptionText(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
