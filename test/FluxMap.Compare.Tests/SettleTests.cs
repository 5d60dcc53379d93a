using System.Collections.Concurrent;
using FluxMap.Compare.Adapters;
using FluxMap.Compare.Workloads;

namespace FluxMap.Compare.Tests;

/// <summary>Before every timed row, outside it, every open store settles its background work, within a bound.</summary>
public sealed class SettleTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("fluxmap-compare-test-").FullName;
    private readonly ConcurrentQueue<string> _log = new();

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private CompareSettings Settings => new()
    {
        KeyCounts = [20],
        Writers = [2],
        Operations = 20,
        DurableKeys = 10,
        WarmUp = TimeSpan.Zero,
        MaxCellDuration = TimeSpan.FromMinutes(1),
        Workloads = ["feox-get", "feox-insert", "durable"],
    };

    private Task<(List<Reporting.CellResult> Results, Dictionary<string, string> Unavailable)> MeasureAsync(CompareSettings settings, params StoreDefinition[] stores) =>
        CompareRunner.MeasureAsync(stores, WorkloadCatalog.Build(settings), settings, _root, new LoggingObserver(_log));

    [Fact]
    public async Task Every_open_store_settles_after_loading_and_before_each_row_that_runs()
    {
        var settings = Settings;
        await MeasureAsync(
            settings,
            RecordingStore.Definition("a", DurabilityClass.Strict, _log),
            RecordingStore.Definition("b", DurabilityClass.Strict, _log),
            RecordingStore.Definition("c", DurabilityClass.Relaxed, _log));

        // A row's operations are many and alike: one entry stands for a run of them.
        var log = _log.ToArray();
        var events = log.Where((entry, i) => i == 0 || entry != log[i - 1]).ToList();
        Assert.Equal(
            [
                "load a", "load b",
                "row a feox-get-20", "settle a", "settle b", "op a",
                "row b feox-get-20", "settle a", "settle b", "op b",
                "row a feox-insert-20", "settle a", "settle b", "op a",
                "row b feox-insert-20", "settle a", "settle b", "op b",
                "close a", "close b",
                "load c",
                "row c feox-get-20", "settle c", "op c",
                "row c feox-insert-20", "settle c", "op c",
                "close c",
                "row a durable-2", "settle a", "settle b", "op a",
                "row b durable-2", "settle a", "settle b", "op b",
                "close a", "close b",
                "row c durable-2", "settle c", "op c",
                "close c",
            ],
            events);
    }

    [Fact]
    public async Task A_row_whose_stores_did_not_settle_runs_and_names_them_and_why()
    {
        var settings = Settings with { SettleTimeout = TimeSpan.FromMilliseconds(1), Workloads = ["durable"] };
        var (results, _) = await MeasureAsync(
            settings,
            RecordingStore.Definition("stuck", DurabilityClass.Strict, _log, ct => new(Task.Delay(Timeout.Infinite, ct))),
            RecordingStore.Definition("broken", DurabilityClass.Strict, _log, _ => ValueTask.FromException(new InvalidOperationException("no disk"))),
            RecordingStore.Definition("calm", DurabilityClass.Relaxed, _log));

        var expected = "stuck did not settle within 0.001 s; broken did not settle: InvalidOperationException: no disk";
        Assert.Equal([expected, expected, null], results.Select(r => r.Unsettled));
        Assert.All(results, r => Assert.Equal(settings.Operations, r.Operations));
    }
}
