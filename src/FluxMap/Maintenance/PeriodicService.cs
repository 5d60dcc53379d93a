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
    private PeriodicTimer? _timer;

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

    /// <summary>Starts the clock now: ExecuteAsync begins later on the thread pool, and the first interval counts from the start.</summary>
    public override Task StartAsync(CancellationToken cancellationToken)
    {
        _timer ??= new PeriodicTimer(_interval, _timeProvider);
        return base.StartAsync(cancellationToken);
    }

    public override void Dispose()
    {
        _timer?.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var timer = _timer!;
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
                    Log.BackgroundServiceFailed(_logger, Name, e);
                    _fault = e;
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
