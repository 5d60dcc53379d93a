using FluxMap.Compare.Measurement;

namespace FluxMap.Compare.Workloads;

/// <summary>What one worker owns while a workload runs: its random stream, latencies and counters.</summary>
internal sealed class WorkerState(int worker, int seed)
{
    /// <summary>The worker's own random stream, seeded per worker so runs repeat.</summary>
    public Random Random { get; } = new(seed + worker);

    /// <summary>Latency of every operation.</summary>
    public LatencyHistogram Latency { get; } = new();

    /// <summary>Stopwatch timestamp at which the worker began its first operation.</summary>
    public long Started { get; set; }

    /// <summary>Stopwatch timestamp at which the worker finished its last operation.</summary>
    public long Finished { get; set; }

    /// <summary>Transaction bodies run (transfers: commits plus retried attempts).</summary>
    public long Attempts { get; set; }

    /// <summary>Transactions that committed.</summary>
    public long Commits { get; set; }

    /// <summary>Transactions that gave up after the store's retry limit.</summary>
    public long GaveUp { get; set; }
}
