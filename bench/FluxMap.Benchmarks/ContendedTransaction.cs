using System.Runtime.CompilerServices;

namespace FluxMap.Benchmarks;

/// <summary>
/// One attempt of a workload's transaction over a FluxMap transaction, noting the keys it reads
/// and writes: the optimistic baseline validates those, and both sides pay for noting them.
/// One instance per worker, reused across attempts.
/// </summary>
internal sealed class ContendedTransaction
{
    private readonly HashSet<string> _reads = [];
    private readonly HashSet<string> _writes = [];
    private FluxTransaction<string, long>? _transaction;

    /// <summary>The keys read in this attempt.</summary>
    public IReadOnlyCollection<string> Reads => _reads;

    /// <summary>The keys written in this attempt.</summary>
    public IReadOnlyCollection<string> Writes => _writes;

    /// <summary>The FluxMap transaction of this attempt.</summary>
    public FluxTransaction<string, long> Transaction => _transaction ?? throw new InvalidOperationException("No attempt has started.");

    /// <summary>Starts an attempt in <paramref name="transaction"/>.</summary>
    public void Start(FluxTransaction<string, long> transaction)
    {
        _transaction = transaction;
        _reads.Clear();
        _writes.Clear();
    }

    /// <summary>The value of <paramref name="key"/>, 0 when it is absent.</summary>
    public async ValueTask<long> GetAsync(string key)
    {
        _reads.Add(key);
        return (await Transaction.GetAsync(key)).GetValueOrDefault();
    }

    /// <summary>
    /// Gives the thread back between reading and writing, as a service's transaction does when it
    /// awaits something in between: on two cores many transactions are then in flight at once,
    /// so contention comes from the workers' count and not from where the scheduler preempts.
    /// </summary>
    public static YieldAwaitable PauseAsync() => Task.Yield();

    /// <summary>Writes <paramref name="value"/> under <paramref name="key"/>.</summary>
    public ValueTask SetAsync(string key, long value)
    {
        _writes.Add(key);
        return Transaction.InsertAsync(key, value);
    }
}
