using FluxMap.Compare.Adapters;

namespace FluxMap.Compare.Workloads;

/// <summary>Range scans of a fixed number of keys from uniformly chosen start keys.</summary>
internal sealed class ScanWorkload(KeySpace keys, int length, int workers, long operations)
    : Workload($"scan-{length}", $"Range scan of {length} keys: {keys.Loaded:N0} records, {workers} threads", workers, operations)
{
    /// <inheritdoc />
    public override string? Unsupported(StoreDefinition store) =>
        store.Features.HasFlag(StoreFeatures.OrderedScan) ? null : "no ordered scan";

    /// <inheritdoc />
    public override ValueTask ExecuteAsync(IStoreSession session, WorkerState worker, long index) =>
        Discard(session.ScanAsync(keys[worker.Random.NextInt64(keys.Loaded)], length));
}
