using FluxMap.Compare.Adapters;

namespace FluxMap.Compare.Workloads;

/// <summary>One table of the report: an operation mix run by some workers against a loaded store.</summary>
internal abstract class Workload(string id, string title, int workers, long operations)
{
    /// <summary>Stable name; <c>--workloads</c> selects by prefix.</summary>
    public string Id { get; } = id;

    /// <summary>Heading of its table.</summary>
    public string Title { get; } = title;

    /// <summary>Concurrent workers.</summary>
    public int Workers { get; } = workers;

    /// <summary>Operations across all workers (the run also stops at the time limit).</summary>
    public long Operations { get; } = operations;

    /// <summary>Why <paramref name="store"/> cannot run this workload, or null when it can.</summary>
    public virtual string? Unsupported(StoreDefinition store) => null;

    /// <summary>Builds whatever the workload needs before its timed part starts.</summary>
    public virtual void Prepare()
    {
    }

    /// <summary>Runs operation number <paramref name="index"/> (globally unique within the run).</summary>
    public abstract ValueTask ExecuteAsync(IStoreSession session, WorkerState worker, long index);

    /// <summary>After the timed part: checks the outcome and returns a note for the table, or null.</summary>
    public virtual ValueTask<string?> FinishAsync(IStoreSession session, IReadOnlyList<WorkerState> workers) => new((string?)null);

    /// <summary>Waits for a result the workload does not need, without allocating when it is already there.</summary>
    protected static ValueTask Discard<T>(ValueTask<T> pending)
    {
        return pending.IsCompletedSuccessfully ? ValueTask.CompletedTask : Await(pending);

        static async ValueTask Await(ValueTask<T> pending) => await pending;
    }
}
