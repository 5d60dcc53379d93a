using System.Diagnostics.Metrics;
using FluxMap.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FluxMap.Hosting;

/// <summary>
/// Opens one registered database when the host starts and closes it when the host stops; the
/// dependency-injection container hands out the open database it holds.
/// </summary>
internal sealed class HostedFluxDatabase<TKey, TValue> : IHostedService, IAsyncDisposable
    where TKey : notnull
{
    private readonly string _optionsName;
    private readonly IOptionsMonitor<FluxMapOptions> _options;
    private readonly ILoggerFactory _loggerFactory;
    private readonly IMeterFactory? _meterFactory;
    private readonly TimeProvider _timeProvider;
    private readonly Action<FluxDatabaseBuilder<TKey, TValue>>? _configure;
    private FluxDatabase<TKey, TValue>? _database;

    // Where the open database keeps its data, for the open and close log lines. Validation refuses
    // a data directory in memory, so a directory named here is the one in use.
    private DurabilityMode _durability;
    private string _storage = "";

    internal HostedFluxDatabase(
        string? key,
        IOptionsMonitor<FluxMapOptions> options,
        ILoggerFactory loggerFactory,
        IMeterFactory? meterFactory,
        TimeProvider timeProvider,
        Action<FluxDatabaseBuilder<TKey, TValue>>? configure)
    {
        _optionsName = key ?? Options.DefaultName;
        Name = key ?? "default";
        _options = options;
        _loggerFactory = loggerFactory;
        _meterFactory = meterFactory;
        _timeProvider = timeProvider;
        _configure = configure;
        Logger = loggerFactory.CreateLogger(Log.Category);
    }

    internal string Name { get; }

    internal ILogger Logger { get; }

    /// <summary>The database once the host has started it; null before.</summary>
    internal FluxDatabase<TKey, TValue>? Current => _database;

    internal FluxDatabase<TKey, TValue> Database => _database ?? throw new InvalidOperationException(
        $"The FluxMap database '{Name}' opens when the host starts. Resolve {TypeName.Readable(typeof(FluxDatabase<TKey, TValue>))} " +
        "or its handle after IHost.StartAsync (in a request, or in a hosted service's ExecuteAsync), not while the host is built or started.");

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var options = _options.Get(_optionsName);
        var builder = FluxDatabase.CreateBuilder<TKey, TValue>()
            .WithOptions(options)
            .WithName(Name)
            .WithLoggerFactory(_loggerFactory)
            .WithTimeProvider(_timeProvider);
        if (_meterFactory is not null)
        {
            builder.WithMeterFactory(_meterFactory);
        }

        _configure?.Invoke(builder);
        builder.WithOpenProgress(new LoggedOpenProgress(Logger, Name, builder.OpenProgress));
        var started = _timeProvider.GetTimestamp();
        _database = await builder.WithExternallyHostedServices().OpenAsync(cancellationToken).ConfigureAwait(false);
        var elapsedMs = (long)_timeProvider.GetElapsedTime(started).TotalMilliseconds;
        (_durability, _storage) = (options.Durability, options.Durability == DurabilityMode.InMemory
            ? "nothing on disk"
            : $"files in '{Path.GetFullPath(options.DataDirectory!)}'");
        Log.Opened(Logger, Name, _durability, _storage, elapsedMs);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_database is null)
        {
            return;
        }

        // Closing syncs the log and cannot be called off; past the host's shutdown timeout the
        // host stops waiting, and disposing the container still waits for the close.
        await _database.DisposeAsync().AsTask().WaitAsync(cancellationToken).ConfigureAwait(false);
        Log.Closed(Logger, Name, _durability, _storage);
    }

    public ValueTask DisposeAsync() => _database?.DisposeAsync() ?? ValueTask.CompletedTask;
}
