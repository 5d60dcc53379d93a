using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;

namespace FluxMap.Grains;

/// <summary>A FluxMap database of this silo alone, opened from <see cref="FluxMapGrainStorageOptions.Database"/>.</summary>
internal sealed class LocalGrainDatabase : IFluxGrainDatabase
{
    private readonly FluxDatabase<string, byte[]> _database;

    private LocalGrainDatabase(FluxDatabase<string, byte[]> database)
    {
        _database = database;
        Handle = database.CreateHandle();
    }

    public FluxHandle<string, byte[]> Handle { get; }

    public bool IsSharedByAllSilos => false;

    internal static async ValueTask<IFluxGrainDatabase> OpenAsync(
        string name,
        FluxMapOptions options,
        ILoggerFactory loggerFactory,
        IMeterFactory? meterFactory,
        CancellationToken cancellationToken)
    {
        var builder = FluxDatabase.CreateBuilder<string, byte[]>()
            .WithName(name)
            .WithOptions(options)
            .WithLoggerFactory(loggerFactory);
        if (meterFactory is not null)
        {
            builder.WithMeterFactory(meterFactory);
        }

        return new LocalGrainDatabase(await builder.OpenAsync(cancellationToken).ConfigureAwait(false));
    }

    public ValueTask DisposeAsync() => _database.DisposeAsync();
}
