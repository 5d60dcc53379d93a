using FluxMap.Compare.Adapters;

namespace FluxMap.Compare.Workloads;

/// <summary>
/// The FeOxDB benchmark set (GET, INSERT, DELETE, 80/20 mixed) on one thread, as FeOxDB runs it:
/// as many operations as there are keys, 100-byte values.
/// </summary>
internal sealed class FeoxWorkload : Workload
{
    private readonly FeoxOperation _operation;
    private readonly KeySpace _keys;
    private readonly int[] _order;

    /// <summary>Runs <paramref name="operation"/> over the loaded keys of <paramref name="keys"/>.</summary>
    public FeoxWorkload(FeoxOperation operation, KeySpace keys, int seed)
        : base(
            $"feox-{operation.ToString().ToLowerInvariant()}-{keys.Loaded}",
            $"FeOxDB {Describe(operation)}: {keys.Loaded:N0} keys, 1 thread",
            workers: 1,
            operations: keys.Loaded)
    {
        _operation = operation;
        _keys = keys;
        _order = [.. Enumerable.Range(0, (int)keys.Loaded)];
        new Random(seed).Shuffle(_order);
    }

    /// <inheritdoc />
    public override ValueTask ExecuteAsync(IStoreSession session, WorkerState worker, long index) => _operation switch
    {
        FeoxOperation.Get => Discard(session.GetAsync(_keys[_order[index]])),
        FeoxOperation.Insert => session.PutAsync(_keys[_keys.Loaded + _order[index]], ValuePool.For(index)),
        FeoxOperation.Delete => session.DeleteAsync(_keys[_order[index]]),
        _ => worker.Random.Next(100) < 80
            ? Discard(session.GetAsync(_keys[worker.Random.NextInt64(_keys.Loaded)]))
            : session.PutAsync(_keys[worker.Random.NextInt64(_keys.Loaded)], ValuePool.For(index)),
    };

    private static string Describe(FeoxOperation operation) => operation switch
    {
        FeoxOperation.Get => "GET (random reads of loaded keys)",
        FeoxOperation.Insert => "INSERT (new keys, random order)",
        FeoxOperation.Delete => "DELETE (every loaded key, random order)",
        _ => "MIXED (80% GET / 20% overwrite)",
    };
}
