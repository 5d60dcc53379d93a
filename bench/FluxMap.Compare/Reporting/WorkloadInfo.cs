namespace FluxMap.Compare.Reporting;

/// <summary>A workload as the report names it.</summary>
internal sealed record WorkloadInfo(string Id, string Title);
