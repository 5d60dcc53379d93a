using FluxMap.Compare.Adapters;

namespace FluxMap.Compare.Workloads;

/// <summary>
/// Concurrent writers, each committing one 100-byte upsert at a time in the store's durability
/// and waiting for it: the workload where group commit matters.
/// </summary>
internal sealed class DurableCommitWorkload(KeySpace keys, int writers, long operations)
    : Workload($"durable-{writers}", $"Durable commits: {writers} concurrent writers, one 100-byte upsert per commit", writers, operations)
{
    /// <inheritdoc />
    public override string? Unsupported(StoreDefinition store) =>
        store.Durability == DurabilityClass.None ? "not durable" : null;

    /// <inheritdoc />
    public override ValueTask ExecuteAsync(IStoreSession session, WorkerState worker, long index) =>
        session.PutAsync(keys[worker.Random.NextInt64(keys.Fresh)], ValuePool.For(index));
}
