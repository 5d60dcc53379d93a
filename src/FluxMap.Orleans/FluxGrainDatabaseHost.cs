using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace FluxMap.Grains;

/// <summary>
/// Owns one named provider's database for the silo's lifetime: opens it at
/// <see cref="FluxMapGrainStorageOptions.InitStage"/>, refuses a local one in a cluster of several
/// silos (<see cref="SingleSiloGuard"/>), and closes it when the silo stops. The grain storage and
/// the transactional state storage of that name share it.
/// </summary>
internal sealed class FluxGrainDatabaseHost(string name, FluxMapGrainStorageOptions options, IServiceProvider services)
    : ILifecycleParticipant<ISiloLifecycle>, IAsyncDisposable
{
    private readonly ILogger _logger = (services.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance).CreateLogger(Log.Category);
    private IFluxGrainDatabase? _database;
    private SingleSiloGuard? _guard;

    internal string Name => name;

    /// <summary>Gets the database, or throws when the silo has not opened it, has closed it, or refuses to serve.</summary>
    internal IFluxGrainDatabase Database
    {
        get
        {
            _guard?.ThrowIfRefused();
            return _database ?? throw new InvalidOperationException(
                $"The FluxMap grain storage '{name}' is not open: its silo has not started yet or has stopped.");
        }
    }

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(OptionFormattingUtilities.Name<FluxGrainDatabaseHost>(name), options.InitStage, OpenAsync, CloseAsync);

    internal async Task OpenAsync(CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var database = options.OpenDatabase is { } open
            ? await open(services, name, cancellationToken).ConfigureAwait(false)
            : await LocalGrainDatabase.OpenAsync(
                name,
                options.Database,
                services.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance,
                services.GetService<IMeterFactory>(),
                cancellationToken).ConfigureAwait(false);
        try
        {
            if (!database.IsSharedByAllSilos && !options.AllowLocalStoreInCluster)
            {
                var guard = new SingleSiloGuard(
                    name,
                    services.GetRequiredService<IClusterMembershipService>(),
                    services.GetRequiredService<ILocalSiloDetails>().SiloAddress,
                    _logger);
                guard.CheckStart();
                _guard = guard;
            }
        }
        catch
        {
            await database.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        _database = database;
        var sharing = database.IsSharedByAllSilos ? "shared by all silos" : "of this silo only";
        var elapsedMs = (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        Log.Opened(_logger, name, sharing, elapsedMs);
    }

    internal async Task CloseAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _database, null) is { } database)
        {
            await database.DisposeAsync().ConfigureAwait(false);
            Log.Closed(_logger, name);
        }
    }

    public ValueTask DisposeAsync() => new(CloseAsync(CancellationToken.None));
}
