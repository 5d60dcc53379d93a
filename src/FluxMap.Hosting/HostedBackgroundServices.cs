using Microsoft.Extensions.Hosting;

namespace FluxMap.Hosting;

/// <summary>
/// Runs a hosted database's background services (vacuum and the like) with the host's lifetime.
/// Registered after <see cref="HostedFluxDatabase{TKey, TValue}"/>, so the host starts them once
/// the database is open and stops them before it closes.
/// </summary>
internal sealed class HostedBackgroundServices<TKey, TValue>(HostedFluxDatabase<TKey, TValue> database) : IHostedService
    where TKey : notnull
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var services = database.Database.Engine.Services;
        foreach (var service in services)
        {
            await service.StartAsync(cancellationToken).ConfigureAwait(false);
        }

        Log.ServicesStarted(database.Logger, services.Count, database.Name);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        // The database is null when the host failed to start before opening it.
        var services = database.Current?.Engine.Services ?? [];
        for (var i = services.Count - 1; i >= 0; i--)
        {
            await services[i].StopAsync(cancellationToken).ConfigureAwait(false);
        }

        Log.ServicesStopped(database.Logger, services.Count, database.Name);
    }
}
