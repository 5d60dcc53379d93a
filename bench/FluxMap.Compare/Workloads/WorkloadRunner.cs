using System.Diagnostics;
using FluxMap.Compare.Adapters;
using FluxMap.Compare.Measurement;
using FluxMap.Compare.Reporting;

namespace FluxMap.Compare.Workloads;

/// <summary>
/// Times one workload against one open store. Each worker gets its own thread (so stores with
/// blocking calls get real concurrency, up to 64 writers) and its own session; all start
/// together and stop at their share of the operations or at the time limit.
/// </summary>
internal static class WorkloadRunner
{
    /// <summary>Runs <paramref name="workload"/> and measures it.</summary>
    public static async Task<CellResult> RunAsync(StoreDefinition store, IStoreAdapter adapter, Workload workload, CompareSettings settings)
    {
        workload.Prepare();
        var sessions = Enumerable.Range(0, workload.Workers).Select(_ => adapter.CreateSession()).ToArray();
        var workers = Enumerable.Range(0, workload.Workers).Select(w => new WorkerState(w, settings.Seed)).ToArray();
        using var start = new ManualResetEventSlim();
        var limit = (long)(settings.MaxCellDuration.TotalSeconds * Stopwatch.Frequency);

        // Garbage of earlier rows is collected now, not billed to this one.
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        ProcessCounters.ResetPeakResident();

        var tasks = new Task[workload.Workers];
        var share = workload.Operations / workload.Workers;
        for (var w = 0; w < workload.Workers; w++)
        {
            var first = w * share;
            var end = w == workload.Workers - 1 ? workload.Operations : first + share;
            var (session, worker) = (sessions[w], workers[w]);
            tasks[w] = Task.Factory.StartNew(
                () => WorkAsync(workload, session, worker, first, end, start, limit),
                CancellationToken.None,
                TaskCreationOptions.LongRunning,
                TaskScheduler.Default).Unwrap();
        }

        var before = ProcessCounters.Capture();
        start.Set();
        await Task.WhenAll(tasks);
        var after = ProcessCounters.Capture();
        var peak = ProcessCounters.PeakResidentBytes();

        var latency = new LatencyHistogram();
        foreach (var worker in workers)
        {
            latency.Add(worker.Latency);
        }

        var operations = Math.Max(latency.Count, 1);
        return new CellResult(workload.Id, store.Id)
        {
            Operations = latency.Count,
            // From the first worker's first operation to the last one's last: waking the workers and
            // collecting them afterwards is not the store's time.
            Seconds = (double)(workers.Max(w => w.Finished) - workers.Min(w => w.Started)) / Stopwatch.Frequency,
            P50Microseconds = latency.PercentileMicroseconds(0.5),
            P99Microseconds = latency.PercentileMicroseconds(0.99),
            AllocatedBytesPerOperation = (double)(after.AllocatedBytes - before.AllocatedBytes) / operations,
            DiskBytesPerOperation = (double)(after.DiskWriteBytes - before.DiskWriteBytes) / operations,
            PeakResidentMiB = peak / (1024.0 * 1024),
            ManagedHeapMiB = GC.GetTotalMemory(forceFullCollection: false) / (1024.0 * 1024),
            Note = await workload.FinishAsync(sessions[0], workers),
        };
    }

    private static async Task WorkAsync(Workload workload, IStoreSession session, WorkerState worker, long first, long end, ManualResetEventSlim start, long limit)
    {
        // Blocking is fine here: this is the worker's own thread, waiting for the others to be ready.
        start.Wait();
        var started = Stopwatch.GetTimestamp();
        var stop = started + limit;
        var finished = started;
        for (var i = first; i < end; i++)
        {
            var began = Stopwatch.GetTimestamp();
            if (began >= stop)
            {
                break;
            }

            await workload.ExecuteAsync(session, worker, i);
            finished = Stopwatch.GetTimestamp();
            worker.Latency.Record(finished - began);
        }

        worker.Started = started;
        worker.Finished = finished;
    }
}
