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
/// unavailable with the reason and the run goes on without it. Rows run in <see cref="RunOrder"/>'s
/// order, and before each one every open store settles its background work, untimed.
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

    /// <summary>
    /// Runs every row of <paramref name="phases"/> on <paramref name="stores"/> in the order
    /// <see cref="RunOrder"/> gives, each store in a fresh directory under <paramref name="dataRoot"/>,
    /// and returns the rows and the stores that would not open.
    /// </summary>
    public static async Task<(List<CellResult> Results, Dictionary<string, string> Unavailable)> MeasureAsync(
        IReadOnlyList<StoreDefinition> stores, IReadOnlyList<Phase> phases, CompareSettings settings, string dataRoot, ICompareObserver observer)
    {
        var results = new List<CellResult>();
        var unavailable = new Dictionary<string, string>();
        var total = stores.Count * phases.Sum(p => p.Workloads.Count);
        foreach (var group in RunOrder.Plan(stores, phases))
        {
            await RunGroupAsync(group, dataRoot, settings, observer, results, unavailable, total);
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

    private static async Task RunGroupAsync(
        PhaseGroup group, string dataRoot, CompareSettings settings, ICompareObserver observer,
        List<CellResult> results, Dictionary<string, string> unavailable, int total)
    {
        var open = new List<(StoreDefinition Store, IStoreAdapter Adapter)>();
        var directories = new List<string>();
        try
        {
            foreach (var store in group.Stores)
            {
                var directory = Path.Combine(dataRoot, $"{store.Id}-{group.Phase.Name}");
                Directory.CreateDirectory(directory);
                directories.Add(directory);
                if (await OpenAsync(store, group.Phase, directory, settings, unavailable) is { } adapter)
                {
                    open.Add((store, adapter));
                }
            }

            // The warm-up is what promotes the phase's hot paths; their tier-1 compilation must
            // not run inside the first row. Without a warm-up (the rehearsal) there is none to wait for.
            if (open.Count > 0 && settings.WarmUp > TimeSpan.Zero)
            {
                await JitQuietAsync();
            }

            foreach (var (store, workload) in group.Rows)
            {
                observer.RowStarting(results.Count + 1, total, store.Name, workload.Id);
                results.Add(await RunRowAsync(store, open, workload, settings, unavailable));
            }
        }
        finally
        {
            foreach (var (_, adapter) in open)
            {
                await adapter.DisposeAsync();
            }

            foreach (var directory in directories)
            {
                Directory.Delete(directory, recursive: true);
            }
        }
    }

    // Opens, loads and warms up the store, or records why it could not and returns null.
    private static async Task<IStoreAdapter?> OpenAsync(
        StoreDefinition store, Phase phase, string directory, CompareSettings settings, Dictionary<string, string> unavailable)
    {
        if (!phase.Workloads.Any(w => w.Unsupported(store) is null) || unavailable.ContainsKey(store.Id))
        {
            return null;
        }

        IStoreAdapter? adapter = null;
        try
        {
            adapter = await store.OpenAsync(directory, phase.Keys.Loaded + phase.Keys.Fresh);
            var session = adapter.CreateSession();
            await phase.LoadAsync(session);
            await phase.WarmUpAsync(session, settings.WarmUp);
            return adapter;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A peer that does not install or run here is reported, not fatal.
            unavailable[store.Id] = $"{e.GetType().Name}: {e.Message}";
            if (adapter is not null)
            {
                await adapter.DisposeAsync();
            }

            return null;
        }
    }

    private static async Task<CellResult> RunRowAsync(
        StoreDefinition store, IReadOnlyList<(StoreDefinition Store, IStoreAdapter Adapter)> open, Workload workload, CompareSettings settings,
        Dictionary<string, string> unavailable)
    {
        if (workload.Unsupported(store) is { } reason)
        {
            return new CellResult(workload.Id, store.Id) { Skipped = reason };
        }

        var adapter = open.FirstOrDefault(o => o.Store == store).Adapter;
        if (adapter is null)
        {
            return new CellResult(workload.Id, store.Id) { Skipped = "unavailable: " + unavailable[store.Id] };
        }

        var unsettled = await SettleAsync(open, settings.SettleTimeout);
        try
        {
            return await WorkloadRunner.RunAsync(store, adapter, workload, settings) with { Unsettled = unsettled };
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return new CellResult(workload.Id, store.Id) { Skipped = $"failed: {e.GetType().Name}: {e.Message}" };
        }
    }

    // Every open store, not only the row's: background work left by another store's load or row
    // would run inside this row's time just the same. Returns what did not settle, or null.
    private static async Task<string?> SettleAsync(IReadOnlyList<(StoreDefinition Store, IStoreAdapter Adapter)> open, TimeSpan limit)
    {
        List<string>? unsettled = null;
        foreach (var (store, adapter) in open)
        {
            using var bound = new CancellationTokenSource(limit);
            try
            {
                await adapter.SettleAsync(bound.Token);
            }
            catch (OperationCanceledException) when (bound.IsCancellationRequested)
            {
                (unsettled ??= []).Add($"{store.Name} did not settle within {limit.TotalSeconds:0.###} s");
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                (unsettled ??= []).Add($"{store.Name} did not settle: {e.GetType().Name}: {e.Message}");
            }
        }

        return unsettled is null ? null : string.Join("; ", unsettled);
    }
}
