namespace FluxMap.Benchmarks.Tests;

/// <summary>One shift of the on-call workload, both doctors on call, in a fresh database run by FluxMap or by the baseline.</summary>
internal sealed class OnCallPair : IAsyncDisposable
{
    public const string DoctorA = "oncall:000:a";
    public const string DoctorB = "oncall:000:b";

    private readonly FluxDatabase<string, long> _db;
    private readonly IConcurrencyControl _control;

    private OnCallPair(FluxDatabase<string, long> db, IConcurrencyControl control)
    {
        _db = db;
        _control = control;
        Handle = db.CreateHandle();
    }

    public FluxHandle<string, long> Handle { get; }

    /// <summary>Whether the baseline runs the transactions rather than FluxMap's SSI.</summary>
    public bool IsBaseline => _control is OptimisticControl;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static async Task<OnCallPair> OpenAsync(string control)
    {
        var db = await FluxDatabase.OpenAsync<string, long>(cancellationToken: Ct);
        var pair = new OnCallPair(db, control == "baseline" ? new OptimisticControl() : new SsiControl());
        await pair.Handle.InsertAsync(DoctorA, 1, Ct);
        await pair.Handle.InsertAsync(DoctorB, 1, Ct);
        return pair;
    }

    /// <summary>
    /// One attempt of each body, on one thread: each runs to its pause in turn, then each finishes
    /// in turn. A baseline abort must be its own validation's, not FluxMap's underneath.
    /// </summary>
    /// <returns>Which committed.</returns>
    public async Task<bool[]> InterleaveAsync(params Func<ContendedTransaction, ValueTask>[] bodies)
    {
        var committed = await InterleavedContext.RunAsync(() => Task.WhenAll(bodies.Select(body => _control.TryAsync(Handle, new ContendedTransaction(), body).AsTask())));
        Assert.Equal(0, (_control as OptimisticControl)?.AbortsPastValidation ?? 0);
        return committed;
    }

    public async Task<long> ValueAsync(string key) => (await Handle.GetAsync(key, Ct)).GetValueOrDefault();

    public ValueTask DisposeAsync() => _db.DisposeAsync();
}
