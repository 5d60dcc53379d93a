using FluxMap.Compare.Adapters;
using FluxMap.Compare.Measurement;

namespace FluxMap.Compare.Reporting;

/// <summary>Everything measured in one run, with the conditions it was measured under.</summary>
internal sealed record CompareReport(
    CompareSettings Settings,
    MachineInfo Machine,
    double FsyncP50Microseconds,
    double FsyncP99Microseconds,
    IReadOnlyList<StoreDefinition> Stores,
    IReadOnlyList<WorkloadInfo> Workloads,
    IReadOnlyList<CellResult> Results,
    IReadOnlyDictionary<string, string> Unavailable,
    DateTimeOffset Started,
    TimeSpan Duration)
{
    /// <summary>The row of <paramref name="storeId"/> in the table of <paramref name="workloadId"/>.</summary>
    public CellResult? Find(string workloadId, string storeId) =>
        Results.FirstOrDefault(r => r.WorkloadId == workloadId && r.StoreId == storeId);

    /// <summary>
    /// The store's throughput over FluxMap's in the same durability class on the same workload,
    /// or null when either has no number.
    /// </summary>
    public double? RatioToFluxMap(string workloadId, StoreDefinition store)
    {
        var baseline = Stores.FirstOrDefault(s => s.IsBaseline && s.Durability == store.Durability);
        var mine = Find(workloadId, store.Id);
        var theirs = baseline is null ? null : Find(workloadId, baseline.Id);
        return mine is { Skipped: null } && theirs is { Skipped: null, OperationsPerSecond: > 0 }
            ? mine.OperationsPerSecond / theirs.OperationsPerSecond
            : null;
    }
}
