using Microsoft.Extensions.Time.Testing;

namespace FluxMap.Hosting.Tests;

/// <summary>
/// A fake clock that tells when a periodic timer is on it. Since .NET 10 a background service's
/// ExecuteAsync starts on the thread pool after StartAsync returns, so a test must wait for the
/// service's timer to exist before advancing the clock past its first tick.
/// </summary>
internal sealed class ServiceClock : FakeTimeProvider
{
    private readonly TaskCompletionSource _periodicTimer = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task PeriodicTimerCreated => _periodicTimer.Task;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = base.CreateTimer(callback, state, dueTime, period);
        if (period != Timeout.InfiniteTimeSpan)
        {
            _periodicTimer.TrySetResult();
        }

        return timer;
    }
}
