namespace FluxMap.Transactions;

/// <summary>Exponential backoff with full jitter between attempts of a conflicted transaction.</summary>
internal sealed class RetryPolicy
{
    private readonly TimeProvider _timeProvider;
    private readonly TimeSpan _baseDelay;
    private readonly TimeSpan _maxDelay;

    internal RetryPolicy(FluxMapOptions options, TimeProvider timeProvider)
    {
        MaxAttempts = options.MaxTransactionAttempts;
        _baseDelay = options.RetryBaseDelay;
        _maxDelay = options.RetryMaxDelay;
        _timeProvider = timeProvider;
    }

    internal int MaxAttempts { get; }

    /// <summary>Waits before attempt <paramref name="failedAttempts"/> + 1.</summary>
    internal Task DelayAsync(int failedAttempts, CancellationToken cancellationToken)
    {
        var ceiling = _baseDelay.Ticks * Math.Pow(2, Math.Min(failedAttempts - 1, 30));
        var bound = Math.Min(ceiling, _maxDelay.Ticks);

        // Full jitter spreads colliding transactions apart instead of retrying them in lockstep.
        var delay = TimeSpan.FromTicks((long)(bound * Random.Shared.NextDouble()));
        return delay <= TimeSpan.Zero ? Task.CompletedTask : Task.Delay(delay, _timeProvider, cancellationToken);
    }
}
