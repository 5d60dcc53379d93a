namespace FluxMap.Benchmarks;

/// <summary>Takes a sample every 100 ms while a load runs, and a last one when stopped.</summary>
internal abstract class PeriodicSampler : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private Task? _loop;

    /// <summary>Stops sampling, after one last sample.</summary>
    /// <returns>A task that completes when the sampler has stopped.</returns>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop!;
        _stop.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>Starts sampling; the derived constructor calls it once its own fields are set.</summary>
    protected void Start() => _loop = Task.Run(SampleAsync);

    protected abstract void Sample();

    private async Task SampleAsync()
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
        try
        {
            do
            {
                Sample();
            }
            while (await timer.WaitForNextTickAsync(_stop.Token));
        }
        catch (OperationCanceledException)
        {
            Sample();
        }
    }
}
