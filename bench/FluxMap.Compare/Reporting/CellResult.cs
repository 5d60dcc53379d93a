namespace FluxMap.Compare.Reporting;

/// <summary>One row of one table: a store running a workload, or why it did not.</summary>
internal sealed record CellResult(string WorkloadId, string StoreId)
{
    /// <summary>Why there are no numbers (unsupported, unavailable, failed), or null when measured.</summary>
    public string? Skipped { get; init; }

    /// <summary>Operations completed.</summary>
    public long Operations { get; init; }

    /// <summary>Wall-clock seconds of the timed part.</summary>
    public double Seconds { get; init; }

    /// <summary>Median latency, µs.</summary>
    public double P50Microseconds { get; init; }

    /// <summary>99th percentile latency, µs.</summary>
    public double P99Microseconds { get; init; }

    /// <summary>Bytes allocated on all threads per operation.</summary>
    public double AllocatedBytesPerOperation { get; init; }

    /// <summary>Resident-set high-water mark during the row, MiB.</summary>
    public double PeakResidentMiB { get; init; }

    /// <summary>Managed heap after the row, MiB.</summary>
    public double ManagedHeapMiB { get; init; }

    /// <summary>Bytes sent to storage per operation.</summary>
    public double DiskBytesPerOperation { get; init; }

    /// <summary>Workload-specific remark (retries, checks).</summary>
    public string? Note { get; init; }

    /// <summary>Which open stores had not finished their background work when the row started, and why; null when all had.</summary>
    public string? Unsettled { get; init; }

    /// <summary>Throughput.</summary>
    public double OperationsPerSecond => Seconds > 0 ? Operations / Seconds : 0;
}
