using FluxMap.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FluxMap.Maintenance;

/// <summary>
/// A database's background job that runs one round per interval on the database's clock. A
/// failed round is logged and kept as the service's <see cref="Fault"/> (the database reports
/// itself degraded) and the next round runs as planned; a good round clears the fault.
/// </summary>
internal sealed class PeriodicService : BackgroundService
{
    private readonly TimeSpan _interval;
    private readonly Func<CancellationToken, ValueTask> _round;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private volatile Exception? _fault;

    internal PeriodicService(string name, TimeSpan interval, Func<CancellationToken, ValueTask> round, TimeProvider timeProvider, ILogger logger)
    {
        Name = name;
        _interval = interval;
        _round = round;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    internal string Name { get; }

    /// <summary>Why the last round failed; null after a good round.</summary>
    internal Exception? Fault => _fault;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_interval, _timeProvider);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                try
                {
                    await _round(stoppingToken).ConfigureAwait(false);
                    _fault = null;
                }
                catch (Exception e) when (!stoppingToken.IsCancellationRequested)
                {
                    _fault = e;
                    Log.BackgroundServiceFailed(_logger, Name, e);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
