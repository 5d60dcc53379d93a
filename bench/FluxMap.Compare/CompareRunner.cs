using System.Diagnostics;
using System.Runtime;
using FluxMap.Compare.Adapters;
using FluxMap.Compare.Measurement;
using FluxMap.Compare.Reporting;
using FluxMap.Compare.Workloads;

namespace FluxMap.Compare;

/// <summary>
/// Runs every selected workload against every selected store and writes the report. Each store
/// opens once per phase in a fresh directory; a store that will not open is reported as
/// unavailable with the reason and the run goes on without it.
/// </summary>
internal static class CompareRunner
{
    /// <summary>Runs, writes the report, charts and JSON under the output directory, and returns what was measured.</summary>
    public static async Task<CompareReport> RunAsync(CompareSettings settings, ICompareObserver observer)
    {
        var started = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        var stores = SelectStores(settings);
        var phases = WorkloadCatalog.Build(settings);
        var dataRoot = Path.Combine(settings.DataDirectory, $"run-{Environment.ProcessId}");
        Directory.CreateDirectory(dataRoot);
        try
        {
            var (fsyncP50, fsyncP99) = FsyncProbe.Measure(dataRoot, settings.FsyncSamples);
            if (settings.Rehearse)
            {
                var rehearsal = settings.Rehearsal();
                await MeasureAsync(stores, WorkloadCatalog.Build(rehearsal), rehearsal, Path.Combine(dataRoot, "rehearsal"), new RehearsalObserver(observer));
                await JitQuietAsync();
            }

            var (results, unavailable) = await MeasureAsync(stores, phases, settings, dataRoot, observer);
            var report = new CompareReport(
                settings, MachineInfo.Current(), fsyncP50, fsyncP99, stores,
                [.. phases.SelectMany(p => p.Workloads).Select(w => new WorkloadInfo(w.Id, w.Title))],
                results, unavailable, started, clock.Elapsed);
            ReportWriter.Write(report, settings.OutputDirectory);
            return report;
        }
        finally
        {
            Directory.Delete(dataRoot, recursive: true);
        }
    }

    private static async Task<(List<CellResult> Results, Dictionary<string, string> Unavailable)> MeasureAsync(
        IReadOnlyList<StoreDefinition> stores, IReadOnlyList<Phase> phases, CompareSettings settings, string dataRoot, ICompareObserver observer)
    {
        var results = new List<CellResult>();
        var unavailable = new Dictionary<string, string>();
        var total = stores.Count * phases.Sum(p => p.Workloads.Count);
        foreach (var store in stores)
        {
            foreach (var phase in phases)
            {
                var directory = Path.Combine(dataRoot, $"{store.Id}-{phase.Name}");
                Directory.CreateDirectory(directory);
                try
                {
                    await RunPhaseAsync(store, phase, directory, settings, observer, results, unavailable, total);
                }
                finally
                {
                    Directory.Delete(directory, recursive: true);
                }
            }
        }

        return (results, unavailable);
    }

    // Tier-1 compilation runs on a background thread after a method turns hot; measuring while it
    // still works would charge its CPU to the first rows.
    private static async Task JitQuietAsync()
    {
        var giveUp = Stopwatch.GetTimestamp() + (10 * Stopwatch.Frequency);
        var compiled = JitInfo.GetCompiledMethodCount();
        while (Stopwatch.GetTimestamp() < giveUp)
        {
            await Task.Delay(250);
            var now = JitInfo.GetCompiledMethodCount();
            if (now == compiled)
            {
                return;
            }

            compiled = now;
        }
    }

    private static IReadOnlyList<StoreDefinition> SelectStores(CompareSettings settings)
    {
        var unknown = settings.Stores.Except(StoreCatalog.All.Select(s => s.Id), StringComparer.OrdinalIgnoreCase).ToList();
        if (unknown.Count > 0)
        {
            throw new ArgumentException($"Unknown store(s) {string.Join(", ", unknown)}; known: {string.Join(", ", StoreCatalog.All.Select(s => s.Id))}.");
        }

        return [.. StoreCatalog.All.Where(s => settings.Stores.Count == 0 || settings.Stores.Contains(s.Id, StringComparer.OrdinalIgnoreCase))];
    }

    private static async Task RunPhaseAsync(
        StoreDefinition store, Phase phase, string directory, CompareSettings settings, ICompareObserver observer,
        List<CellResult> results, Dictionary<string, string> unavailable, int total)
    {
        var runnable = phase.Workloads.Where(w => w.Unsupported(store) is null).ToList();
        IStoreAdapter? adapter = null;
        if (runnable.Count > 0 && !unavailable.ContainsKey(store.Id))
        {
            try
            {
                adapter = await store.OpenAsync(directory, phase.Keys.Loaded + phase.Keys.Fresh);
                var session = adapter.CreateSession();
                await phase.LoadAsync(session);
                await phase.WarmUpAsync(session, settings.WarmUp);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // A peer that does not install or run here is reported, not fatal.
                unavailable[store.Id] = $"{e.GetType().Name}: {e.Message}";
                if (adapter is not null)
                {
                    await adapter.DisposeAsync();
                    adapter = null;
                }
            }
        }

        try
        {
            foreach (var workload in phase.Workloads)
            {
                observer.RowStarting(results.Count + 1, total, store.Name, workload.Id);
                results.Add(await RunRowAsync(store, adapter, workload, settings, unavailable));
            }
        }
        finally
        {
            if (adapter is not null)
            {
                await adapter.DisposeAsync();
            }
        }
    }

    private static async Task<CellResult> RunRowAsync(
        StoreDefinition store, IStoreAdapter? adapter, Workload workload, CompareSettings settings, Dictionary<string, string> unavailable)
    {
        if (workload.Unsupported(store) is { } reason)
        {
            return new CellResult(workload.Id, store.Id) { Skipped = reason };
        }

        if (adapter is null)
        {
            return new CellResult(workload.Id, store.Id) { Skipped = "unavailable: " + unavailable[store.Id] };
        }

        try
        {
            return await WorkloadRunner.RunAsync(store, adapter, workload, settings);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return new CellResult(workload.Id, store.Id) { Skipped = $"failed: {e.GetType().Name}: {e.Message}" };
        }
    }
}
