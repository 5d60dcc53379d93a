using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;

namespace FluxMap.Grains;

/// <summary>A FluxMap database of this silo alone, opened from <see cref="FluxMapGrainStorageOptions.Database"/>.</summary>
internal sealed class LocalGrainDatabase : IFluxGrainDatabase
{
    private static readonly TransactionOptions ReadOnly = new() { ReadOnly = true };

    private readonly FluxDatabase<string, byte[]> _database;
    private readonly FluxHandle<string, byte[]> _handle;

    private LocalGrainDatabase(FluxDatabase<string, byte[]> database)
    {
        _database = database;
        _handle = database.CreateHandle();
    }

    public bool IsSharedByAllSilos => false;

    public ValueTask<TResult> TransactionAsync<TResult>(
        Func<FluxTransaction<string, byte[]>, CancellationToken, ValueTask<TResult>> body, CancellationToken cancellationToken = default) =>
        _handle.TransactionAsync(body, cancellationToken);

    // One database, so its newest commit is every acknowledged write.
    public ValueTask<TResult> ReadAsync<TResult>(
        Func<FluxTransaction<string, byte[]>, CancellationToken, ValueTask<TResult>> body, CancellationToken cancellationToken = default) =>
        _handle.TransactionAsync(body, ReadOnly, cancellationToken);

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
