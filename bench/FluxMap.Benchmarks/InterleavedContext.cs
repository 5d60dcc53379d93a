namespace FluxMap.Benchmarks;

/// <summary>
/// Runs asynchronous work on one thread of its own, continuations in the order they were posted:
/// concurrent workers interleave at their awaits and nowhere else, so which transactions overlap
/// depends on the workload alone, not on the machine's load, and a run repeats exactly.
/// </summary>
internal sealed class InterleavedContext : SynchronizationContext
{
    // Monitor.Wait needs an object, not a Lock.
    private readonly object _gate = new();
    private readonly Queue<(SendOrPostCallback Callback, object? State)> _ready = new();
    private bool _done;

    /// <summary>Starts <paramref name="work"/> on a new thread under this context and runs it to completion there.</summary>
    public static Task<T> RunAsync<T>(Func<Task<T>> work) => Task.Factory.StartNew(
        () =>
        {
            var context = new InterleavedContext();
            SetSynchronizationContext(context);
            var task = work();
            task.ContinueWith(_ => context.Finish(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            while (context.TakeNext() is var (callback, state))
            {
                callback(state);
            }

            return task;
        },
        CancellationToken.None,
        TaskCreationOptions.LongRunning,
        TaskScheduler.Default).Unwrap();

    public override void Post(SendOrPostCallback d, object? state)
    {
        lock (_gate)
        {
            _ready.Enqueue((d, state));
            Monitor.Pulse(_gate);
        }
    }

    public override void Send(SendOrPostCallback d, object? state) =>
        throw new NotSupportedException("Work under an interleaved context only posts.");

    public override SynchronizationContext CreateCopy() => this;

    private (SendOrPostCallback Callback, object? State)? TakeNext()
    {
        lock (_gate)
        {
            while (_ready.Count == 0 && !_done)
            {
                Monitor.Wait(_gate);
            }

            return _ready.Count > 0 ? _ready.Dequeue() : null;
        }
    }

    private void Finish()
    {
        lock (_gate)
        {
            _done = true;
            Monitor.Pulse(_gate);
        }
    }
}
